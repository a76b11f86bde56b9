package spapitest

import (
	"bytes"
	"fmt"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

// settlementColumns is the header line of a V2 settlement flat file.
const settlementColumns = "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id"

// newSettlements builds one settlement report per marketplace covering the
// 14 days before now, from the seller's shipped orders.
func newSettlements(f *gofakeit.Faker, sd *SellerData, now time.Time) []*SettlementReport {
	var out []*SettlementReport
	for _, mid := range sd.Marketplaces {
		m := marketplaceByID(mid)
		r := &SettlementReport{
			ReportID:      f.DigitN(11),
			MarketplaceID: mid,
			SettlementID:  f.DigitN(11),
			Currency:      m.currency,
			StartDate:     now.Add(-14 * 24 * time.Hour),
			EndDate:       now,
			CreatedTime:   now.Add(2 * time.Hour),
		}
		var lines bytes.Buffer
		for _, o := range sd.Orders {
			if o.MarketplaceID != mid || (o.Status != OrderShipped && o.Status != OrderInvoiceUnconfirmed) {
				continue
			}
			shipment := "D" + f.DigitN(8)
			for _, it := range o.Items {
				principal := it.UnitPriceCents * int64(it.Quantity)
				fee := -(principal * 15 / 100)
				for _, part := range []struct {
					kind, desc string
					cents      int64
				}{{"ItemPrice", "Principal", principal}, {"ItemFees", "Commission", fee}} {
					r.Rows++
					r.TotalCents += part.cents
					fmt.Fprintf(&lines, "%s\t\t\t\t\t\tOrder\t%s\t%s\t\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t\t%s\t%d\t\n",
						r.SettlementID, o.ID, o.ID, shipment, m.name, part.kind, part.desc,
						formatCents(part.cents, "EUR"), fulfillmentID(o), o.LastUpdateDate.Format("2006-01-02"),
						o.LastUpdateDate.Format("2006-01-02 15:04:05 UTC"), it.ID, it.SKU, it.Quantity)
				}
			}
		}
		var buf bytes.Buffer
		buf.WriteString(settlementColumns + "\n")
		fmt.Fprintf(&buf, "%s\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n",
			r.SettlementID, r.StartDate.Format("2006-01-02 15:04:05 UTC"), r.EndDate.Format("2006-01-02 15:04:05 UTC"),
			r.EndDate.Add(48*time.Hour).Format("2006-01-02 15:04:05 UTC"), formatCents(r.TotalCents, "EUR"), r.Currency)
		buf.Write(lines.Bytes())
		r.Content = buf.Bytes()
		out = append(out, r)
	}
	return out
}

func fulfillmentID(o *Order) string {
	if o.FulfillmentChannel == "AFN" {
		return "AFN"
	}
	return "MFN"
}
