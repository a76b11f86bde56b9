package pii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
)

func BenchmarkNewBuyerName(b *testing.B) {
	name := gofakeit.New(61).Name()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pii.NewBuyerName(name); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewPhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pii.NewPhone("+1 480-386-0930 ext. 73824"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewAddress(b *testing.B) {
	s := newSample(b, 62)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pii.NewAddress(s.parts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReveal(b *testing.B) {
	s := newSample(b, 63)
	r, err := pii.NewRevealer(pii.Policy{}, auditorFunc(func(context.Context, pii.Access) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := pii.WithActor(b.Context(), pii.Actor{UserID: "bench"})
	b.Run("BuyerName", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Reveal(ctx, pii.PurposeFulfillment, s.name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RevealFunc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.RevealFunc(ctx, pii.PurposeFulfillment, s.name, func([]byte) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RevealAddress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.RevealAddress(ctx, pii.PurposeFulfillment, s.address); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// getOrders v0 models with the fields of the sandbox response, generic over
// the types of the personal fields so the same page decodes into pii types
// and into plain strings.
type benchOrdersResponse[Name, Email, Addr any] struct {
	Payload struct {
		NextToken string
		Orders    []benchOrder[Name, Email, Addr]
	} `json:"payload"`
}

type benchMoney struct{ CurrencyCode, Amount string }

type benchPlainAddress struct {
	Name, CompanyName, AddressLine1, AddressLine2, AddressLine3, City, County, District string
	StateOrRegion, Municipality, PostalCode, CountryCode, Phone, AddressType            string
}

type benchOrder[Name, Email, Addr any] struct {
	AmazonOrderId                  string
	PurchaseDate, LastUpdateDate   string
	OrderStatus                    string
	FulfillmentChannel             string
	SalesChannel                   string
	ShipServiceLevel               string
	OrderTotal                     benchMoney
	NumberOfItemsShipped           int
	NumberOfItemsUnshipped         int
	PaymentMethod                  string
	PaymentMethodDetails           []string
	IsReplacementOrder             bool
	MarketplaceId                  string
	ShipmentServiceLevelCategory   string
	OrderType                      string
	EarliestShipDate               string
	LatestShipDate                 string
	EarliestDeliveryDate           string
	LatestDeliveryDate             string
	IsBusinessOrder                bool
	IsPrime                        bool
	IsGlobalExpressEnabled         bool
	IsPremiumOrder                 bool
	IsSoldByAB                     bool
	IsIBA                          bool
	DefaultShipFromLocationAddress benchPlainAddress
	FulfillmentInstruction         struct{ FulfillmentSupplySourceId string }
	IsISPU                         bool
	IsAccessPointOrder             bool
	AutomatedShippingSettings      struct{ HasAutomatedShippingSettings bool }
	EasyShipShipmentStatus         string
	ElectronicInvoiceStatus        string
	ShippingAddress                Addr
	BuyerInfo                      struct {
		BuyerEmail Email
		BuyerName  Name
	}
}

// ordersPage builds a getOrders response of n orders shaped like the sandbox
// example, with gofakeit buyers, as JSON.
func ordersPage(b *testing.B, n int) []byte {
	f := gofakeit.New(64)
	var page benchOrdersResponse[string, string, benchPlainAddress]
	page.Payload.NextToken = f.LetterN(30)
	for i := range n {
		o := benchOrder[string, string, benchPlainAddress]{
			AmazonOrderId:                fmt.Sprintf("902-%07d-%07d", i, f.Number(0, 9999999)),
			PurchaseDate:                 "2026-11-20T19:49:35Z",
			LastUpdateDate:               "2026-11-20T19:49:35Z",
			OrderStatus:                  "Unshipped",
			FulfillmentChannel:           "MFN",
			SalesChannel:                 "Amazon.com",
			ShipServiceLevel:             "Std US D2D Dom",
			OrderTotal:                   benchMoney{"USD", fmt.Sprintf("%.2f", f.Price(5, 500))},
			NumberOfItemsUnshipped:       1,
			PaymentMethod:                "Other",
			PaymentMethodDetails:         []string{"Standard"},
			MarketplaceId:                "ATVPDKIKX0DER",
			ShipmentServiceLevelCategory: "Standard",
			OrderType:                    "StandardOrder",
			EarliestShipDate:             "2026-11-21T08:00:00Z",
			LatestShipDate:               "2026-11-23T07:59:59Z",
			EarliestDeliveryDate:         "2026-11-25T08:00:00Z",
			LatestDeliveryDate:           "2026-11-30T07:59:59Z",
			DefaultShipFromLocationAddress: benchPlainAddress{
				Name: f.Company(), AddressLine1: f.Street(), City: f.City(), StateOrRegion: f.StateAbr(),
				PostalCode: f.Zip(), CountryCode: "US", Phone: "+1 " + f.Phone(), AddressType: "Commercial",
			},
			EasyShipShipmentStatus:  "PendingPickUp",
			ElectronicInvoiceStatus: "NotRequired",
			ShippingAddress: benchPlainAddress{
				Name: f.Name(), AddressLine1: f.Street(), AddressLine2: "Apt " + f.DigitN(3), City: f.City(),
				StateOrRegion: f.StateAbr(), PostalCode: f.Zip(), CountryCode: "US",
				Phone: "+1 " + f.Phone() + " ext. " + f.DigitN(5), AddressType: "Residential",
			},
		}
		o.FulfillmentInstruction.FulfillmentSupplySourceId = f.UUID()
		o.BuyerInfo.BuyerEmail = f.LetterN(16) + "@marketplace.amazon.com"
		o.BuyerInfo.BuyerName = f.Name()
		page.Payload.Orders = append(page.Payload.Orders, o)
	}
	body, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeOrdersPage decodes a 100-order getOrders page into models
// with pii types and into the same models with plain strings, one after the
// other in each iteration. Its main figure, pii/plain, is the ratio of the
// fastest time of each side, because other load on a shared machine only
// adds time. It also reports median-pii/plain, the median of the
// per-iteration ratios, and the two fastest times.
func BenchmarkDecodeOrdersPage(b *testing.B) {
	body := ordersPage(b, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()

	var ratios []float64
	minPlain, minPII := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		start := time.Now()
		var plain benchOrdersResponse[string, string, benchPlainAddress]
		if err := json.Unmarshal(body, &plain); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		var sealed benchOrdersResponse[pii.BuyerName, pii.Email, pii.Address]
		if err := json.Unmarshal(body, &sealed); err != nil {
			b.Fatal(err)
		}
		end := time.Now()

		plainTime, piiTime := mid.Sub(start), end.Sub(mid)
		ratios = append(ratios, float64(piiTime)/float64(plainTime))
		minPlain, minPII = min(minPlain, plainTime), min(minPII, piiTime)
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(minPII)/float64(minPlain), "pii/plain")
	b.ReportMetric(ratios[len(ratios)/2], "median-pii/plain")
	b.ReportMetric(float64(minPlain.Nanoseconds()), "plain-min-ns")
	b.ReportMetric(float64(minPII.Nanoseconds()), "pii-min-ns")
}
