package fulfillment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/vaultkms"
)

func newKeyring(t *testing.T) *vaultkms.Keyring {
	t.Helper()
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		t.Fatalf("vaultkms.New: %v", err)
	}
	return ring
}

// storedCustomOrder seals a synthetic order in its open bucket, links a
// two-unit personalisation, stores it and registers it for retention.
func storedCustomOrder(t *testing.T, ring *vaultkms.Keyring, store *fulfillment.MemoryStore, ret *retention.MemoryStore) (*fulfillment.Order, pii.BuyerName) {
	t.Helper()
	ctx := context.Background()
	f := gofakeit.New(99)
	o := customOrder(2)
	o.PurchaseDate = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	o.Bucket = retention.OpenBucket(o.PurchaseDate)
	o.BuyerData = fulfillment.BuyerDataAvailable
	name, err := pii.NewBuyerName(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if o.Buyer.Name, err = pii.Seal(ctx, ring, o.Bucket, fulfillment.BuyerBinding(o.SellerID, o.OrderID, fulfillment.ColumnBuyerName), name); err != nil {
		t.Fatal(err)
	}
	units, _ := unitTexts(t, f, 2)
	if err := fulfillment.LinkPersonalizations(ctx, ring, o, []fulfillment.ItemCustomization{{OrderItemID: "10000000000002", Units: units}}); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertOrders(ctx, []*fulfillment.Order{o}); err != nil {
		t.Fatal(err)
	}
	if err := retention.RegisterOrder(ctx, ret, retention.Order{SellerID: o.SellerID, OrderID: o.OrderID, Bucket: o.Bucket, OrderedAt: o.PurchaseDate}); err != nil {
		t.Fatal(err)
	}
	return o, name
}

func TestMarkShippedReseals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ring, store, ret := newKeyring(t), fulfillment.NewMemoryStore(), retention.NewMemoryStore()
	o, name := storedCustomOrder(t, ring, store, ret)
	openBucket := o.Bucket
	shipped := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)

	got, err := fulfillment.MarkShipped(ctx, store, ring, ret, o.SellerID, o.OrderID, shipped)
	if err != nil {
		t.Fatalf("MarkShipped: %v", err)
	}
	want := retention.ShipmentBucket(shipped)
	if got.Bucket != want || !got.ShippedAt.Equal(shipped) {
		t.Errorf("order after MarkShipped: bucket %q shipped %v, want %q %v", got.Bucket, got.ShippedAt, want, shipped)
	}
	stored, err := store.Order(ctx, o.SellerID, o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Buyer.Name.Bucket != want {
		t.Errorf("buyer name sealed in %q, want %q", stored.Buyer.Name.Bucket, want)
	}
	for _, p := range stored.Items[1].Personalizations {
		if p.Text.Bucket != want {
			t.Errorf("unit %d text sealed in %q, want %q", p.Unit, p.Text.Bucket, want)
		}
	}

	// Shredding the open bucket no longer touches the order's data.
	if err := ring.Shred(ctx, o.SellerID, openBucket); err != nil {
		t.Fatal(err)
	}
	opened, err := pii.Open[pii.BuyerName](ctx, ring, fulfillment.BuyerBinding(o.SellerID, o.OrderID, fulfillment.ColumnBuyerName), stored.Buyer.Name)
	if err != nil || opened != name {
		t.Errorf("buyer name after shredding the open bucket: %v", err)
	}

	// The retention records are anchored at the shipment: due 30 days
	// later minus the margin, not before.
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	due := func(at time.Time) int {
		sel := retention.Selector{Class: retention.ClassBuyerPII, SellerID: o.SellerID, Cutoff: rule.Cutoff(at)}
		p, err := ret.Pending(ctx, sel, at)
		if err != nil {
			t.Fatal(err)
		}
		return p.Due
	}
	if n := due(shipped.Add(20 * 24 * time.Hour)); n != 0 {
		t.Errorf("records due 20 days after shipment: %d, want 0", n)
	}
	if n := due(shipped.Add(30 * 24 * time.Hour)); n != 1 {
		t.Errorf("records due 30 days after shipment: %d, want 1", n)
	}

	// Shredding the shipment day's bucket makes the data unreadable.
	if err := ring.Shred(ctx, o.SellerID, want); err != nil {
		t.Fatal(err)
	}
	if _, err := pii.Open[pii.BuyerName](ctx, ring, fulfillment.BuyerBinding(o.SellerID, o.OrderID, fulfillment.ColumnBuyerName), stored.Buyer.Name); !errors.Is(err, vaultkms.ErrShredded) {
		t.Errorf("open after shredding the shipment bucket: err = %v, want ErrShredded", err)
	}
}

func TestMarkShippedTwiceKeepsFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ring, store, ret := newKeyring(t), fulfillment.NewMemoryStore(), retention.NewMemoryStore()
	o, _ := storedCustomOrder(t, ring, store, ret)
	first := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)
	if _, err := fulfillment.MarkShipped(ctx, store, ring, ret, o.SellerID, o.OrderID, first); err != nil {
		t.Fatal(err)
	}
	got, err := fulfillment.MarkShipped(ctx, store, ring, ret, o.SellerID, o.OrderID, first.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !got.ShippedAt.Equal(first) || got.Revision != 2 {
		t.Errorf("second MarkShipped: shipped %v revision %d, want %v and 2", got.ShippedAt, got.Revision, first)
	}
}

func TestMarkShippedUnknownOrder(t *testing.T) {
	t.Parallel()
	_, err := fulfillment.MarkShipped(context.Background(), fulfillment.NewMemoryStore(), newKeyring(t), retention.NewMemoryStore(), "A1SELLER", "111-0000000-0000000", time.Now())
	if !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
