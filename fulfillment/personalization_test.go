package fulfillment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
)

// customOrder returns an order with a plain belt and a customised wallet of
// the given quantity, waiting for its personalisation.
func customOrder(quantity int) *fulfillment.Order {
	return &fulfillment.Order{
		SellerID: "A1SELLER", MarketplaceID: "ATVPDKIKX0DER", OrderID: "113-1111111-2222222",
		Status: "Unshipped", LastUpdateDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		BuyerData: fulfillment.BuyerDataNotProvided, Bucket: "open-2026-12",
		Items: []fulfillment.OrderItem{
			{OrderItemID: "10000000000001", SKU: "BELT 34", ASIN: "B0BELT0001", Quantity: 1, Customization: fulfillment.CustomizationNone},
			{OrderItemID: "10000000000002", SKU: "WALLET/BIFOLD+GOLD", ASIN: "B0WALLET01", Quantity: quantity, Customization: fulfillment.CustomizationPending},
		},
	}
}

func personalization(t *testing.T, s string) pii.Personalization {
	t.Helper()
	p, err := pii.NewPersonalization(s)
	if err != nil {
		t.Fatalf("NewPersonalization: %v", err)
	}
	return p
}

// unitTexts returns one customization per unit, each with its own initials.
func unitTexts(t *testing.T, f *gofakeit.Faker, n int) ([]fulfillment.UnitCustomization, []string) {
	units := make([]fulfillment.UnitCustomization, n)
	texts := make([]string, n)
	for i := range units {
		texts[i] = f.LetterN(3)
		units[i] = fulfillment.UnitCustomization{Parts: []fulfillment.CustomizationPart{{
			Part: "Front/Initials", Text: personalization(t, texts[i]), Font: "Serif", Color: "Gold", Position: "Emboss",
		}}}
	}
	return units, texts
}

func TestLinkMultiQuantity(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(7)
	sealer := newTestSealer(t)
	o := customOrder(3)
	units, texts := unitTexts(t, f, 3)

	err := fulfillment.LinkPersonalizations(context.Background(), sealer, o, []fulfillment.ItemCustomization{{
		OrderItemID: "10000000000002", SKU: "WALLET/BIFOLD+GOLD", ASIN: "B0WALLET01", Units: units,
	}})
	if err != nil {
		t.Fatalf("LinkPersonalizations: %v", err)
	}
	wallet := o.Items[1]
	if wallet.Customization != fulfillment.CustomizationLinked {
		t.Errorf("Customization = %q, want linked", wallet.Customization)
	}
	if o.Items[0].Customization != fulfillment.CustomizationNone || len(o.Items[0].Personalizations) != 0 {
		t.Errorf("the plain item changed: %+v", o.Items[0])
	}
	if len(wallet.Personalizations) != 3 {
		t.Fatalf("%d personalisations, want 3", len(wallet.Personalizations))
	}
	for i, p := range wallet.Personalizations {
		if p.Unit != i+1 || p.OrderID != o.OrderID || p.OrderItemID != wallet.OrderItemID || p.SKU != wallet.SKU || p.ASIN != wallet.ASIN {
			t.Errorf("personalisation %d is bound to %s/%s/%s/%s unit %d", i, p.OrderID, p.OrderItemID, p.SKU, p.ASIN, p.Unit)
		}
		got, err := pii.Open[pii.Personalization](context.Background(), sealer, fulfillment.PersonalizationBinding(o.SellerID, p), p.Text)
		if err != nil {
			t.Fatalf("open unit %d: %v", p.Unit, err)
		}
		if got != personalization(t, texts[i]) {
			t.Errorf("unit %d holds another unit's text", p.Unit)
		}
	}
	if err := o.Validate(); err != nil {
		t.Errorf("Validate after linking: %v", err)
	}

	// A text moved to another unit does not open.
	moved := wallet.Personalizations[0]
	moved.Unit = 2
	if _, err := pii.Open[pii.Personalization](context.Background(), sealer, fulfillment.PersonalizationBinding(o.SellerID, moved), moved.Text); err == nil {
		t.Error("unit 1's text opened as unit 2's")
	}
}

func TestLinkCustomizationAbsent(t *testing.T) {
	t.Parallel()
	sealer := newTestSealer(t)
	o := customOrder(1)
	o.Items[1].Customization = fulfillment.CustomizationNone
	if err := fulfillment.LinkPersonalizations(context.Background(), sealer, o, nil); err != nil {
		t.Fatalf("LinkPersonalizations without customised items: %v", err)
	}
	for _, it := range o.Items {
		if it.Customization != fulfillment.CustomizationNone || len(it.Personalizations) != 0 {
			t.Errorf("item %s: Customization %q with %d personalisations, want none", it.OrderItemID, it.Customization, len(it.Personalizations))
		}
	}
	if sealer.calls != 0 {
		t.Errorf("sealer called %d times, want 0", sealer.calls)
	}
}

