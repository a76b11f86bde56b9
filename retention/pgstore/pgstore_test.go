package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/retention/retentiontest"
)

func TestNewRejectsUnsafeTargets(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	cols := map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name"}}
	tests := map[string]pgstore.Target{
		"injected table":       {Table: "orders; DROP TABLE x", Columns: cols},
		"quoted table":         {Table: `"orders"`, Columns: cols},
		"three-part table":     {Table: "a.b.c", Columns: cols},
		"upper case column":    {Table: "orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"BuyerName"}}},
		"injected column":      {Table: "orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"a = NULL, b"}}},
		"key column cleared":   {Table: "orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"order_id"}}},
		"bad seller column":    {Table: "orders", SellerColumn: "seller id", Columns: cols},
		"no columns":           {Table: "orders"},
		"empty column list":    {Table: "orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {}}},
		"unknown class":        {Table: "orders", Columns: map[retention.Class][]string{"marketing": {"x"}}},
		"identifier too long":  {Table: strings.Repeat("t", 64), Columns: cols},
		"empty schema segment": {Table: ".orders", Columns: cols},
	}
	for name, target := range tests {
		_, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{target}})
		var ce *pgstore.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: New error = %v, want *pgstore.ConfigError", name, err)
		}
	}
	if _, err := pgstore.New(nil, pgstore.Options{}); err == nil {
		t.Errorf("New(nil pool) succeeded, want an error")
	}
	if _, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{{Table: "erp.orders", Columns: cols}}}); err != nil {
		t.Errorf("New with a schema-qualified table: %v", err)
	}
}

func TestMigrateTwiceConcurrently(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = pgstore.Migrate(context.Background(), pool) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	var versions, latest int
	if err := pool.QueryRow(context.Background(), `SELECT count(*), max(version) FROM retention_schema_version`).Scan(&versions, &latest); err != nil {
		t.Fatalf("count versions: %v", err)
	}
	if latest < 2 {
		t.Errorf("latest schema version = %d, want at least 2", latest)
	}
	if versions != latest {
		t.Errorf("schema versions recorded = %d, want %d, one per migration", versions, latest)
	}
}

// TestTargetsClearedPerClass purges buyer PII and personalisation kept in two
// tables and checks that each purge clears only its class's columns, and
// only for purged orders.
func TestTargetsClearedPerClass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	for _, q := range []string{
		`CREATE SCHEMA erp`,
		`CREATE TABLE erp.orders (seller text, amazon_order_id text, buyer_name bytea, phone bytea, item_count int)`,
		`CREATE TABLE order_items (seller_id text, order_id text, item_id text, custom_text bytea)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	store, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{
		{Table: "erp.orders", SellerColumn: "seller", OrderColumn: "amazon_order_id", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name", "phone"}}},
		{Table: "order_items", Columns: map[retention.Class][]string{retention.ClassPersonalization: {"custom_text"}}},
	}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	seller, other := retentiontest.SellerID(), retentiontest.SellerID()
	shipped := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	due, kept := retentiontest.OrderID(), retentiontest.OrderID()
	for _, o := range []struct {
		seller, id string
		at         time.Time
	}{{seller, due, shipped}, {seller, kept, shipped.Add(10 * 24 * time.Hour)}, {other, due, shipped.Add(10 * 24 * time.Hour)}} {
		if _, err := pool.Exec(ctx, `INSERT INTO erp.orders VALUES ($1, $2, '\x01', '\x02', 3)`, o.seller, o.id); err != nil {
			t.Fatalf("insert order: %v", err)
		}
		for _, item := range []string{"1", "2"} {
			if _, err := pool.Exec(ctx, `INSERT INTO order_items VALUES ($1, $2, $3, '\x03')`, o.seller, o.id, item); err != nil {
				t.Fatalf("insert item: %v", err)
			}
		}
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: o.seller, OrderID: o.id, Bucket: retention.ShipmentBucket(o.at), OrderedAt: o.at}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
	}

	clock := retentiontest.NewClock(shipped.Add(28 * 24 * time.Hour))
	runner, err := retention.NewRunner(retention.Config{Store: store, Recorder: &retentiontest.Recorder{}, Shredder: &retentiontest.Shredder{}, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}

	type orderRow struct {
		seller, id        string
		hasName, hasPhone bool
		items             int
	}
	var got []orderRow
	rows, err := pool.Query(ctx, `SELECT seller, amazon_order_id, buyer_name IS NOT NULL, phone IS NOT NULL, item_count FROM erp.orders`)
	if err != nil {
		t.Fatalf("read orders: %v", err)
	}
	for rows.Next() {
		var r orderRow
		if err := rows.Scan(&r.seller, &r.id, &r.hasName, &r.hasPhone, &r.items); err != nil {
			t.Fatalf("scan: %v", err)
		}
		got = append(got, r)
	}
	rows.Close()
	for _, r := range got {
		purged := r.seller == seller && r.id == due
		if r.hasName == purged || r.hasPhone == purged {
			t.Errorf("order %s of seller %s: name kept %v, phone kept %v; want both %v", r.id, r.seller, r.hasName, r.hasPhone, !purged)
		}
		if r.items != 3 {
			t.Errorf("order %s: item_count = %d, want 3 (not a configured column)", r.id, r.items)
		}
	}

	var cleared, total int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE custom_text IS NULL), count(*) FROM order_items`).Scan(&cleared, &total); err != nil {
		t.Fatalf("read items: %v", err)
	}
	if cleared != 2 || total != 6 {
		t.Errorf("order items cleared = %d of %d, want the purged order's 2 of 6", cleared, total)
	}
}

