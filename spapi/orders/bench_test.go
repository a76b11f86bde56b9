package orders_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/spapi/orders"
)

// ordersPage builds a synthetic getOrders v0 page of n orders with buyer
// info and full shipping addresses, as an RDT call returns it.
func ordersPage(n int) []byte {
	f := gofakeit.New(9)
	type address struct {
		Name, AddressLine1, City, StateOrRegion, PostalCode, CountryCode, Phone, AddressType string
	}
	type buyer struct{ BuyerEmail, BuyerName string }
	var list []map[string]any
	for i := 0; i < n; i++ {
		name := f.Name()
		list = append(list, map[string]any{
			"AmazonOrderId": fmt.Sprintf("%03d-%07d-%07d", f.Number(100, 999), f.Number(0, 9999999), f.Number(0, 9999999)),
			"PurchaseDate":  time.Date(2026, 11, 1, 10, 0, i, 0, time.UTC), "LastUpdateDate": time.Date(2026, 11, 2, 10, 0, i, 0, time.UTC),
			"OrderStatus": "Unshipped", "FulfillmentChannel": "MFN", "SalesChannel": "Amazon.de", "ShipServiceLevel": "Std DE Dom",
			"OrderTotal": map[string]string{"CurrencyCode": "EUR", "Amount": "49.90"}, "NumberOfItemsShipped": 0, "NumberOfItemsUnshipped": 1,
			"PaymentMethod": "Other", "MarketplaceId": "A1PA6795UKMFR9", "IsBusinessOrder": false, "IsPrime": true,
			"ShippingAddress": address{name, f.Street(), f.City(), "", f.Zip(), "DE", f.Phone(), "Residential"},
			"BuyerInfo":       buyer{f.Email(), name},
		})
	}
	data, _ := json.Marshal(map[string]any{"payload": map[string]any{"Orders": list, "CreatedBefore": "2026-11-15T00:00:00Z"}})
	return data
}

// plainOrder is the baseline: the same fields decoded into plain strings,
// as a client without sealed PII types would.
type plainOrder struct {
	AmazonOrderID   string    `json:"AmazonOrderId"`
	PurchaseDate    time.Time `json:"PurchaseDate"`
	LastUpdateDate  time.Time `json:"LastUpdateDate"`
	OrderStatus     string
	OrderTotal      *orders.Money
	ShippingAddress *struct {
		Name, AddressLine1, City, StateOrRegion, PostalCode, CountryCode, Phone, AddressType string
	}
	BuyerInfo *struct{ BuyerEmail, BuyerName string }
}

func decodePlain(b *testing.B, data []byte) {
	var page struct {
		Payload struct{ Orders []plainOrder } `json:"payload"`
	}
	if err := json.Unmarshal(data, &page); err != nil || len(page.Payload.Orders) != 100 {
		b.Fatal(err)
	}
}

func decodePII(b *testing.B, data []byte) {
	var page struct {
		Payload orders.OrdersPageV0 `json:"payload"`
	}
	if err := json.Unmarshal(data, &page); err != nil || len(page.Payload.Orders) != 100 {
		b.Fatal(err)
	}
}

// BenchmarkDecodeOrdersPage decodes a getOrders page of 100 orders with
// buyer data into the package's types, whose buyer fields are sealed pii
// values, and into plain strings as the baseline. The interleaved
// sub-benchmark alternates both decodes in each iteration and reports
// x-plain: the pii decode time divided by the baseline's.
func BenchmarkDecodeOrdersPage(b *testing.B) {
	data := ordersPage(100)
	b.Run("plain-strings", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			decodePlain(b, data)
		}
	})
	b.Run("pii", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			decodePII(b, data)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/order")
	})
	b.Run("interleaved", func(b *testing.B) {
		var plain, sealed time.Duration
		for b.Loop() {
			start := time.Now()
			decodePlain(b, data)
			mid := time.Now()
			decodePII(b, data)
			plain += mid.Sub(start)
			sealed += time.Since(mid)
		}
		b.ReportMetric(float64(sealed)/float64(plain), "x-plain")
	})
}
