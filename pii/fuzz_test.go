package pii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hidemont/spkit/pii"
)

var fuzzConstructors = map[pii.Kind]func(string) (pii.Value, error){
	pii.KindBuyerName:       wrap(pii.NewBuyerName),
	pii.KindPhone:           wrap(pii.NewPhone),
	pii.KindEmail:           wrap(pii.NewEmail),
	pii.KindTaxInfo:         wrap(pii.NewTaxInfo),
	pii.KindPersonalization: wrap(pii.NewPersonalization),
	pii.KindGiftMessage:     wrap(pii.NewGiftMessage),
}

func fuzzRevealer(t *testing.T) (*pii.Revealer, context.Context) {
	policy := pii.Policy{Purposes: map[pii.Kind][]pii.Purpose{}}
	for _, k := range []pii.Kind{pii.KindBuyerName, pii.KindAddress, pii.KindPhone, pii.KindEmail, pii.KindTaxInfo, pii.KindPersonalization, pii.KindGiftMessage} {
		policy.Purposes[k] = []pii.Purpose{pii.PurposeTaxAndLegal}
	}
	r, err := pii.NewRevealer(policy, auditorFunc(func(context.Context, pii.Access) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return r, pii.WithActor(t.Context(), pii.Actor{UserID: "fuzz"})
}

func FuzzConstructors(f *testing.F) {
	for _, seed := range []string{"", " ", "Ada Lovelace", "+1 480-386-0930 ext. 73824", "a@B.com", "x\x00y",
		"\xff", "[pii:phone]", "Line one\nLine two", "  Ünïcödé\u00a0name  ", "\u2028", "@", "a@", strings.Repeat("9", 70)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ctx := fuzzRevealer(t)
		for kind, newValue := range fuzzConstructors {
			v, err := newValue(s)
			if err != nil {
				if !v.IsZero() {
					t.Fatalf("%s: error with a non-zero value", kind)
				}
				continue
			}
			if v.IsZero() {
				t.Fatalf("%s: accepted input gave the absent value", kind)
			}
			clear, err := r.Reveal(ctx, pii.PurposeTaxAndLegal, v)
			if err != nil {
				t.Fatalf("%s: reveal: %v", kind, err)
			}
			if !utf8.ValidString(clear) || strings.Contains(clear, "[pii:") {
				t.Fatalf("%s: accepted invalid UTF-8 or a placeholder", kind)
			}
			again, err := newValue(clear)
			if err != nil || again != v {
				t.Fatalf("%s: normalisation is not idempotent: %v", kind, err)
			}
			if got := strings.TrimSpace(string(must(json.Marshal(v)))); got != `"[pii:`+string(kind)+`]"` {
				t.Fatalf("%s: MarshalJSON = %s", kind, got)
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, seed := range []string{`"Ada Lovelace"`, `null`, `""`, `"\u0041da"`, `"[pii:buyer_name]"`, `42`, `{"a":"b"}`,
		`"\ud800"`, "\"\xff\"", `"`, ` "x" `, `{"CompanyLegalName":"ACME","TaxClassifications":[]}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []interface {
			pii.Value
			UnmarshalJSON([]byte) error
		}{&pii.BuyerName{}, &pii.Phone{}, &pii.Email{}, &pii.TaxInfo{}, &pii.Personalization{}, &pii.GiftMessage{}}
		for _, target := range targets {
			err := target.UnmarshalJSON(data)
			if err != nil {
				if !target.IsZero() {
					t.Fatalf("%s: error left a non-zero value", target.Kind())
				}
				continue
			}

			// A valid JSON string must decode as the constructor reads it.
			var s string
			if !utf8.Valid(data) || json.Unmarshal(data, &s) != nil {
				continue
			}
			want, err := fuzzConstructors[target.Kind()](s)
			if s == "" {
				if !target.IsZero() {
					t.Fatalf("%s: empty string decoded to a value", target.Kind())
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: UnmarshalJSON accepted what the constructor rejects: %v", target.Kind(), err)
			}
			if reflectValue(target) != want {
				t.Fatalf("%s: UnmarshalJSON and the constructor disagree", target.Kind())
			}
		}
	})
}

// reflectValue dereferences a pointer to a PII value.
func reflectValue(v pii.Value) pii.Value {
	switch p := v.(type) {
	case *pii.BuyerName:
		return *p
	case *pii.Phone:
		return *p
	case *pii.Email:
		return *p
	case *pii.TaxInfo:
		return *p
	case *pii.Personalization:
		return *p
	case *pii.GiftMessage:
		return *p
	case *pii.Address:
		return *p
	}
	return v
}

func FuzzAddressUnmarshalJSON(f *testing.F) {
	for _, seed := range []string{
		`{"Name":"Ada","AddressLine1":"1 Main St","City":"Seattle","CountryCode":"US","PostalCode":"98101"}`,
		`{"name":"Ada","extendedFields":{"streetName":"Rua","streetNumber":"1"},"countryCode":"br"}`,
		`null`, `{}`, `[]`, `"x"`, `{"Name":5}`, `{"CountryCode":"USA"}`, `{"Name":"[pii:address]"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ctx := fuzzRevealer(t)
		var a pii.Address
		if err := a.UnmarshalJSON(data); err != nil {
			if !a.IsZero() {
				t.Fatal("error left a non-zero address")
			}
			return
		}
		if a.IsZero() {
			return
		}
		parts, err := r.RevealAddress(ctx, pii.PurposeTaxAndLegal, a)
		if err != nil {
			t.Fatal(err)
		}
		if parts.City != a.City() || parts.CountryCode != a.CountryCode() || parts.PostalCode != a.PostalCode() || parts.StateOrRegion != a.StateOrRegion() {
			t.Fatal("accessors disagree with the revealed parts")
		}
		again, err := pii.NewAddress(parts)
		if err != nil || again != a {
			t.Fatalf("address normalisation is not idempotent: %v", err)
		}
	})
}

func FuzzEnvelopeScan(f *testing.F) {
	f.Add([]byte{1, 5, 'p', 'h', 'o', 'n', 'e', 1, 'b', 7, 7})
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var env pii.Envelope
		if err := env.Scan(data); err != nil {
			return
		}
		out, err := env.Value()
		if err != nil {
			t.Fatalf("scanned envelope does not encode: %v", err)
		}
		if !bytes.Equal(out.([]byte), data) {
			t.Fatal("Value does not reproduce the scanned bytes")
		}
	})
}
