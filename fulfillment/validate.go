package fulfillment

import (
	"fmt"
	"strconv"
)

// Limits of one stored order.
const (
	maxItemsPerOrder = 1000
	maxTextLength    = 512
)

// Validate checks that the order can be stored: identifiers present and
// well-formed, known states, unique items, and personalisation bound to its
// own order, item, SKU, ASIN and a unit within the quantity. Stores call it
// before writing. It returns a *ValidationError or a *LinkError.
func (o *Order) Validate() error {
	if err := checkID("seller ID", o.SellerID); err != nil {
		return err
	}
	if err := checkID("marketplace ID", o.MarketplaceID); err != nil {
		return err
	}
	if err := checkID("order ID", o.OrderID); err != nil {
		return err
	}
	if err := checkText("order status", o.Status, maxCarrierLength, true); err != nil {
		return err
	}
	if o.LastUpdateDate.IsZero() {
		return &ValidationError{Field: "last update date", Reason: "is missing for order " + o.OrderID}
	}
	switch o.BuyerData {
	case BuyerDataAvailable, BuyerDataNotProvided, BuyerDataWithheld, BuyerDataPurged:
	default:
		return &ValidationError{Field: "buyer data status", Value: quoteSafe(string(o.BuyerData)), Reason: "is not one of available, not_provided, withheld, purged"}
	}
	if err := checkText("bucket", o.Bucket, maxCarrierLength, true); err != nil {
		return err
	}
	for _, f := range []struct{ field, value string }{
		{"fulfillment channel", o.FulfillmentChannel}, {"source", o.Source},
		{"country code", o.ShipTo.CountryCode}, {"state or region", o.ShipTo.StateOrRegion},
		{"postal code", o.ShipTo.PostalCode}, {"city", o.ShipTo.City},
		{"currency code", o.Total.CurrencyCode}, {"amount", o.Total.Amount},
	} {
		if err := checkText(f.field, f.value, maxTextLength, false); err != nil {
			return err
		}
	}

	if len(o.Items) > maxItemsPerOrder {
		return &ValidationError{Field: "items", Reason: fmt.Sprintf("order %s has %d items, more than the maximum of %d", o.OrderID, len(o.Items), maxItemsPerOrder)}
	}
	seen := make(map[string]bool, len(o.Items))
	for i := range o.Items {
		item := &o.Items[i]
		if err := checkID("order item ID", item.OrderItemID); err != nil {
			return err
		}
		if seen[item.OrderItemID] {
			return &ValidationError{Field: "order item ID", Value: quoteSafe(item.OrderItemID), Reason: "appears twice in order " + o.OrderID}
		}
		seen[item.OrderItemID] = true
		if err := o.validateItem(item); err != nil {
			return err
		}
	}
	return nil
}

func (o *Order) validateItem(item *OrderItem) error {
	if item.Quantity < 0 || item.Quantity > maxItemQuantity || item.QuantityShipped < 0 || item.QuantityShipped > maxItemQuantity {
		return &ValidationError{Field: "quantity", Reason: fmt.Sprintf("of order item %s must be between 0 and %d", item.OrderItemID, maxItemQuantity)}
	}
	for _, f := range []struct{ field, value string }{
		{"SKU", item.SKU}, {"ASIN", item.ASIN}, {"title", item.Title},
		{"currency code", item.ItemPrice.CurrencyCode}, {"amount", item.ItemPrice.Amount},
	} {
		if err := checkText(f.field, f.value, maxTextLength, false); err != nil {
			return err
		}
	}

	switch item.Customization {
	case CustomizationNone, CustomizationPending, CustomizationWithheld, CustomizationPurged, CustomizationLinked:
	default:
		return &ValidationError{Field: "customization status", Value: quoteSafe(string(item.Customization)), Reason: "of order item " + item.OrderItemID + " is unknown"}
	}
	if item.Customization != CustomizationLinked && item.Customization != CustomizationPurged && len(item.Personalizations) > 0 {
		return &ValidationError{Field: "personalizations", Reason: "of order item " + item.OrderItemID + " are set, but its customization status is " + string(item.Customization)}
	}

	parts := make(map[string]bool, len(item.Personalizations))
	units := make(map[int]bool, item.Quantity)
	for _, p := range item.Personalizations {
		problem := LinkProblem("")
		detail := ""
		switch {
		case p.OrderID != o.OrderID:
			problem, detail = LinkItemMissing, "the personalisation names order "+quoteSafe(p.OrderID)
		case p.OrderItemID != item.OrderItemID:
			problem, detail = LinkItemMissing, "the personalisation names item "+quoteSafe(p.OrderItemID)
		case p.SKU != item.SKU:
			problem, detail = LinkSKUMismatch, "the personalisation names SKU "+quoteSafe(p.SKU)
		case p.ASIN != item.ASIN:
			problem, detail = LinkASINMismatch, "the personalisation names ASIN "+quoteSafe(p.ASIN)
		case p.Unit < 1 || p.Unit > item.Quantity:
			problem, detail = LinkInvalidPart, "unit "+strconv.Itoa(p.Unit)+" lies outside 1 to "+strconv.Itoa(item.Quantity)
		}
		key := strconv.Itoa(p.Unit) + "/" + p.Part
		if problem == "" && parts[key] {
			problem, detail = LinkInvalidPart, "unit "+strconv.Itoa(p.Unit)+" names part "+quoteSafe(p.Part)+" twice"
		}
		if problem != "" {
			return &LinkError{OrderID: o.OrderID, OrderItemID: item.OrderItemID, Problem: problem, Detail: detail}
		}
		if err := checkText("part name", p.Part, maxPartLength, true); err != nil {
			return err
		}
		parts[key] = true
		units[p.Unit] = true
	}
	if item.Customization == CustomizationLinked && len(units) != item.Quantity {
		return &LinkError{OrderID: o.OrderID, OrderItemID: item.OrderItemID, Problem: LinkUnitCount, Want: item.Quantity, Got: len(units)}
	}
	return nil
}
