package pii_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
)

func TestAddressDecodesV0(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(31)
	name, street, city, zip, phone := f.Name(), f.Street(), f.City(), f.Zip(), "+1 480-386-0930 ext. 73824"
	body := fmt.Sprintf(`{"ShippingAddress": {"Name": %q, "AddressLine1": %q, "City": %q,
		"StateOrRegion": "WA", "PostalCode": %q, "CountryCode": "US", "Phone": %q,
		"AddressType": "Commercial"}}`, name, street, city, zip, phone)
	var order struct{ ShippingAddress pii.Address }
	if err := json.Unmarshal([]byte(body), &order); err != nil {
		t.Fatal(err)
	}

	a := order.ShippingAddress
	if got := a.City(); got != city {
		t.Errorf("City = %q, want %q", got, city)
	}
	if got := a.PostalCode(); got != zip {
		t.Errorf("PostalCode = %q, want %q", got, zip)
	}
	if got := a.CountryCode(); got != "US" {
		t.Errorf("CountryCode = %q, want US", got)
	}
	if got := a.StateOrRegion(); got != "WA" {
		t.Errorf("StateOrRegion = %q, want WA", got)
	}

	parts := revealParts(t, a)
	want := pii.AddressParts{Name: name, AddressLine1: street, City: city, StateOrRegion: "WA", PostalCode: zip,
		CountryCode: "US", Phone: phone, AddressType: "Commercial"}
	if parts != want {
		t.Errorf("revealed parts differ from the decoded object")
	}
}

func TestAddressDecodes2026Model(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(32)
	name, company, street, city := f.Name(), f.Company(), f.Street(), f.City()
	body := fmt.Sprintf(`{"name": %q, "companyName": %q, "addressLine1": %q, "city": %q,
		"districtOrCounty": "Centro", "stateOrRegion": "SP", "postalCode": "01001-000",
		"countryCode": "br", "addressType": "RESIDENTIAL",
		"extendedFields": {"streetName": "Rua Direita", "streetNumber": "100",
		"complement": "apto 12", "neighborhood": "Sé"}}`, name, company, street, city)
	var a pii.Address
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	if got := a.CountryCode(); got != "BR" {
		t.Errorf("CountryCode = %q, want BR", got)
	}
	parts := revealParts(t, a)
	want := pii.AddressParts{Name: name, CompanyName: company, AddressLine1: street, City: city,
		DistrictOrCounty: "Centro", StateOrRegion: "SP", PostalCode: "01001-000", CountryCode: "BR",
		AddressType: "RESIDENTIAL", StreetName: "Rua Direita", StreetNumber: "100", Complement: "apto 12", Neighborhood: "Sé"}
	if parts != want {
		t.Errorf("revealed parts = %+v, want %+v", parts, want)
	}
}

func TestAddressWithoutRestrictedParts(t *testing.T) {
	t.Parallel()
	var a pii.Address
	if err := json.Unmarshal([]byte(`{"City":"Seattle","StateOrRegion":"WA","PostalCode":"98121","CountryCode":"US"}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.IsZero() {
		t.Error("address with only unrestricted parts is absent")
	}
	if a.City() != "Seattle" {
		t.Errorf("City = %q", a.City())
	}
}

func TestAddressEmptyAndNull(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, `{}`, `{"Name":"","City":"  "}`} {
		a := newSample(t, 33).address
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !a.IsZero() {
			t.Errorf("%s decoded to a non-zero address", body)
		}
	}
}

func TestAddressRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantErr   error
		wantField string
	}{
		{"string", `"1 Main St"`, pii.ErrMalformed, ""},
		{"placeholder string", `"[pii:address]"`, pii.ErrPlaceholder, ""},
		{"array", `[]`, pii.ErrMalformed, ""},
		{"field not a string", `{"Name": 5}`, pii.ErrMalformed, ""},
		{"placeholder", `{"Name": "[pii:buyer_name]"}`, pii.ErrPlaceholder, "Name"},
		{"control character", `{"AddressLine1": "1 Main\u0000St"}`, pii.ErrControlChar, "AddressLine1"},
		{"long line", `{"AddressLine2": "` + strings.Repeat("x", pii.MaxAddressFieldLen+1) + `"}`, pii.ErrTooLong, "AddressLine2"},
		{"bad country", `{"CountryCode": "USA"}`, pii.ErrMalformed, "CountryCode"},
		{"invalid UTF-8", "{\"City\": \"Sea\xfftle\"}", pii.ErrInvalidUTF8, ""},
		{"huge object", `{"Name": "` + strings.Repeat("x", pii.MaxAddressJSONLen) + `"}`, pii.ErrTooLong, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a pii.Address
			err := json.Unmarshal([]byte(tt.body), &a)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var ve *pii.ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValueError", err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("Field = %q, want %q", ve.Field, tt.wantField)
			}
			if !a.IsZero() {
				t.Error("rejected input changed the address")
			}
		})
	}
}

func TestAddressEquality(t *testing.T) {
	t.Parallel()
	s := newSample(t, 34)
	spaced := s.parts
	spaced.AddressLine1 = "  " + strings.ReplaceAll(spaced.AddressLine1, " ", "   ") + " "
	spaced.CountryCode = "us"
	b, err := pii.NewAddress(spaced)
	if err != nil {
		t.Fatal(err)
	}
	if b != s.address {
		t.Error("addresses differing only in spacing and case of the country code are not equal")
	}
	other := s.parts
	other.AddressLine2 = "Suite 5"
	c, err := pii.NewAddress(other)
	if err != nil {
		t.Fatal(err)
	}
	if c == s.address {
		t.Error("different addresses are equal")
	}
}

// revealParts reveals a for fulfilment with a no-op auditor.
func revealParts(t *testing.T, a pii.Address) pii.AddressParts {
	t.Helper()
	r, err := pii.NewRevealer(pii.Policy{}, auditorFunc(func(context.Context, pii.Access) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := pii.WithActor(t.Context(), pii.Actor{UserID: "test"})
	parts, err := r.RevealAddress(ctx, pii.PurposeFulfillment, a)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

type auditorFunc func(context.Context, pii.Access) error

func (f auditorFunc) AuditReveal(ctx context.Context, a pii.Access) error { return f(ctx, a) }
