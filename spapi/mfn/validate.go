package mfn

import (
	"fmt"
	"strings"

	"github.com/hidemont/spkit/spapi/internal/iso3166"
)

// ValidationError reports a request field that Merchant Fulfillment would
// reject with a bare InvalidInput. It is returned before any request is
// sent.
type ValidationError struct {
	Field  string // JSON path of the field, such as ShipFromAddress.CountryCode
	Value  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("mfn: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Validate checks the fields of shipment details that Amazon rejects with
// an unexplained InvalidInput: ISO 3166-1 alpha-2 country codes, unit enums,
// positive quantities, weights and dimensions. It returns the first problem
// found as a [*ValidationError], or nil.
func (d ShipmentRequestDetails) Validate() error {
	prefix := "ShipmentRequestDetails."
	if strings.TrimSpace(d.AmazonOrderID) == "" {
		return &ValidationError{Field: prefix + "AmazonOrderId", Reason: "missing"}
	}
	if len(d.ItemList) == 0 {
		return &ValidationError{Field: prefix + "ItemList", Reason: "at least one item is required"}
	}
	for i, it := range d.ItemList {
		field := fmt.Sprintf("%sItemList[%d]", prefix, i)
		if it.OrderItemID == "" {
			return &ValidationError{Field: field + ".OrderItemId", Reason: "missing"}
		}
		if it.Quantity <= 0 {
			return &ValidationError{Field: field + ".Quantity", Value: fmt.Sprint(it.Quantity), Reason: "must be positive"}
		}
		if it.ItemWeight != nil {
			if err := validateWeight(field+".ItemWeight", *it.ItemWeight); err != nil {
				return err
			}
		}
	}
	if err := d.ShipFromAddress.validate(prefix + "ShipFromAddress"); err != nil {
		return err
	}
	if err := validateDimensions(prefix+"PackageDimensions", d.PackageDimensions); err != nil {
		return err
	}
	if err := validateWeight(prefix+"Weight", d.Weight); err != nil {
		return err
	}
	return nil
}

func (a Address) validate(field string) error {
	if !iso3166.Valid(a.CountryCode) {
		reason := "must be an ISO 3166-1 alpha-2 code such as US, GB or DE"
		if a.CountryCode == "UK" {
			reason = "the ISO 3166-1 code of the United Kingdom is GB"
		}
		return &ValidationError{Field: field + ".CountryCode", Value: a.CountryCode, Reason: reason}
	}
	for _, f := range []struct{ name, value string }{
		{"Name", a.Name}, {"AddressLine1", a.AddressLine1}, {"City", a.City},
		{"PostalCode", a.PostalCode}, {"Email", a.Email}, {"Phone", a.Phone},
	} {
		if strings.TrimSpace(f.value) == "" {
			return &ValidationError{Field: field + "." + f.name, Reason: "missing"}
		}
	}
	return nil
}

func validateDimensions(field string, p PackageDimensions) error {
	if p.PredefinedPackageDimensions != "" {
		return nil
	}
	if p.Unit != UnitInches && p.Unit != UnitCentimeters {
		return &ValidationError{Field: field + ".Unit", Value: p.Unit, Reason: "must be inches or centimeters"}
	}
	for _, d := range []struct {
		name  string
		value float64
	}{{"Length", p.Length}, {"Width", p.Width}, {"Height", p.Height}} {
		if !(d.value > 0) {
			return &ValidationError{Field: field + "." + d.name, Value: fmt.Sprint(d.value), Reason: "must be positive"}
		}
	}
	return nil
}

func validateWeight(field string, w Weight) error {
	if w.Unit != UnitOunces && w.Unit != UnitGrams {
		return &ValidationError{Field: field + ".Unit", Value: w.Unit, Reason: "must be oz or g"}
	}
	if !(w.Value > 0) {
		return &ValidationError{Field: field + ".Value", Value: fmt.Sprint(w.Value), Reason: "must be positive"}
	}
	return nil
}
