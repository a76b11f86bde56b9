package fulfillment

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned by stores when the requested order, label, shipment
// or cursor does not exist.
var ErrNotFound = errors.New("fulfillment: not found")

// ValidationError reports an invalid input value before anything is sent to
// Amazon or written to a store. Value is the offending value, quoted, only for
// fields that never hold personal data.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("fulfillment: invalid %s %s: %s", e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("fulfillment: invalid %s: %s", e.Field, e.Reason)
}

// ErrBuyerDataWithheld is matched by every *BuyerDataError.
var ErrBuyerDataWithheld = errors.New("fulfillment: buyer data withheld by Amazon")

// BuyerDataError reports an order stored without its buyer data because
// Amazon refused it: the application lacks the role for personally
// identifiable information, or a Restricted Data Token for it. Grant the role
// in Seller Central's app authorisation (or the developer profile), then sync
// the order again. Err is Amazon's refusal.
type BuyerDataError struct {
	SellerID string
	OrderID  string
	Err      error
}

func (e *BuyerDataError) Error() string {
	return fmt.Sprintf("fulfillment: order %s of seller %s stored without buyer data: Amazon withheld it (%v); grant the application the role for buyer data, then sync the order again", e.OrderID, e.SellerID, e.Err)
}

func (e *BuyerDataError) Unwrap() error { return e.Err }

// Is makes every BuyerDataError match ErrBuyerDataWithheld.
func (e *BuyerDataError) Is(target error) bool { return target == ErrBuyerDataWithheld }

// CustomizationError reports an order item whose Amazon Custom
// personalisation could not be downloaded or read. The item stays
// CustomizationPending and must not be made until a later sync links it.
type CustomizationError struct {
	OrderID     string
	OrderItemID string
	Err         error
}

func (e *CustomizationError) Error() string {
	return fmt.Sprintf("fulfillment: personalisation of order %s item %s: %v; the item stays pending until it is linked", e.OrderID, e.OrderItemID, e.Err)
}

func (e *CustomizationError) Unwrap() error { return e.Err }
