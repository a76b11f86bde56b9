package fulfillment_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
)

var uuidV8 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestLabelKeyStable(t *testing.T) {
	t.Parallel()
	a, err := fulfillment.LabelKey("A1SELLER", "111-2223334-4445556", "1")
	if err != nil {
		t.Fatalf("LabelKey: %v", err)
	}
	b, err := fulfillment.LabelKey("A1SELLER", "111-2223334-4445556", "1")
	if err != nil {
		t.Fatalf("LabelKey: %v", err)
	}
	if a != b {
		t.Errorf("LabelKey differs between calls: %s, %s", a, b)
	}
	if !uuidV8.MatchString(a) {
		t.Errorf("LabelKey = %s, want a version 8 UUID", a)
	}
}

func TestLabelKeyDistinct(t *testing.T) {
	t.Parallel()
	inputs := [][3]string{
		{"A1SELLER", "111-2223334-4445556", "1"},
		{"A1SELLER", "111-2223334-4445556", "2"},
		{"A1SELLER", "111-2223334-4445557", "1"},
		{"A2SELLER", "111-2223334-4445556", "1"},
		// Concatenation alone would make these two equal.
		{"A1SELLER1", "11-2223334-4445556", "1"},
		{"A1SELLER", "1111-2223334-4445556", "1"},
	}
	seen := map[string][3]string{}
	for _, in := range inputs {
		k, err := fulfillment.LabelKey(in[0], in[1], in[2])
		if err != nil {
			t.Fatalf("LabelKey%v: %v", in, err)
		}
		if prev, ok := seen[k]; ok {
			t.Errorf("LabelKey%v equals LabelKey%v", in, prev)
		}
		seen[k] = in
	}
}

func TestLabelKeyInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name               string
		seller, order, pkg string
		field              string
	}{
		{"empty seller", "", "111-2223334-4445556", "1", "seller ID"},
		{"space in order", "A1SELLER", "111 2223334", "1", "order ID"},
		{"long order", "A1SELLER", strings.Repeat("1", 65), "1", "order ID"},
		{"zero package", "A1SELLER", "111-2223334-4445556", "0", "package reference"},
		{"leading zero", "A1SELLER", "111-2223334-4445556", "01", "package reference"},
		{"letters", "A1SELLER", "111-2223334-4445556", "box1", "package reference"},
		{"negative", "A1SELLER", "111-2223334-4445556", "-1", "package reference"},
		{"empty package", "A1SELLER", "111-2223334-4445556", "", "package reference"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := fulfillment.LabelKey(tc.seller, tc.order, tc.pkg)
			var v *fulfillment.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if v.Field != tc.field {
				t.Errorf("Field = %q, want %q", v.Field, tc.field)
			}
		})
	}
}

func FuzzLabelKey(f *testing.F) {
	f.Add("A1SELLER", "111-2223334-4445556", "1")
	f.Add("", "", "")
	f.Add("A\x00", "\xff", "99999999999999999999")
	f.Fuzz(func(t *testing.T, seller, order, pkg string) {
		k, err := fulfillment.LabelKey(seller, order, pkg)
		if err != nil {
			return
		}
		if !uuidV8.MatchString(k) {
			t.Errorf("LabelKey = %q, want a version 8 UUID", k)
		}
		again, _ := fulfillment.LabelKey(seller, order, pkg)
		if again != k {
			t.Errorf("LabelKey not stable: %q then %q", k, again)
		}
	})
}
