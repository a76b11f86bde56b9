package pii_test

import (
	"errors"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/pii/piitest"
)

func TestAddressPhoneEqualsNewPhone(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(71)
	written := "  " + f.Numerify("+1 (###)  ###-####") + " "
	a, err := pii.NewAddress(pii.AddressParts{Name: f.Name(), AddressLine1: f.Street(), City: f.City(), CountryCode: "US", Phone: written})
	if err != nil {
		t.Fatal(err)
	}

	got, err := a.Phone()
	if err != nil {
		t.Fatal(err)
	}
	want, err := pii.NewPhone(written)
	if err != nil {
		t.Fatal(err)
	}
	if got.IsZero() {
		t.Fatal("Phone of an address with a phone is absent")
	}
	if got != want {
		t.Error("Phone differs from NewPhone of the same number")
	}
	if got.Kind() != pii.KindPhone {
		t.Errorf("Kind = %q, want %q", got.Kind(), pii.KindPhone)
	}
}

func TestAddressPhoneBlindIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := gofakeit.New(72)
	number := f.Numerify("+44 7### ######")
	a, err := pii.NewAddress(pii.AddressParts{AddressLine1: f.Street(), CountryCode: "GB", Phone: number})
	if err != nil {
		t.Fatal(err)
	}
	fromAddress, err := a.Phone()
	if err != nil {
		t.Fatal(err)
	}
	direct, err := pii.NewPhone(number)
	if err != nil {
		t.Fatal(err)
	}

	got, err := pii.BlindIndexOf(ctx, testIndexer{}, "S1", fromAddress)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pii.BlindIndexOf(ctx, testIndexer{}, "S1", direct)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Error("blind index of the address phone differs from that of NewPhone")
	}
}

func TestAddressPhoneReveal(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(73)
	number := f.Numerify("+49 1## #######")
	a, err := pii.NewAddress(pii.AddressParts{Name: f.Name(), CountryCode: "DE", Phone: number})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Phone()
	if err != nil {
		t.Fatal(err)
	}

	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	got, err := r.Reveal(actorContext(t), pii.PurposeDeliverySupport, p)
	if err != nil {
		t.Fatal(err)
	}
	if got != number {
		t.Error("revealed phone differs from the address's phone part")
	}
}

func TestAddressPhoneAbsent(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(74)
	withoutPhone, err := pii.NewAddress(pii.AddressParts{Name: f.Name(), AddressLine1: f.Street(), CountryCode: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		a    pii.Address
	}{
		{"absent address", pii.Address{}},
		{"address without phone", withoutPhone},
	}
	for _, c := range cases {
		p, err := c.a.Phone()
		if err != nil {
			t.Errorf("%s: Phone error = %v, want nil", c.name, err)
		}
		if !p.IsZero() {
			t.Errorf("%s: Phone is not absent", c.name)
		}
	}
}

func TestAddressPhoneRejectsNonNumber(t *testing.T) {
	t.Parallel()
	a, err := pii.NewAddress(pii.AddressParts{CountryCode: "US", Phone: "ask at the front desk"})
	if err != nil {
		t.Fatal(err)
	}

	p, err := a.Phone()
	var ve *pii.ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("Phone error = %v, want *pii.ValueError", err)
	}
	if ve.Field != "Phone" {
		t.Errorf("ValueError.Field = %q, want Phone", ve.Field)
	}
	if !errors.Is(err, pii.ErrMalformed) {
		t.Errorf("Phone error = %v, want ErrMalformed", err)
	}
	if !p.IsZero() {
		t.Error("Phone of a rejected part is not absent")
	}
}

func TestAddressPhoneRejectsTooLong(t *testing.T) {
	t.Parallel()
	// An address part may hold up to MaxAddressFieldLen bytes, more than a
	// Phone may.
	long := gofakeit.New(75).Numerify("################################################################################")
	a, err := pii.NewAddress(pii.AddressParts{CountryCode: "US", Phone: long})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Phone(); !errors.Is(err, pii.ErrTooLong) {
		t.Errorf("Phone error = %v, want ErrTooLong", err)
	}
}

func TestAddressPhoneDoesNotLeak(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(76)
	number := f.Numerify("+81 90-####-####")
	a, err := pii.NewAddress(pii.AddressParts{Name: f.Name(), CountryCode: "JP", Phone: number})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Phone()
	if err != nil {
		t.Fatal(err)
	}
	piitest.Run(t, piitest.Case{Name: "address phone", Value: p, Clear: []string{number}})
}
