package reports_test

import (
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/hidemont/spkit/spapi/reports"
)

// This example reads a two-line settlement file.
func ExampleSettlementReader() {
	file := "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tamount-type\tamount-description\tamount\tposted-date\tsku\tquantity-purchased\n" +
		"1001\t2026-11-01 00:00:00 UTC\t2026-11-15 00:00:00 UTC\t2026-11-17 00:00:00 UTC\t17.00\tEUR\t\t\t\t\t\t\t\t\n" +
		"1001\t\t\t\t\t\tOrder\t111-0000000-0000001\tItemPrice\tPrincipal\t20,00\t14.11.2026\tWALLET BRN/S\t1\n" +
		"1001\t\t\t\t\t\tOrder\t111-0000000-0000001\tItemFees\tCommission\t-3,00\t14.11.2026\tWALLET BRN/S\t1\n"
	sr := reports.NewSettlementReader(strings.NewReader(file))
	for {
		row, err := sr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.OrderID, row.AmountDescription, row.Amount, row.PostedDate.Format("2006-01-02"), row.SKU)
	}
	s := sr.Settlement()
	fmt.Println(s.ID, s.TotalAmount, s.Currency)
	// Output:
	// 111-0000000-0000001 Principal 20.00 2026-11-14 WALLET BRN/S
	// 111-0000000-0000001 Commission -3.00 2026-11-14 WALLET BRN/S
	// 1001 17.00 EUR
}
