package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func newTracking(t *testing.T, w *world) *fulfillment.Tracking {
	t.Helper()
	tr, err := fulfillment.NewTracking(fulfillment.TrackingConfig{
		Client: w.client, Store: w.store, Sealer: w.ring, Retention: w.retention, Recorder: w.log,
		FeedPollInterval: 5 * time.Millisecond, FeedTimeout: 10 * time.Second, Now: w.clock,
	})
	if err != nil {
		t.Fatalf("NewTracking: %v", err)
	}
	return tr
}

// syncedWorld returns a world whose seller of the region is synced.
func syncedWorld(t *testing.T, region spapi.Region) (*world, *spapitest.SellerData) {
	t.Helper()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{OrdersPerSeller: 48})
	sd := w.ds.SellerIn(region)
	syncSeller(t, w.orderSync(t, fulfillment.OrdersAPIAuto), sd)
	return w, sd
}

// unshippedOrders returns up to n stored unshipped MFN orders, and fails
// the test when there are fewer than atLeast.
func unshippedOrders(t *testing.T, w *world, sd *spapitest.SellerData, n, atLeast int) []*fulfillment.Order {
	t.Helper()
	var out []*fulfillment.Order
	for _, o := range sd.Orders {
		if o.FulfillmentChannel != "MFN" || o.Status != spapitest.OrderUnshipped {
			continue
		}
		stored, err := w.store.Order(context.Background(), sd.ID, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stored)
		if len(out) == n {
			break
		}
	}
	if len(out) < atLeast {
		t.Fatalf("seller %s has %d unshipped MFN orders, want %d", sd.ID, len(out), atLeast)
	}
	return out
}

func confirmationOf(o *fulfillment.Order, pkg string, shipDate time.Time) fulfillment.Confirmation {
	c := fulfillment.Confirmation{
		SellerID: o.SellerID, MarketplaceID: o.MarketplaceID, OrderID: o.OrderID, PackageRef: pkg,
		CarrierCode: "UPS", ShippingMethod: "Ground", TrackingNumber: "1Z999AA1" + o.OrderID[4:11], ShipDate: shipDate,
	}
	for _, it := range o.Items {
		c.Items = append(c.Items, fulfillment.ConfirmationItem{OrderItemID: it.OrderItemID, Quantity: it.Quantity})
	}
	return c
}

