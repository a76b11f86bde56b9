package reports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

const settlementHeader = "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id\n"

// writeSettlement writes a synthetic settlement file of about size bytes and
// returns the number of transaction rows and the sum of their amounts.
func writeSettlement(w io.Writer, seed uint64, size int) (rows int, sum Amount) {
	f := gofakeit.New(seed)
	var buf bytes.Buffer
	buf.WriteString(settlementHeader)
	buf.WriteString("12345678901\t2026-11-01 00:00:00 UTC\t2026-11-15 00:00:00 UTC\t2026-11-17 00:00:00 UTC\t0.00\tEUR\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n")
	skus := []string{"WALLET BROWN/S", "BELT+BLACK, 95", "CARD HOLDER 2", "KEY/RING+TAN"}
	for buf.Len() < size {
		order := fmt.Sprintf("%03d-%07d-%07d", f.Number(100, 999), f.Number(0, 9999999), f.Number(0, 9999999))
		posted := time.Date(2026, 11, f.Number(1, 14), f.Number(0, 23), f.Number(0, 59), f.Number(0, 59), 0, time.UTC)
		for _, part := range []struct{ kind, desc string }{{"ItemPrice", "Principal"}, {"ItemPrice", "Tax"}, {"ItemFees", "Commission"}} {
			cents := int64(f.Number(1, 20000))
			if part.kind == "ItemFees" {
				cents = -cents
			}
			rows++
			sum += Amount(cents)
			fmt.Fprintf(&buf, "12345678901\t\t\t\t\t\tOrder\t%s\t%s\t\tD%08d\tAmazon.de\t%s\t%s\t%s\tMFN\t%s\t%s\t%014d\t\t\t%s\t%d\t\n",
				order, order, f.Number(0, 99999999), part.kind, part.desc, Amount(cents).String(),
				posted.Format("2006-01-02"), posted.Format("2006-01-02 15:04:05 UTC"),
				f.Number(0, 1<<30), skus[f.Number(0, len(skus)-1)], f.Number(1, 3))
		}
	}
	_, _ = w.Write(buf.Bytes())
	return rows, sum
}

func TestSettlementReader(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	wantRows, wantSum := writeSettlement(&buf, 1, 64<<10)

	sr := NewSettlementReader(&buf)
	rows, sum := 0, Amount(0)
	for {
		r, err := sr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		rows++
		sum += r.Amount
		if r.TransactionType != "Order" || r.MarketplaceName != "Amazon.de" || r.SKU == "" {
			t.Fatalf("row %d = %+v", r.Line, r)
		}
		if r.PostedDate.Year() != 2026 || r.PostedDate.Location() != time.UTC {
			t.Fatalf("row %d posted = %v", r.Line, r.PostedDate)
		}
	}
	if rows != wantRows {
		t.Errorf("rows = %d, want %d", rows, wantRows)
	}
	if sum != wantSum {
		t.Errorf("sum = %s, want %s", sum, wantSum)
	}
	s := sr.Settlement()
	if s.ID != "12345678901" || s.Currency != "EUR" {
		t.Errorf("settlement = %+v", s)
	}
	if want := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC); !s.DepositDate.Equal(want) {
		t.Errorf("deposit date = %v, want %v", s.DepositDate, want)
	}
}

func TestSettlementSKUsKeptVerbatim(t *testing.T) {
	t.Parallel()
	in := settlementHeader + "1\t\t\t\t\t\tOrder\t1\t\t\t\t\tItemPrice\tPrincipal\t1,50\t\t17.11.2026\t\t\t\t\tA B/C+D,E\t2\t\n"
	r, err := NewSettlementReader(strings.NewReader(in)).Read()
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if r.SKU != "A B/C+D,E" {
		t.Errorf("SKU = %q", r.SKU)
	}
	if r.Amount != 150 {
		t.Errorf("amount = %s, want 1.50", r.Amount)
	}
	if want := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC); !r.PostedDate.Equal(want) {
		t.Errorf("posted = %v", r.PostedDate)
	}
	if r.QuantityPurchased != 2 {
		t.Errorf("quantity = %d", r.QuantityPurchased)
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Amount
		ok   bool
	}{
		{"0", 0, true}, {"12.34", 1234, true}, {"-12.3", -1230, true}, {"12,34", 1234, true},
		{"+5", 500, true}, {".5", 50, true}, {"1.234", 0, false}, {"1.2.3", 0, false},
		{"abc", 0, false}, {"-", 0, false}, {"", 0, false}, {"1,234.56", 0, false},
		{"99999999999999999999", 0, false},
		{"92233720368547758.07", math.MaxInt64, true},
		{"-92233720368547758.07", -math.MaxInt64, true},
		{"92233720368547758.08", 0, false},
		{"-92233720368547758.09", 0, false},
		{"92233720368547759", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseAmount(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAmountString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   Amount
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {-1230, "-12.30"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range cases {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 17, 8, 30, 5, 0, time.UTC)
	for _, in := range []string{
		"2026-11-17 08:30:05 UTC", "2026-11-17T08:30:05Z", "2026-11-17T08:30:05+00:00",
		"2026-11-17T09:30:05+01:00", "17.11.2026 08:30:05 UTC", "2026-11-17T08:30:05.000Z",
	} {
		got, ok := parseTime(in)
		if !ok || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"2026-13-01", "yesterday", "2026-11-17 8:30", "2026-11-17 08:30:05 CET"} {
		if _, ok := parseTime(in); ok {
			t.Errorf("parseTime(%q) accepted", in)
		}
	}
}

func TestSettlementReaderErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		column   string
	}{
		{"bad amount", settlementHeader + "1\t\t\t\t\t\tOrder\t\t\t\t\t\t\t\tten\t\t\t\t\t\t\t\t\t\n", "amount"},
		{"bad date", settlementHeader + "1\t\t\t\t\t\tOrder\t\t\t\t\t\t\t\t1\t\tsoon\t\t\t\t\t\t\t\n", "posted-date"},
		{"bad quantity", settlementHeader + "1\t\t\t\t\t\tOrder\t\t\t\t\t\t\t\t1\t\t\t\t\t\t\t\t-1\t\n", "quantity-purchased"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewSettlementReader(strings.NewReader(tc.in)).Read()
			var se *SettlementError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SettlementError", err)
			}
			if se.Column != tc.column || se.Line != 2 {
				t.Errorf("error at line %d column %q, want line 2 column %q", se.Line, se.Column, tc.column)
			}
		})
	}
}