func TestLinkOptionsWithoutText(t *testing.T) {
	t.Parallel()
	o := customOrder(1)
	err := fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), o, []fulfillment.ItemCustomization{{
		OrderItemID: "10000000000002",
		Units:       []fulfillment.UnitCustomization{{Parts: []fulfillment.CustomizationPart{{Part: "Thread", Color: "Red"}}}},
	}})
	if err != nil {
		t.Fatalf("LinkPersonalizations: %v", err)
	}
	p := o.Items[1].Personalizations[0]
	if !p.Text.IsZero() || p.Color != "Red" {
		t.Errorf("personalisation = %+v, want no text and colour Red", p)
	}
}

func TestLinkMismatch(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(11)
	two, _ := unitTexts(t, f, 2)
	three, _ := unitTexts(t, f, 3)
	cases := []struct {
		name    string
		customs []fulfillment.ItemCustomization
		problem fulfillment.LinkProblem
	}{
		{"fewer units than quantity", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: two}}, fulfillment.LinkUnitCount},
		{"one text for three units", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: two[:1]}}, fulfillment.LinkUnitCount},
		{"item missing from order", []fulfillment.ItemCustomization{
			{OrderItemID: "10000000000002", Units: three}, {OrderItemID: "99999999999999", Units: three},
		}, fulfillment.LinkItemMissing},
		{"customization missing", nil, fulfillment.LinkCustomizationMissing},
		{"plain item customised", []fulfillment.ItemCustomization{
			{OrderItemID: "10000000000002", Units: three}, {OrderItemID: "10000000000001", Units: two[:1]},
		}, fulfillment.LinkNotCustomized},
		{"SKU differs", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", SKU: "WALLET/BIFOLD+SILVER", Units: three}}, fulfillment.LinkSKUMismatch},
		{"ASIN differs", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", ASIN: "B0OTHER001", Units: three}}, fulfillment.LinkASINMismatch},
		{"item twice", []fulfillment.ItemCustomization{
			{OrderItemID: "10000000000002", Units: three}, {OrderItemID: "10000000000002", Units: three},
		}, fulfillment.LinkDuplicateItem},
		{"unit without parts", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: make([]fulfillment.UnitCustomization, 3)}}, fulfillment.LinkInvalidPart},
		{"part named twice", []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: []fulfillment.UnitCustomization{
			three[0], three[1], {Parts: append(append([]fulfillment.CustomizationPart(nil), three[2].Parts...), three[2].Parts...)},
		}}}, fulfillment.LinkInvalidPart},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sealer := newTestSealer(t)
			o := customOrder(3)
			err := fulfillment.LinkPersonalizations(context.Background(), sealer, o, tc.customs)
			var le *fulfillment.LinkError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LinkError", err)
			}
			if le.Problem != tc.problem {
				t.Errorf("Problem = %q, want %q (error: %v)", le.Problem, tc.problem, err)
			}
			if !errors.Is(err, fulfillment.ErrPersonalizationMismatch) {
				t.Error("error does not match ErrPersonalizationMismatch")
			}
			if o.Items[1].Customization != fulfillment.CustomizationPending || len(o.Items[1].Personalizations) != 0 {
				t.Error("a failed link changed the order")
			}
			if sealer.calls != 0 {
				t.Errorf("sealer called %d times before the mismatch was found", sealer.calls)
			}
		})
	}
}

func TestLinkUnitCountMessage(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(3)
	two, _ := unitTexts(t, f, 2)
	err := fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), customOrder(3),
		[]fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: two}})
	want := "fulfillment: personalisation of order 113-1111111-2222222 item 10000000000002: personalisation given for 2 units, but 3 were ordered; each unit needs its own"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestLinkSealFailure(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(5)
	sealer := newTestSealer(t)
	sealer.fail = errors.New("vault unavailable")
	o := customOrder(2)
	units, _ := unitTexts(t, f, 2)
	err := fulfillment.LinkPersonalizations(context.Background(), sealer, o, []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: units}})
	if err == nil || !errors.Is(err, sealer.fail) {
		t.Fatalf("err = %v, want the sealer's error", err)
	}
	if o.Items[1].Customization != fulfillment.CustomizationPending {
		t.Error("a failed seal marked the item linked")
	}
}

func TestLinkNoBucket(t *testing.T) {
	t.Parallel()
	o := customOrder(1)
	o.Bucket = ""
	var v *fulfillment.ValidationError
	if err := fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), o, nil); !errors.As(err, &v) {
		t.Errorf("err = %v, want *ValidationError", err)
	}
}
