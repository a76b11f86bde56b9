package fulfillment_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestInventoryPatchRetriedAfter503(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	m := sd.Marketplaces[0]
	l := listingsOf(sd)[0]
	w.srv.InjectFault(spapitest.Fault{Operation: "listings.patchListingsItem", Status: http.StatusServiceUnavailable})

	stock := []fulfillment.StockLevel{{SKU: l.SKU, Quantity: l.Quantity + 3}}
	out, err := newInventory(t, w, 50).Sync(context.Background(), sd.ID, m, stock)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if out[0].Action != fulfillment.ActionPatched {
		t.Errorf("SKU %q: %s (%v), want patched after one 503", l.SKU, out[0].Action, out[0].Err)
	}
	if got := w.srv.SellerState(sd.ID).Listing(l.SKU, m).Quantity; got != stock[0].Quantity {
		t.Errorf("Amazon's quantity %d, want %d", got, stock[0].Quantity)
	}
	if n := w.srv.Count("listings.patchListingsItem", 0); n != 2 {
		t.Errorf("patchListingsItem calls = %d, want 2 (one 503, one retry)", n)
	}
}
