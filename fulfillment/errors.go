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