func TestSettlementReaderNotSettlement(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "sku\tprice\nA\t1\n", "<html/>"} {
		if _, err := NewSettlementReader(strings.NewReader(in)).Read(); !errors.Is(err, ErrNotSettlement) {
			t.Errorf("%q: err = %v, want ErrNotSettlement", in, err)
		}
	}
}

func TestSettlementReaderCutLine(t *testing.T) {
	t.Parallel()
	row := "1\t\t\t\t\t\tOrder\t114-0000000-0000001\t\t\t\tAmazon.de\tItemPrice\tPrincipal\t12.34\tMFN\t2026-11-03\t\t\t\t\tSKU 1\t1\t\n"
	full := settlementHeader + row
	if _, err := NewSettlementReader(strings.NewReader(full)).Read(); err != nil {
		t.Fatalf("full line: %v", err)
	}
	// Cut the row after its amount, then after its order ID, as a truncated
	// download ends.
	for _, cut := range []string{"12.34", "114-0000000-0000001"} {
		in := full[:strings.Index(full, cut)+len(cut)]
		r, err := NewSettlementReader(strings.NewReader(in)).Read()
		var se *SettlementError
		if !errors.As(err, &se) {
			t.Errorf("cut after %s: Read = %+v, %v; want *SettlementError", cut, r, err)
		}
	}
}

func TestSettlementReaderLongLine(t *testing.T) {
	t.Parallel()
	in := settlementHeader + strings.Repeat("x", MaxSettlementLineBytes+10) + "\n"
	_, err := NewSettlementReader(strings.NewReader(in)).Read()
	var se *SettlementError
	if !errors.As(err, &se) {
		t.Errorf("err = %v, want *SettlementError", err)
	}
}

func FuzzSettlementReader(f *testing.F) {
	var buf bytes.Buffer
	writeSettlement(&buf, 2, 2048)
	f.Add(buf.Bytes())
	f.Add([]byte(settlementHeader + "1\t\t\t\t\t\tOrder\t1\t\t\t\t\tItemPrice\tPrincipal\t1,50\t\t17.11.2026\t\t\t\t\tA\t2\t\n"))
	f.Add([]byte("settlement-id\ttransaction-type\tamount\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sr := NewSettlementReader(bytes.NewReader(data))
		for i := 0; i < 10000; i++ {
			if _, err := sr.Read(); err != nil {
				return
			}
		}
	})
}

func readCSV(b *testing.B, data []byte) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = '\t'
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	for {
		if _, err := r.Read(); err != nil {
			if err != io.EOF {
				b.Fatal(err)
			}
			return
		}
	}
}

func readSettlement(b *testing.B, data []byte) {
	sr := NewSettlementReader(bytes.NewReader(data))
	for {
		if _, err := sr.Read(); err != nil {
			if err != io.EOF {
				b.Fatal(err)
			}
			return
		}
	}
}

// BenchmarkSettlement compares SettlementReader, which also converts
// amounts and dates, on a 50 MB synthetic file with encoding/csv reading
// the same file as tab-separated records. The interleaved sub-benchmark
// alternates the two passes in each iteration, so that load from other
// processes hits both alike, and reports x-csv: the reader's throughput
// divided by encoding/csv's.
func BenchmarkSettlement(b *testing.B) {
	var buf bytes.Buffer
	writeSettlement(&buf, 3, 50<<20)
	data := buf.Bytes()

	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			readCSV(b, data)
		}
	})
	b.Run("SettlementReader", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			readSettlement(b, data)
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var csvTime, readerTime time.Duration
		for b.Loop() {
			start := time.Now()
			readCSV(b, data)
			mid := time.Now()
			readSettlement(b, data)
			csvTime += mid.Sub(start)
			readerTime += time.Since(mid)
		}
		b.ReportMetric(float64(csvTime)/float64(readerTime), "x-csv")
	})
}
