package fulfillment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func validConfirmation() fulfillment.Confirmation {
	return fulfillment.Confirmation{
		SellerID:       "A1SELLER",
		MarketplaceID:  "A1PA6795UKMFR9",
		OrderID:        "302-1234567-7654321",
		PackageRef:     "1",
		CarrierCode:    "DHL",
		ShippingMethod: "Paket",
		TrackingNumber: "JJD000390007830128456",
		ShipDate:       now.Add(-2 * time.Hour),
		Items:          []fulfillment.ConfirmationItem{{OrderItemID: "12345678901234", Quantity: 2}},
	}
}

func TestConfirmationValid(t *testing.T) {
	t.Parallel()
	c := validConfirmation()
	if err := c.Validate(now); err != nil {
		t.Errorf("Validate: %v", err)
	}
	c.CarrierCode = fulfillment.CarrierOther
	c.CarrierName = "Hermes Germany"
	if err := c.Validate(now); err != nil {
		t.Errorf("Validate with carrier Other and a name: %v", err)
	}
}

func TestConfirmationInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(c *fulfillment.Confirmation)
		field  string
	}{
		{"no carrier", func(c *fulfillment.Confirmation) { c.CarrierCode = "" }, "carrier code"},
		{"other without name", func(c *fulfillment.Confirmation) { c.CarrierCode = fulfillment.CarrierOther }, "carrier name"},
		{"carrier control char", func(c *fulfillment.Confirmation) { c.CarrierCode = "DHL\n" }, "carrier code"},
		{"no tracking", func(c *fulfillment.Confirmation) { c.TrackingNumber = "" }, "tracking number"},
		{"tracking with space", func(c *fulfillment.Confirmation) { c.TrackingNumber = "1Z 999" }, "tracking number"},
		{"tracking too long", func(c *fulfillment.Confirmation) { c.TrackingNumber = strings.Repeat("9", 65) }, "tracking number"},
		{"no ship date", func(c *fulfillment.Confirmation) { c.ShipDate = time.Time{} }, "ship date"},
		{"future ship date", func(c *fulfillment.Confirmation) { c.ShipDate = now.Add(2 * time.Hour) }, "ship date"},
		{"ancient ship date", func(c *fulfillment.Confirmation) { c.ShipDate = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, "ship date"},
		{"no items", func(c *fulfillment.Confirmation) { c.Items = nil }, "items"},
		{"zero quantity", func(c *fulfillment.Confirmation) { c.Items[0].Quantity = 0 }, "quantity"},
		{"duplicate item", func(c *fulfillment.Confirmation) { c.Items = append(c.Items, c.Items[0]) }, "order item ID"},
		{"package not numeric", func(c *fulfillment.Confirmation) { c.PackageRef = "A" }, "package reference"},
		{"no marketplace", func(c *fulfillment.Confirmation) { c.MarketplaceID = "" }, "marketplace ID"},
		{"no order", func(c *fulfillment.Confirmation) { c.OrderID = "" }, "order ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := validConfirmation()
			c.Items = append([]fulfillment.ConfirmationItem(nil), c.Items...)
			tc.mutate(&c)
			err := c.Validate(now)
			var v *fulfillment.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("Validate: err = %v, want *ValidationError", err)
			}
			if v.Field != tc.field {
				t.Errorf("Field = %q, want %q (error: %v)", v.Field, tc.field, err)
			}
		})
	}
}

func TestFormatTimeUTC(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	in := time.Date(2021, 4, 12, 15, 58, 45, 123456789, berlin)
	if got, want := fulfillment.FormatTime(in), "2021-04-12T14:58:45Z"; got != want {
		t.Errorf("FormatTime = %q, want %q", got, want)
	}
}