func TestTrackingConfirmReseals(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.NorthAmerica)
	tr := newTracking(t, w)
	o := unshippedOrders(t, w, sd, 1, 1)[0]
	openBucket := o.Bucket
	shipDate := w.now.Add(-time.Hour).Truncate(time.Second)

	sh, err := tr.Confirm(actorContext(), confirmationOf(o, "1", shipDate))
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if sh.State != fulfillment.ShipmentConfirmed {
		t.Errorf("shipment state %q, want confirmed", sh.State)
	}
	if got := w.srv.SellerState(sd.ID).Order(o.OrderID).Status; got != spapitest.OrderShipped {
		t.Errorf("Amazon's order status = %q, want Shipped", got)
	}

	stored, err := w.store.Order(context.Background(), sd.ID, o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	want := retention.ShipmentBucket(shipDate)
	if stored.Bucket != want || !stored.ShippedAt.Equal(shipDate) || stored.Buyer.Name.Bucket != want {
		t.Errorf("order after shipment: bucket %q, shipped %v, name sealed in %q; want %q and %v", stored.Bucket, stored.ShippedAt, stored.Buyer.Name.Bucket, want, shipDate)
	}
	// The open bucket's key can go; the order's data lives in the
	// shipment day's bucket now.
	if err := w.ring.Shred(context.Background(), sd.ID, openBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := fulfillment.RevealShippingAddress(actorContext(), w.ring, w.revealer, stored, pii.PurposeFulfillment); err != nil {
		t.Errorf("reveal the address after the open bucket is shredded: %v", err)
	}

	// Confirming the same package again sends nothing.
	if _, err := tr.Confirm(actorContext(), confirmationOf(o, "1", shipDate)); err != nil {
		t.Errorf("second Confirm: %v", err)
	}
	if n := w.srv.Count("orders.confirmShipment", 0); n != 1 {
		t.Errorf("confirmShipment calls = %d, want 1", n)
	}
	if n := w.log.count("shipment_confirmation", "success"); n != 1 {
		t.Errorf("shipment confirmation audit events = %d, want 1", n)
	}
}

func TestTrackingPartialShipment(t *testing.T) {
	t.Parallel()
	// With 80 orders the data set has an unshipped wallet of quantity 3,
	// with per-unit personalisation.
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{OrdersPerSeller: 80})
	sd := w.ds.SellerIn(spapi.Europe)
	syncSeller(t, w.orderSync(t, fulfillment.OrdersAPIAuto), sd)
	tr := newTracking(t, w)
	var o *fulfillment.Order
	for _, c := range unshippedOrders(t, w, sd, 100, 1) {
		if len(c.Items) == 1 && c.Items[0].Quantity == 3 {
			o = c
			break
		}
	}
	if o == nil {
		t.Fatal("the data set has no unshipped order of one item with quantity 3")
	}

	first := confirmationOf(o, "1", w.now.Add(-2*time.Hour))
	first.Items[0].Quantity = 1
	if _, err := tr.Confirm(actorContext(), first); err != nil {
		t.Fatalf("Confirm package 1: %v", err)
	}
	stored, _ := w.store.Order(context.Background(), sd.ID, o.OrderID)
	if !stored.ShippedAt.IsZero() {
		t.Error("a partly shipped order was marked shipped")
	}

	rest := confirmationOf(o, "2", w.now.Add(-time.Hour))
	rest.Items[0].Quantity = 2
	rest.TrackingNumber += "B"
	if _, err := tr.Confirm(actorContext(), rest); err != nil {
		t.Fatalf("Confirm package 2: %v", err)
	}
	stored, _ = w.store.Order(context.Background(), sd.ID, o.OrderID)
	if want := w.now.Add(-time.Hour).Truncate(time.Second); !stored.ShippedAt.Equal(want) {
		t.Errorf("shipped at %v, want the last package's ship date %v", stored.ShippedAt, want)
	}
	for _, p := range stored.Items[0].Personalizations {
		if !p.Text.IsZero() && p.Text.Bucket != stored.Bucket {
			t.Errorf("unit %d text sealed in %q, want %q", p.Unit, p.Text.Bucket, stored.Bucket)
		}
	}
}

func TestTrackingRejectsBeforeSending(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.FarEast)
	tr := newTracking(t, w)
	o := unshippedOrders(t, w, sd, 1, 1)[0]
	cases := map[string]func(c *fulfillment.Confirmation){
		"ship date before purchase": func(c *fulfillment.Confirmation) { c.ShipDate = o.PurchaseDate.Add(-time.Hour) },
		"unknown item":              func(c *fulfillment.Confirmation) { c.Items[0].OrderItemID = "99999999999999" },
		"too many units":            func(c *fulfillment.Confirmation) { c.Items[0].Quantity = 99 },
		"other marketplace":         func(c *fulfillment.Confirmation) { c.MarketplaceID = "A1F83G8C2ARO7P" },
		"carrier Other unnamed":     func(c *fulfillment.Confirmation) { c.CarrierCode = fulfillment.CarrierOther },
	}
	for name, mutate := range cases {
		c := confirmationOf(o, "1", w.now.Add(-time.Hour))
		mutate(&c)
		var v *fulfillment.ValidationError
		if _, err := tr.Confirm(actorContext(), c); !errors.As(err, &v) {
			t.Errorf("%s: err = %v, want *ValidationError", name, err)
		}
	}
	if n := w.srv.Count("orders.confirmShipment", 0); n != 0 {
		t.Errorf("confirmShipment calls = %d, want none", n)
	}
}