// TestRunnerConnectionKilledMidBatch terminates the runner's database
// connection while a batch is in flight, then checks that the batch was
// rolled back whole and that a restarted runner purges everything.
func TestRunnerConnectionKilledMidBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE erp_orders (seller_id text, order_id text, buyer_name bytea)`); err != nil {
		t.Fatalf("create: %v", err)
	}
	store, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{{Table: "erp_orders", Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name"}}}}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	seller := retentiontest.SellerID()
	shipped := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	for i := range 40 {
		id := retentiontest.OrderID()
		at := shipped.Add(time.Duration(i) * time.Minute)
		if _, err := pool.Exec(ctx, `INSERT INTO erp_orders VALUES ($1, $2, '\x01')`, seller, id); err != nil {
			t.Fatalf("insert: %v", err)
		}
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: seller, OrderID: id, Bucket: retention.ShipmentBucket(at), OrderedAt: at}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
	}
	clock := retentiontest.NewClock(shipped.Add(40 * 24 * time.Hour))
	recorder := &retentiontest.Recorder{}

	batches := 0
	killer := purgerFunc(func(ctx context.Context, b retention.Batch) error {
		batches++
		if batches < 2 {
			return nil
		}
		// Kill the backend holding this batch's transaction, as a crash or
		// a failover would.
		var n int
		err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'`).Scan(&n)
		if err != nil || n == 0 {
			t.Errorf("terminate the runner's backend: %d killed, %v", n, err)
		}
		return nil
	})
	runner, err := retention.NewRunner(retention.Config{Store: store, Recorder: recorder, Shredder: &retentiontest.Shredder{}, Purger: killer, Now: clock.Now, BatchSize: 10})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	rep, err := runner.RunOnce(ctx)
	if err == nil {
		t.Fatalf("RunOnce with its connection killed succeeded")
	}
	if rep.Purged[retention.ClassBuyerPII] != 10 {
		t.Errorf("purged before the kill = %d, want 10 (one committed batch)", rep.Purged[retention.ClassBuyerPII])
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM erp_orders WHERE buyer_name IS NOT NULL`).Scan(&left); err != nil {
		t.Fatalf("count: %v", err)
	}
	if left != 30 {
		t.Errorf("orders still holding data after the kill = %d, want 30 (the killed batch rolled back)", left)
	}

	restarted, err := retention.NewRunner(retention.Config{Store: store, Recorder: recorder, Shredder: &retentiontest.Shredder{}, Now: clock.Now, BatchSize: 10})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	rep, err = restarted.RunOnce(ctx)
	if err != nil {
		t.Fatalf("restarted RunOnce: %v", err)
	}
	if rep.Purged[retention.ClassBuyerPII] != 30 {
		t.Errorf("restarted runner purged %d, want 30", rep.Purged[retention.ClassBuyerPII])
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM erp_orders WHERE buyer_name IS NOT NULL`).Scan(&left); err != nil {
		t.Fatalf("count: %v", err)
	}
	if left != 0 {
		t.Errorf("orders still holding data after the restart = %d, want 0", left)
	}
	seen := make(map[string]int)
	for _, e := range recorder.Events(audit.ActionPurge) {
		if e.Reason == string(retention.ClassBuyerPII) {
			seen[e.OrderID]++
		}
	}
	if len(seen) != 40 {
		t.Errorf("purge events name %d orders, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("order %s has %d purge events, want 1", id, n)
		}
	}
}

type purgerFunc func(ctx context.Context, b retention.Batch) error

func (f purgerFunc) Purge(ctx context.Context, b retention.Batch) error { return f(ctx, b) }

