package pii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
)

// printAuditor prints each access in place of a real audit trail.
type printAuditor struct{}

func (printAuditor) AuditReveal(_ context.Context, a pii.Access) error {
	fmt.Printf("audit: %s revealed %s for %s on order %s\n", a.Actor.UserID, a.Kind, a.Purpose, a.Subject.OrderID)
	return nil
}

func ExampleRevealer_Reveal() {
	f := gofakeit.New(1)
	name := f.Name()
	body := fmt.Sprintf(`{"AmazonOrderId": "902-3159896-1390916",
		"BuyerInfo": {"BuyerName": %q, "BuyerEmail": "%s@marketplace.amazon.com"},
		"ShippingAddress": {"Name": %q, "AddressLine1": %q, "City": "Seattle",
			"StateOrRegion": "WA", "PostalCode": "98121", "CountryCode": "US"}}`,
		name, f.LetterN(12), name, f.Street())

	// SP-API responses decode straight into the pii types.
	var order struct {
		AmazonOrderId string
		BuyerInfo     struct {
			BuyerName  pii.BuyerName
			BuyerEmail pii.Email
		}
		ShippingAddress pii.Address
	}
	if err := json.Unmarshal([]byte(body), &order); err != nil {
		fmt.Println(err)
		return
	}

	// Printing and logging show placeholders; unrestricted address parts
	// stay readable.
	fmt.Printf("%+v\n", order.BuyerInfo)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("order synced", "order", order.AmazonOrderId, "buyer", order.BuyerInfo.BuyerName, "city", order.ShippingAddress.City())

	// Clear text needs the Revealer, a purpose and an actor.
	revealer, err := pii.NewRevealer(pii.Policy{}, printAuditor{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := pii.WithActor(context.Background(), pii.Actor{UserID: "packer-3", SourceIP: netip.MustParseAddr("192.0.2.7")})
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: "A1SELLER", OrderID: order.AmazonOrderId})
	clear, err := revealer.Reveal(ctx, pii.PurposeFulfillment, order.BuyerInfo.BuyerName)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revealed the buyer name:", clear == name)

	_, err = revealer.Reveal(ctx, pii.Purpose("marketing"), order.BuyerInfo.BuyerEmail)
	fmt.Println(err)

	// Output:
	// {BuyerName:[pii:buyer_name] BuyerEmail:[pii:email]}
	// level=INFO msg="order synced" order=902-3159896-1390916 buyer=[pii:buyer_name] city=Seattle
	// audit: packer-3 revealed buyer_name for fulfillment on order 902-3159896-1390916
	// revealed the buyer name: true
	// pii: reveal of email for purpose "marketing" denied: unknown purpose
}

func ExampleRevealer_RevealAddress() {
	f := gofakeit.New(2)
	address, err := pii.NewAddress(pii.AddressParts{
		Name: f.Name(), AddressLine1: f.Street(), City: "Portland",
		StateOrRegion: "OR", PostalCode: "97201", CountryCode: "us",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	revealer, err := pii.NewRevealer(pii.Policy{}, printAuditor{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := pii.WithActor(context.Background(), pii.Actor{UserID: "label-printer"})
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: "A1SELLER", OrderID: "902-8745147-1934268"})
	parts, err := revealer.RevealAddress(ctx, pii.PurposeFulfillment, address)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parts.City, parts.StateOrRegion, parts.PostalCode, parts.CountryCode, parts.Name != "")
	// Output:
	// audit: label-printer revealed address for fulfillment on order 902-8745147-1934268
	// Portland OR 97201 US true
}