func TestTrackingBatchFeed(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.NorthAmerica)
	tr := newTracking(t, w)
	orders := unshippedOrders(t, w, sd, 3, 3)
	var cs []fulfillment.Confirmation
	for i, o := range orders {
		cs = append(cs, confirmationOf(o, "1", w.now.Add(-time.Duration(i+1)*time.Hour)))
	}
	// An order Amazon will not ship: a cancelled one.
	var cancelled *fulfillment.Order
	for _, o := range sd.Orders {
		if o.Status == spapitest.OrderCanceled && o.MarketplaceID == orders[0].MarketplaceID && o.FulfillmentChannel == "MFN" {
			cancelled, _ = w.store.Order(context.Background(), sd.ID, o.ID)
			break
		}
	}
	if cancelled != nil {
		cs = append(cs, confirmationOf(cancelled, "1", w.now.Add(-time.Hour)))
	}
	bad := confirmationOf(orders[0], "2", w.now.Add(-time.Hour))
	bad.TrackingNumber = "has spaces"
	cs = append(cs, bad)

	results, err := tr.ConfirmBatch(actorContext(), sd.ID, orders[0].MarketplaceID, cs)
	if err != nil {
		t.Fatalf("ConfirmBatch: %v", err)
	}
	if len(results) != len(cs) {
		t.Fatalf("%d results, want %d", len(results), len(cs))
	}
	for i := range orders {
		r := results[i]
		if r.Err != nil || r.Shipment.State != fulfillment.ShipmentConfirmed || r.Shipment.FeedID == "" {
			t.Errorf("order %s: %+v, %v; want confirmed through the feed", orders[i].OrderID, r.Shipment.State, r.Err)
		}
		stored, _ := w.store.Order(context.Background(), sd.ID, orders[i].OrderID)
		if stored.ShippedAt.IsZero() {
			t.Errorf("order %s not re-sealed after the feed", orders[i].OrderID)
		}
	}
	if cancelled != nil {
		var fme *fulfillment.FeedMessageError
		if r := results[len(orders)]; !errors.As(r.Err, &fme) || r.Shipment.State != fulfillment.ShipmentFailed {
			t.Errorf("cancelled order: %+v, %v; want failed with a *FeedMessageError", r.Shipment.State, r.Err)
		}
	}
	var v *fulfillment.ValidationError
	if r := results[len(results)-1]; !errors.As(r.Err, &v) {
		t.Errorf("invalid tracking number: err = %v, want *ValidationError", r.Err)
	}
	if n := w.srv.Count("feeds.createFeed", http.StatusAccepted) + w.srv.Count("feeds.createFeed", http.StatusOK); n != 1 {
		t.Errorf("createFeed calls = %d, want 1", n)
	}
}

func TestTrackingBatchRejectsRepeatedPackage(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.NorthAmerica)
	tr := newTracking(t, w)
	orders := unshippedOrders(t, w, sd, 2, 2)
	first := confirmationOf(orders[0], "1", w.now.Add(-2*time.Hour))
	again := confirmationOf(orders[0], "1", w.now.Add(-time.Hour))
	again.TrackingNumber = first.TrackingNumber + "9"
	other := confirmationOf(orders[1], "1", w.now.Add(-time.Hour))

	results, err := tr.ConfirmBatch(actorContext(), sd.ID, orders[0].MarketplaceID, []fulfillment.Confirmation{first, other, again})
	if err != nil {
		t.Fatalf("ConfirmBatch: %v", err)
	}
	for _, i := range []int{0, 2} {
		var v *fulfillment.ValidationError
		if !errors.As(results[i].Err, &v) || results[i].Shipment.State != fulfillment.ShipmentFailed {
			t.Errorf("confirmation %d of a repeated package: %s, %v; want failed with a *ValidationError", i, results[i].Shipment.State, results[i].Err)
		}
	}
	if r := results[1]; r.Err != nil || r.Shipment.State != fulfillment.ShipmentConfirmed {
		t.Errorf("other order: %s, %v; want confirmed", r.Shipment.State, r.Err)
	}
}