// TestMigrateFillsBucketAnchors applies the bucket anchor migration to a
// database that already holds records, as one upgraded from the first
// schema would, and checks the anchors it derives and the shreds they allow.
func TestMigrateFillsBucketAnchors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	store, err := pgstore.New(pool, pgstore.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	seller := retentiontest.SellerID()
	anchor := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	moved, purged := retentiontest.OrderID(), retentiontest.OrderID()
	rec := func(order string, c retention.Class, bucket string, at time.Time) retention.Record {
		return retention.Record{SellerID: seller, OrderID: order, Class: c, Bucket: bucket, Anchor: at}
	}
	err = store.Register(ctx, []retention.Record{
		rec(retentiontest.OrderID(), retention.ClassBuyerPII, "live", anchor),
		rec(retentiontest.OrderID(), retention.ClassBuyerPII, "live", anchor.Add(time.Hour)),
		rec(retentiontest.OrderID(), retention.ClassPersonalization, "live", anchor.Add(2*time.Hour)),
		rec(moved, retention.ClassBuyerPII, "moved", anchor),
		rec(purged, retention.ClassBuyerPII, "purged", anchor),
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := store.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: moved, Anchor: anchor, Bucket: "elsewhere"}); err != nil {
		t.Fatalf("Reanchor: %v", err)
	}
	if _, err := store.Purge(ctx, retention.Selector{Class: retention.ClassBuyerPII, OrderIDs: []string{purged}, SellerID: seller}, anchor, 10, "test-runner", nil); err != nil {
		t.Fatalf("Purge: %v", err)
	}

	// Back to the first schema, with the records in place.
	_, err = pool.Exec(ctx, `DROP TABLE retention_bucket_anchors; DELETE FROM retention_schema_version WHERE version >= 2`)
	if err != nil {
		t.Fatalf("downgrade: %v", err)
	}
	var before, after time.Time
	if err := pool.QueryRow(ctx, `SELECT now()`).Scan(&before); err != nil {
		t.Fatalf("read clock: %v", err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate an existing database: %v", err)
	}
	if err := pool.QueryRow(ctx, `SELECT now()`).Scan(&after); err != nil {
		t.Fatalf("read clock: %v", err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}

	got := make(map[string]time.Time)
	rows, err := pool.Query(ctx, `SELECT bucket, class, last_anchor FROM retention_bucket_anchors WHERE seller_id = $1`, seller)
	if err != nil {
		t.Fatalf("read anchors: %v", err)
	}
	for rows.Next() {
		var bucket, class string
		var last time.Time
		if err := rows.Scan(&bucket, &class, &last); err != nil {
			t.Fatalf("scan anchors: %v", err)
		}
		got[bucket+"/"+class] = last.UTC()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatalf("read anchors: %v", err)
	}
	wantExact := map[string]time.Time{
		"live/buyer_pii":       anchor.Add(time.Hour),
		"live/personalization": anchor.Add(2 * time.Hour),
		"elsewhere/buyer_pii":  anchor,
	}
	for key, want := range wantExact {
		if !got[key].Equal(want) {
			t.Errorf("anchor %s = %v, want %v", key, got[key], want)
		}
	}
	// The bucket emptied by re-anchoring has no record left, so the
	// migration time is used as its anchors.
	for _, key := range []string{"moved/buyer_pii", "moved/personalization"} {
		if at, ok := got[key]; !ok || at.Before(before) || at.After(after) {
			t.Errorf("anchor %s = %v (present %v), want the migration time, between %v and %v", key, at, ok, before, after)
		}
	}
	if at, ok := got["purged/buyer_pii"]; ok {
		t.Errorf("purged bucket got anchor %v, want none (a purge already makes it shreddable)", at)
	}
	if len(got) != len(wantExact)+2 {
		t.Errorf("anchors = %v, want %d", got, len(wantExact)+2)
	}

	policy := retention.DefaultPolicy()
	refs, err := store.Shred(ctx, before, policy.Cutoffs(before), 100, "test-runner", nil)
	if err != nil {
		t.Fatalf("Shred: %v", err)
	}
	want := []retention.BucketRef{{SellerID: seller, Bucket: "purged"}}
	if !slices.Equal(refs, want) {
		t.Errorf("shred at the migration = %v, want %v", refs, want)
	}
	rule, _ := policy.Rule(retention.ClassBuyerPII)
	later := rule.Due(after)
	refs, err = store.Shred(ctx, later, policy.Cutoffs(later), 100, "test-runner", nil)
	if err != nil {
		t.Fatalf("Shred: %v", err)
	}
	want = []retention.BucketRef{{SellerID: seller, Bucket: "moved"}}
	if !slices.Equal(refs, want) {
		t.Errorf("shred once PII anchored at the migration is due = %v, want %v", refs, want)
	}
}
