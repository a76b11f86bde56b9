package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/retention/retentiontest"
)

// TestTargetClearKeepsSellersApart purges, in one batch, buckets of two
// sellers that reuse each other's order IDs, and checks that each seller's
// due order alone is cleared.
func TestTargetClearKeepsSellersApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE erp_orders (seller_id text, order_id text, buyer_name bytea, PRIMARY KEY (seller_id, order_id))`); err != nil {
		t.Fatalf("create: %v", err)
	}
	store, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{{Table: "erp_orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name"}}}}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	sellerA, sellerB := retentiontest.SellerID(), retentiontest.SellerID()
	x, y := retentiontest.OrderID(), retentiontest.OrderID()
	old := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	recent := old.Add(20 * 24 * time.Hour)
	orders := []struct {
		seller, id string
		shipped    time.Time
		due        bool
	}{
		{sellerA, x, old, true},
		{sellerA, y, recent, false},
		{sellerB, y, old, true},
		{sellerB, x, recent, false},
	}
	for _, o := range orders {
		if _, err := pool.Exec(ctx, `INSERT INTO erp_orders VALUES ($1, $2, '\x01')`, o.seller, o.id); err != nil {
			t.Fatalf("insert order: %v", err)
		}
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: o.seller, OrderID: o.id, Bucket: retention.ShipmentBucket(o.shipped), OrderedAt: o.shipped}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
	}

	clock := retentiontest.NewClock(old.Add(28 * 24 * time.Hour))
	runner, err := retention.NewRunner(retention.Config{Store: store, Recorder: &retentiontest.Recorder{}, Shredder: &retentiontest.Shredder{}, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	rep, err := runner.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if got := rep.Purged[retention.ClassBuyerPII]; got != 2 {
		t.Errorf("purged %d buyer PII records, want 2", got)
	}

	for _, o := range orders {
		var hasName bool
		if err := pool.QueryRow(ctx, `SELECT buyer_name IS NOT NULL FROM erp_orders WHERE seller_id = $1 AND order_id = $2`, o.seller, o.id).Scan(&hasName); err != nil {
			t.Fatalf("read order: %v", err)
		}
		if hasName == o.due {
			t.Errorf("order %s of seller %s: has buyer name %v, want %v", o.id, o.seller, hasName, !o.due)
		}
	}
}
