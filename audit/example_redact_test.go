package audit_test

import (
	"log/slog"
	"os"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

func ExampleRedactingHandler() {
	f := gofakeit.New(3)
	buyer, _ := pii.NewBuyerName(f.Name())
	address, _ := pii.NewAddress(pii.AddressParts{Name: f.Name(), AddressLine1: f.Street(), City: f.City(), PostalCode: f.Zip(), CountryCode: "DE"})

	// An unexported field: fmt would print the address's fields raw.
	type shipment struct {
		OrderID string
		buyer   pii.BuyerName
		to      pii.Address
	}
	logger := slog.New(audit.NewRedactingHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	logger.Info("label bought", "shipment", shipment{OrderID: "902-3159896-1390916", buyer: buyer, to: address})
	// Output:
	// level=INFO msg="label bought" shipment.OrderID=902-3159896-1390916 shipment.buyer=[pii:buyer_name] shipment.to=[pii:address]
}
