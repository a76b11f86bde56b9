package fulfillment

import (
	"fmt"
	"time"
)

// Limits of a shipment confirmation. Amazon does not publish them; these bound
// what spkit sends and stores.
const (
	maxCarrierLength        = 64
	maxTrackingNumberLength = 64
	maxConfirmationItems    = 1000
	maxItemQuantity         = 100000
	// maxShipDateSkew is how far in the future a ship date may lie, to allow
	// for clock differences between the ERP and the warehouse.
	maxShipDateSkew = time.Hour
)

// CarrierOther is the carrier code to use for a carrier that Amazon does not
// list; CarrierName must then name it.
const CarrierOther = "Other"

// Confirmation is the shipment confirmation of one package: what confirmShipment
// sends for a single package, and what one OrderFulfillment message of a
// POST_ORDER_FULFILLMENT_DATA feed carries.
type Confirmation struct {
	SellerID      string
	MarketplaceID string
	OrderID       string
	// PackageRef identifies the package within the order: a positive decimal
	// number chosen by the seller, the same as used for the label.
	PackageRef string
	// CarrierCode is Amazon's carrier code, such as "UPS", "DHL" or
	// "Royal Mail", or CarrierOther.
	CarrierCode string
	// CarrierName names the carrier when CarrierCode is CarrierOther.
	CarrierName string
	// ShippingMethod is the carrier's service, such as "Express". Optional.
	ShippingMethod string
	TrackingNumber string
	// ShipDate is when the package left the warehouse. It is sent as an ISO
	// 8601 date-time in UTC, for example 2026-12-04T14:58:45Z.
	ShipDate time.Time
	// ShipFromSupplySourceID identifies the supply source. Optional.
	ShipFromSupplySourceID string
	// Items lists the order items and quantities in the package.
	Items []ConfirmationItem
}

// ConfirmationItem is an order item and the quantity of it in one package.
type ConfirmationItem struct {
	OrderItemID string
	Quantity    int
}

// Validate checks the confirmation against what Amazon requires, using now to
// reject ship dates in the future. It returns a *ValidationError naming the
// first invalid field.
func (c *Confirmation) Validate(now time.Time) error {
	if err := checkID("seller ID", c.SellerID); err != nil {
		return err
	}
	if err := checkID("marketplace ID", c.MarketplaceID); err != nil {
		return err
	}
	if err := checkID("order ID", c.OrderID); err != nil {
		return err
	}
	if err := checkPackageRef(c.PackageRef); err != nil {
		return err
	}

	if err := checkText("carrier code", c.CarrierCode, maxCarrierLength, true); err != nil {
		return err
	}
	if err := checkText("carrier name", c.CarrierName, maxCarrierLength, c.CarrierCode == CarrierOther); err != nil {
		return err
	}
	if err := checkText("shipping method", c.ShippingMethod, maxCarrierLength, false); err != nil {
		return err
	}
	if err := checkTrackingNumber(c.TrackingNumber); err != nil {
		return err
	}

	if c.ShipDate.IsZero() {
		return &ValidationError{Field: "ship date", Reason: "is missing"}
	}
	if c.ShipDate.After(now.Add(maxShipDateSkew)) {
		return &ValidationError{Field: "ship date", Value: FormatTime(c.ShipDate), Reason: "lies in the future"}
	}
	if c.ShipDate.Year() < 2000 {
		return &ValidationError{Field: "ship date", Value: FormatTime(c.ShipDate), Reason: "is before the year 2000"}
	}
	if c.ShipFromSupplySourceID != "" {
		if err := checkID("ship-from supply source ID", c.ShipFromSupplySourceID); err != nil {
			return err
		}
	}

	return checkConfirmationItems(c.Items)
}

func checkConfirmationItems(items []ConfirmationItem) error {
	if len(items) == 0 {
		return &ValidationError{Field: "items", Reason: "is empty: a package must contain at least one order item"}
	}
	if len(items) > maxConfirmationItems {
		return &ValidationError{Field: "items", Reason: fmt.Sprintf("list %d order items, more than the maximum of %d", len(items), maxConfirmationItems)}
	}
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if err := checkID("order item ID", it.OrderItemID); err != nil {
			return err
		}
		if seen[it.OrderItemID] {
			return &ValidationError{Field: "order item ID", Value: quoteSafe(it.OrderItemID), Reason: "is listed twice; give each order item once with its total quantity"}
		}
		seen[it.OrderItemID] = true
		if it.Quantity < 1 || it.Quantity > maxItemQuantity {
			return &ValidationError{Field: "quantity", Value: fmt.Sprint(it.Quantity), Reason: fmt.Sprintf("of order item %s must be between 1 and %d", quoteSafe(it.OrderItemID), maxItemQuantity)}
		}
	}
	return nil
}

// checkText validates a short free-text field that holds no personal data:
// printable, at most max bytes, and present when required.
func checkText(field, v string, max int, required bool) error {
	if v == "" {
		if required {
			return &ValidationError{Field: field, Reason: "is missing"}
		}
		return nil
	}
	if len(v) > max {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("has %d bytes, more than the maximum of %d", len(v), max)}
	}
	for _, r := range v {
		if r < ' ' || r == 0x7f || r == '\uFFFD' {
			return &ValidationError{Field: field, Value: quoteSafe(v), Reason: "contains a control character or invalid UTF-8"}
		}
	}
	return nil
}

// checkTrackingNumber accepts letters, digits and hyphens, the characters
// carriers use in tracking numbers.
func checkTrackingNumber(v string) error {
	if v == "" {
		return &ValidationError{Field: "tracking number", Reason: "is missing"}
	}
	if len(v) > maxTrackingNumberLength {
		return &ValidationError{Field: "tracking number", Reason: fmt.Sprintf("has %d bytes, more than the maximum of %d", len(v), maxTrackingNumberLength)}
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if !(b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '-') {
			return &ValidationError{Field: "tracking number", Value: quoteSafe(v), Reason: "may contain only letters, digits and hyphens; remove spaces and other characters"}
		}
	}
	return nil
}

// FormatTime formats t as SP-API expects dates: ISO 8601 in UTC with a Z
// suffix and whole seconds, for example 2026-12-04T14:58:45Z. A "+00:00"
// offset is avoided because an unencoded plus sign turns into a space in a
// query string.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
