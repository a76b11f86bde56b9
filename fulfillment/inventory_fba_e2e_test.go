package fulfillment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestInventorySyncFBACommaSKU(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	var (
		sd    *spapitest.SellerData
		stock []fulfillment.StockLevel
	)
	for _, s := range w.ds.Sellers {
		var comma, plain *spapitest.InventoryItem
		for _, it := range s.Inventory {
			if it.MarketplaceID != s.Marketplaces[0] {
				continue
			}
			if strings.Contains(it.SKU, ",") && comma == nil {
				comma = it
			} else if !strings.Contains(it.SKU, ",") && plain == nil {
				plain = it
			}
		}
		if comma != nil && plain != nil {
			sd = s
			stock = []fulfillment.StockLevel{
				{SKU: comma.SKU, Quantity: comma.FulfillableQuantity + 2, FBA: true},
				{SKU: plain.SKU, Quantity: plain.FulfillableQuantity, FBA: true},
			}
			break
		}
	}
	if sd == nil {
		t.Fatal("no seller has FBA inventory with and without a comma in the SKU")
	}

	out, err := newInventory(t, w, 0).Sync(context.Background(), sd.ID, sd.Marketplaces[0], stock)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if out[0].Action != fulfillment.ActionDiffers {
		t.Errorf("SKU with a comma: %s (%v), want differs", out[0].Action, out[0].Err)
	}
	if out[1].Action != fulfillment.ActionUnchanged {
		t.Errorf("SKU without a comma: %s (%v), want unchanged", out[1].Action, out[1].Err)
	}
}
