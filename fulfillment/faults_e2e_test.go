package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestOrderSyncCustomizationDownloadFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	w.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: http.StatusInternalServerError, Times: -1})
	s := w.orderSync(t, fulfillment.OrdersAPIAuto)

	got, problems := syncSeller(t, s, sd)
	custom := 0
	for _, o := range sd.Orders {
		hasCustom := false
		for _, it := range o.Items {
			hasCustom = hasCustom || len(it.Customization) > 0
		}
		stored := got[o.ID]
		if !hasCustom || stored == nil || stored.BuyerData == fulfillment.BuyerDataPurged {
			continue
		}
		custom++
		var ce *fulfillment.CustomizationError
		if !errors.As(problems[o.ID], &ce) {
			t.Errorf("order %s: problem %v, want a *CustomizationError", o.ID, problems[o.ID])
		}
		for _, it := range stored.Items {
			if it.Customization == fulfillment.CustomizationLinked {
				t.Errorf("order %s item %s linked although the download failed", o.ID, it.OrderItemID)
			}
		}
	}
	if custom == 0 {
		t.Fatal("the data set has no customised order with buyer data")
	}

	// Storage is back: a sync over the same window links the pending items
	// although Amazon did not change the orders.
	w.srv.ClearFaults()
	w.now = w.now.Add(10 * time.Minute)
	relinked := 0
	for _, m := range sd.Marketplaces {
		for o, err := range s.SyncSince(context.Background(), sd.ID, m, w.now.Add(-90*24*time.Hour)) {
			if o == nil || err != nil {
				t.Fatalf("SyncSince: %v", err)
			}
			relinked++
		}
	}
	if relinked != custom {
		t.Errorf("%d orders synced again, want the %d pending ones", relinked, custom)
	}
}

func TestLabelPurchaseConnectionDropped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	// The first purchase is cut off after the server sold the label, or
	// before: either way the client's retry carries the same key.
	w.srv.InjectFault(spapitest.Fault{Operation: "shipping.purchaseShipment", Drop: true})
	got, err := newLabels(t, w, w.store).Buy(context.Background(), labelRequest(sd, o, fulfillment.ServiceShippingV2))
	if err != nil {
		t.Fatalf("Buy: %v", err)
	}
	if n := w.srv.ShipmentCount(sd.ID); n != 1 || got.ShipmentID == "" {
		t.Errorf("shipments bought = %d (label %s), want 1", n, got.ShipmentID)
	}
}

func TestTrackingConfirmServerDown(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.NorthAmerica)
	tr := newTracking(t, w)
	o := unshippedOrders(t, w, sd, 1, 1)[0]
	c := confirmationOf(o, "1", w.now.Add(-time.Hour))

	w.srv.InjectFault(spapitest.Fault{Operation: "orders.confirmShipment", Status: http.StatusServiceUnavailable, Times: -1})
	sh, err := tr.Confirm(context.Background(), c)
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("Confirm: err = %v, want ErrServerUnavailable", err)
	}
	if sh.State != fulfillment.ShipmentFailed {
		t.Errorf("shipment state %q, want failed", sh.State)
	}
	stored, _ := w.store.Order(context.Background(), sd.ID, o.OrderID)
	if !stored.ShippedAt.IsZero() {
		t.Error("the order was re-sealed although the confirmation failed")
	}

	w.srv.ClearFaults()
	if sh, err = tr.Confirm(context.Background(), c); err != nil || sh.State != fulfillment.ShipmentConfirmed {
		t.Fatalf("Confirm after recovery = %v, %v; want confirmed", sh, err)
	}
	if n := w.log.count("shipment_confirmation", "failure"); n != 1 {
		t.Errorf("failed confirmation audit events = %d, want 1", n)
	}
}

func TestTrackingFeedTimeout(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.Europe)
	tr, err := fulfillment.NewTracking(fulfillment.TrackingConfig{
		Client: w.client, Store: w.store, Sealer: w.ring, Retention: w.retention, Recorder: w.log,
		FeedPollInterval: 10 * time.Millisecond, FeedTimeout: 100 * time.Millisecond, Now: w.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Amazon keeps the feed in progress past the timeout.
	w.srv.InjectFault(spapitest.Fault{
		Operation: "feeds.getFeed", Status: http.StatusOK, Times: -1, ContentType: "application/json",
		Body: `{"feedId":"500000000001","feedType":"POST_ORDER_FULFILLMENT_DATA","processingStatus":"IN_PROGRESS","createdTime":"2026-11-17T00:00:00Z"}`,
	})
	o := unshippedOrders(t, w, sd, 1, 1)[0]
	_, err = tr.ConfirmBatch(context.Background(), sd.ID, o.MarketplaceID, []fulfillment.Confirmation{confirmationOf(o, "1", w.now.Add(-time.Hour))})
	var fe *fulfillment.FeedError
	if !errors.As(err, &fe) || fe.FeedID == "" || fe.Status != "" {
		t.Fatalf("ConfirmBatch: err = %v, want a *FeedError for a feed still processing", err)
	}
	stored, _ := w.store.Shipment(context.Background(), sd.ID, o.OrderID, "1")
	if stored.State != fulfillment.ShipmentPending {
		t.Errorf("shipment state %q, want pending while the feed's outcome is unknown", stored.State)
	}
}

func TestInventorySyncCancelled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.FarEast)
	w.srv.InjectFault(spapitest.Fault{Operation: "listings.getListingsItem", Latency: 5 * time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stock := []fulfillment.StockLevel{{SKU: listingsOf(sd)[0].SKU, Quantity: 3}}
	if _, err := newInventory(t, w, 0).Sync(ctx, sd.ID, sd.Marketplaces[0], stock); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sync with a slow server: err = %v, want context.DeadlineExceeded", err)
	}
}
