package fulfillment_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestOrderSyncFindsOrderByPhone(t *testing.T) {
	t.Parallel()
	apis := []struct {
		name string
		api  fulfillment.OrdersAPI
	}{{"2026-01-01", fulfillment.OrdersAPIAuto}, {"v0", fulfillment.OrdersAPIV0}}
	for _, c := range apis {
		api := c.api
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
			sd := w.ds.SellerIn(spapi.Europe)
			if _, problems := syncSeller(t, w.orderSync(t, api), sd); len(problems) != 0 {
				t.Fatalf("problems: %v", problems)
			}

			found := 0
			for _, want := range sd.Orders {
				o, err := w.store.Order(context.Background(), sd.ID, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if o.BuyerData != fulfillment.BuyerDataAvailable || want.FulfillmentChannel != "MFN" {
					if len(o.Index.Phone) != 0 {
						t.Errorf("order %s (%s, buyer data %q): phone index set, want none", want.ID, want.FulfillmentChannel, o.BuyerData)
					}
					continue
				}
				checkSyncedPhone(t, w.store, w.ring, w.revealer, sd.ID, o, want.ShipTo.Phone)
				found++
			}
			if found == 0 {
				t.Fatal("the data set has no MFN order with buyer data to look up")
			}
		})
	}
}

// checkSyncedPhone checks that o's sealed phone opens to phone and that
// store finds o by the phone's blind index, whether the phone is written as
// the data set has it or as its digits alone.
func checkSyncedPhone(t *testing.T, store fulfillment.Store, ring interface {
	pii.Sealer
	pii.Indexer
}, revealer *pii.Revealer, seller string, o *fulfillment.Order, phone string) {
	t.Helper()
	ctx := actorContext()
	if o.Buyer.Phone.IsZero() {
		t.Errorf("order %s: no sealed phone", o.OrderID)
		return
	}
	sealed, err := pii.Open[pii.Phone](ctx, ring, fulfillment.BuyerBinding(seller, o.OrderID, fulfillment.ColumnPhone), o.Buyer.Phone)
	if err != nil {
		t.Errorf("order %s: open phone: %v", o.OrderID, err)
		return
	}
	if clear, err := revealer.Reveal(ctx, pii.PurposeDeliverySupport, sealed); err != nil || clear != phone {
		t.Errorf("order %s: revealed phone does not match the data set (err %v)", o.OrderID, err)
	}

	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	for _, form := range []string{phone, digits} {
		p, err := pii.NewPhone(form)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := pii.BlindIndexOf(ctx, ring, seller, p)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := store.FindOrders(ctx, seller, pii.KindPhone, idx[:], 10)
		if err != nil {
			t.Errorf("order %s: FindOrders by phone: %v", o.OrderID, err)
			continue
		}
		if !slices.Contains(ids, o.OrderID) {
			t.Errorf("order %s: FindOrders by phone returned %v, want it to contain the order", o.OrderID, ids)
		}
	}
}
