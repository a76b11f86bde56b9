package fulfillment_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi/custom"
)

const walletDoc = `{"version":"3.0","orderId":"113-1111111-2222222","orderItemId":"10000000000002","asin":"B0WALLET01","quantity":2,
"customizationInfo":{"version3.0":{"surfaces":[
 {"name":"Unit 1","areas":[{"customizationType":"TextPrinting","name":"Monogram","text":"ABC","fontFamily":"Serif","colorName":"Gold"},
  {"customizationType":"Options","name":"Thread","optionValue":"Red"}]},
 {"name":"Unit 2","areas":[{"customizationType":"TextPrinting","name":"Monogram","text":"XYZ","fontFamily":"Serif","colorName":"Gold"},
  {"customizationType":"Options","name":"Thread","optionValue":"Tan"}]}]}}}`

func TestSplitCustomizationSurfacePerUnit(t *testing.T) {
	t.Parallel()
	doc, err := custom.ParseDocument([]byte(walletDoc))
	if err != nil {
		t.Fatalf("ParseDocument: %v", err)
	}
	o := customOrder(2)
	got, err := fulfillment.SplitCustomization(&custom.Customization{Documents: []custom.Document{*doc}}, &o.Items[1])
	if err != nil {
		t.Fatalf("SplitCustomization: %v", err)
	}
	if len(got.Units) != 2 {
		t.Fatalf("%d units, want 2", len(got.Units))
	}
	for u, want := range []string{"Red", "Tan"} {
		parts := got.Units[u].Parts
		if len(parts) != 2 || parts[0].Part != "Monogram" || parts[1].Part != "Thread" || parts[1].Option != want || parts[0].Font != "Serif" {
			t.Errorf("unit %d parts = %+v", u+1, parts)
		}
	}
	if err := fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), o, []fulfillment.ItemCustomization{got}); err != nil {
		t.Errorf("LinkPersonalizations: %v", err)
	}
}

func TestSplitCustomizationOtherItem(t *testing.T) {
	t.Parallel()
	doc, err := custom.ParseDocument([]byte(walletDoc))
	if err != nil {
		t.Fatal(err)
	}
	o := customOrder(2)
	c := &custom.Customization{Documents: []custom.Document{*doc, *doc}}
	c.Documents[1].OrderItemID = "99"
	if _, err := fulfillment.SplitCustomization(c, &o.Items[0]); err == nil {
		t.Error("a zip without the item's document split without error")
	}
}

func TestSplitCustomizationUnitMismatch(t *testing.T) {
	t.Parallel()
	doc, err := custom.ParseDocument([]byte(walletDoc))
	if err != nil {
		t.Fatal(err)
	}
	o := customOrder(3)
	got, err := fulfillment.SplitCustomization(&custom.Customization{Documents: []custom.Document{*doc}}, &o.Items[1])
	if err != nil {
		t.Fatal(err)
	}
	err = fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), o, []fulfillment.ItemCustomization{got})
	var le *fulfillment.LinkError
	if !errors.As(err, &le) || le.Problem != fulfillment.LinkUnitCount {
		t.Errorf("two surfaces for three units: err = %v, want a unit count mismatch", err)
	}
}

func FuzzSplitCustomization(f *testing.F) {
	f.Add([]byte(walletDoc), 2)
	f.Add([]byte(`{"orderItemId":"10000000000002","customizationData":{}}`), 1)
	f.Add([]byte(`{}`), 3)
	f.Fuzz(func(t *testing.T, data []byte, quantity int) {
		doc, err := custom.ParseDocument(data)
		if err != nil {
			return
		}
		o := customOrder(quantity%5 + 1)
		c, err := fulfillment.SplitCustomization(&custom.Customization{Documents: []custom.Document{*doc}}, &o.Items[1])
		if err != nil {
			return
		}
		// Linking may reject the units, but must not panic or link a
		// count other than the quantity.
		if err := fulfillment.LinkPersonalizations(context.Background(), newTestSealer(t), o, []fulfillment.ItemCustomization{c}); err == nil {
			units := map[int]bool{}
			for _, p := range o.Items[1].Personalizations {
				units[p.Unit] = true
			}
			if len(units) != o.Items[1].Quantity {
				t.Errorf("linked %d units for quantity %d", len(units), o.Items[1].Quantity)
			}
		}
	})
}
