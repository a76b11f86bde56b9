// Package revealtest reveals pii values in tests of the spapi packages,
// through a Revealer with a permissive auditor.
package revealtest

import (
	"context"
	"net/netip"
	"testing"

	"github.com/hidemont/spkit/pii"
)

type nopAuditor struct{}

func (nopAuditor) AuditReveal(context.Context, pii.Access) error { return nil }

func revealer(t testing.TB) (*pii.Revealer, context.Context) {
	t.Helper()
	r, err := pii.NewRevealer(pii.Policy{}, nopAuditor{})
	if err != nil {
		t.Fatalf("revealtest: NewRevealer: %v", err)
	}
	ctx := pii.WithActor(context.Background(), pii.Actor{UserID: "test", SourceIP: netip.MustParseAddr("127.0.0.1")})
	return r, ctx
}

// purposeFor returns a purpose the default policy allows for the kind.
func purposeFor(k pii.Kind) pii.Purpose {
	switch k {
	case pii.KindEmail, pii.KindTaxInfo:
		return pii.PurposeTaxAndLegal
	}
	return pii.PurposeFulfillment
}

// Reveal returns the clear text of v, failing the test on error.
func Reveal(t testing.TB, v pii.Value) string {
	t.Helper()
	r, ctx := revealer(t)
	s, err := r.Reveal(ctx, purposeFor(v.Kind()), v)
	if err != nil {
		t.Fatalf("revealtest: reveal %s: %v", v.Kind(), err)
	}
	return s
}

// Address returns the parts of a, failing the test on error.
func Address(t testing.TB, a pii.Address) pii.AddressParts {
	t.Helper()
	r, ctx := revealer(t)
	p, err := r.RevealAddress(ctx, pii.PurposeFulfillment, a)
	if err != nil {
		t.Fatalf("revealtest: reveal address: %v", err)
	}
	return p
}
