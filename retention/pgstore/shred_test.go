package pgstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/retention/retentiontest"
	"github.com/hidemont/spkit/vaultkms"
	"github.com/hidemont/spkit/vaultkms/pgkeystore"
)

// backupRow is one row of erp_orders as a backup holds it.
type backupRow struct {
	orderID string
	name    pii.Envelope
}

func readOrders(t *testing.T, pool *pgxpool.Pool, table string) []backupRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT order_id, buyer_name FROM `+table+` ORDER BY order_id`)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	var out []backupRow
	for rows.Next() {
		var r backupRow
		if err := rows.Scan(&r.orderID, &r.name); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}

// TestShredMakesBackupUnreadable seals buyer names with vaultkms under the
// shipment-day bucket and copies the rows and the key store as a backup
// would. After the purge the copies must no longer open, while an order of
// another day still does.
func TestShredMakesBackupUnreadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := pgkeystore.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgkeystore.Migrate: %v", err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE erp_orders (seller_id text, order_id text, buyer_name bytea, PRIMARY KEY (seller_id, order_id))`); err != nil {
		t.Fatalf("create erp_orders: %v", err)
	}
	bucketKEKs := vaultkms.NewInsecureLocalBucketKEKs()
	keys := pgkeystore.New(pool)
	newRing := func() *vaultkms.Keyring {
		ring, err := vaultkms.New(vaultkms.Config{BucketKEKs: bucketKEKs, Store: keys})
		if err != nil {
			t.Fatalf("vaultkms.New: %v", err)
		}
		t.Cleanup(ring.Flush)
		return ring
	}
	ring := newRing()

	seller := retentiontest.SellerID()
	shipped := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	later := shipped.Add(3 * 24 * time.Hour)
	binding := func(order string) pii.Binding {
		return pii.Binding{Seller: seller, Table: "erp_orders", Column: "buyer_name", RowID: order}
	}

	// Three orders shipped on one day, one three days later.
	var dueOrders []string
	var laterOrder string
	for i := range 4 {
		order := retentiontest.OrderID()
		at := shipped.Add(time.Duration(i) * time.Hour)
		if i == 3 {
			at, laterOrder = later, order
		} else {
			dueOrders = append(dueOrders, order)
		}
		bucket := retention.ShipmentBucket(at)
		name, err := pii.NewBuyerName(gofakeit.Name())
		if err != nil {
			t.Fatalf("NewBuyerName: %v", err)
		}
		env, err := pii.Seal(ctx, ring, bucket, binding(order), name)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO erp_orders VALUES ($1, $2, $3)`, seller, order, env); err != nil {
			t.Fatalf("insert order: %v", err)
		}
		store, err := pgstore.New(pool, pgstore.Options{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: seller, OrderID: order, Bucket: bucket, OrderedAt: at.Add(-time.Hour)}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
		if _, err := retention.MarkShipped(ctx, store, seller, order, at, bucket); err != nil {
			t.Fatalf("MarkShipped: %v", err)
		}
	}

	// The backup: the order rows and the key store, copied before the purge.
	for _, q := range []string{
		`CREATE TABLE erp_orders_backup AS SELECT * FROM erp_orders`,
		`CREATE TABLE keysets_backup AS SELECT * FROM vaultkms_keysets`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("backup: %v", err)
		}
	}
	backup := readOrders(t, pool, "erp_orders_backup")
	for _, r := range backup {
		if _, err := pii.Open[pii.BuyerName](ctx, ring, binding(r.orderID), r.name); err != nil {
			t.Fatalf("open backup row before the purge: %v", err)
		}
	}

	store, err := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{{
		Table:   "erp_orders",
		Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name"}},
	}}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := retentiontest.NewClock(shipped.Add(29 * 24 * time.Hour))
	runner, err := retention.NewRunner(retention.Config{
		Store: store, Recorder: &retentiontest.Recorder{}, Shredder: ring, Now: clock.Now,
	})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	rep, err := runner.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if rep.Purged[retention.ClassBuyerPII] != 3 {
		t.Errorf("purged %d buyer_pii records, want 3", rep.Purged[retention.ClassBuyerPII])
	}
	want := retention.BucketRef{SellerID: seller, Bucket: retention.ShipmentBucket(shipped)}
	if len(rep.Shredded) != 1 || rep.Shredded[0] != want {
		t.Fatalf("shredded %v, want [%v]", rep.Shredded, want)
	}

	// The live rows are cleared; the later order is untouched.
	for _, r := range readOrders(t, pool, "erp_orders") {
		if !slices.Contains(dueOrders, r.orderID) {
			if _, err := pii.Open[pii.BuyerName](ctx, ring, binding(r.orderID), r.name); err != nil {
				t.Errorf("open the order of the later day: %v", err)
			}
			continue
		}
		if !r.name.IsZero() {
			t.Errorf("order %s still holds a sealed buyer name after the purge", r.orderID)
		}
	}

	// The backup rows no longer open, in this process or in a new one.
	fresh := newRing()
	for _, r := range backup {
		if r.orderID == laterOrder {
			continue
		}
		for name, s := range map[string]*vaultkms.Keyring{"same keyring": ring, "new keyring": fresh} {
			if _, err := pii.Open[pii.BuyerName](ctx, s, binding(r.orderID), r.name); err == nil {
				t.Errorf("%s opened a backup row of order %s after its bucket was shredded", name, r.orderID)
			}
		}
	}

	// Nor do they with the key store restored from the backup, because the
	// bucket's KEK is gone too.
	restored := vaultkms.NewMemoryKeyStore()
	rows, err := pool.Query(ctx, `SELECT seller, bucket, keyset_id, wrapped, revision, created_at, updated_at FROM keysets_backup`)
	if err != nil {
		t.Fatalf("read keysets_backup: %v", err)
	}
	for rows.Next() {
		var w vaultkms.WrappedKeyset
		var id int64
		if err := rows.Scan(&w.Seller, &w.Bucket, &id, &w.Wrapped, &w.Revision, &w.CreatedAt, &w.UpdatedAt); err != nil {
			t.Fatalf("scan keysets_backup: %v", err)
		}
		w.KeysetID = uint32(id)
		if _, err := restored.Create(ctx, w); err != nil {
			t.Fatalf("restore keyset: %v", err)
		}
	}
	rows.Close()
	fromBackup, err := vaultkms.New(vaultkms.Config{BucketKEKs: bucketKEKs, Store: restored})
	if err != nil {
		t.Fatalf("vaultkms.New: %v", err)
	}
	t.Cleanup(fromBackup.Flush)
	for _, r := range backup {
		_, err := pii.Open[pii.BuyerName](ctx, fromBackup, binding(r.orderID), r.name)
		if r.orderID == laterOrder {
			if err != nil {
				t.Errorf("restored key store: open the later order: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("restored key store opened a backup row of order %s after its bucket was shredded", r.orderID)
		}
	}
}

// TestShredOpenBucketMakesBackupUnreadable seals buyer names under the open
// bucket of their order day and copies the rows as a backup would. Then the
// orders ship and their names are re-sealed under the shipment bucket, which
// empties the open bucket without a purge. At the orders' original due time
// the open bucket's key is shredded: the backup copies no longer open, and
// the live rows, not yet due, still do.
func TestShredOpenBucketMakesBackupUnreadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE erp_orders (seller_id text, order_id text, buyer_name bytea, PRIMARY KEY (seller_id, order_id))`); err != nil {
		t.Fatalf("create erp_orders: %v", err)
	}
	ring, err := vaultkms.New(vaultkms.Config{BucketKEKs: vaultkms.NewInsecureLocalBucketKEKs(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		t.Fatalf("vaultkms.New: %v", err)
	}
	t.Cleanup(ring.Flush)
	store, err := pgstore.New(pool, pgstore.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	seller := retentiontest.SellerID()
	ordered := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	shipped := ordered.Add(5 * 24 * time.Hour)
	openBucket := retention.OpenBucket(ordered)
	binding := func(order string) pii.Binding {
		return pii.Binding{Seller: seller, Table: "erp_orders", Column: "buyer_name", RowID: order}
	}
	orders := []string{retentiontest.OrderID(), retentiontest.OrderID()}
	names := make(map[string]pii.BuyerName)
	for i, order := range orders {
		name, err := pii.NewBuyerName(gofakeit.Name())
		if err != nil {
			t.Fatalf("NewBuyerName: %v", err)
		}
		names[order] = name
		env, err := pii.Seal(ctx, ring, openBucket, binding(order), name)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO erp_orders VALUES ($1, $2, $3)`, seller, order, env); err != nil {
			t.Fatalf("insert order: %v", err)
		}
		at := ordered.Add(time.Duration(i) * time.Hour)
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: seller, OrderID: order, Bucket: openBucket, OrderedAt: at}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
	}

	// The backup, taken before the orders ship.
	if _, err := pool.Exec(ctx, `CREATE TABLE erp_orders_backup AS SELECT * FROM erp_orders`); err != nil {
		t.Fatalf("backup: %v", err)
	}
	backup := readOrders(t, pool, "erp_orders_backup")

	// Shipping re-seals each name under the shipment bucket.
	shipBucket := retention.ShipmentBucket(shipped)
	for _, order := range orders {
		env, err := pii.Seal(ctx, ring, shipBucket, binding(order), names[order])
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if _, err := pool.Exec(ctx, `UPDATE erp_orders SET buyer_name = $3 WHERE seller_id = $1 AND order_id = $2`, seller, order, env); err != nil {
			t.Fatalf("re-seal order: %v", err)
		}
		if _, err := retention.MarkShipped(ctx, store, seller, order, shipped, shipBucket); err != nil {
			t.Fatalf("MarkShipped: %v", err)
		}
	}

	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	clock := retentiontest.NewClock(rule.Due(ordered.Add(time.Hour)))
	runner, err := retention.NewRunner(retention.Config{
		Store: store, Recorder: &retentiontest.Recorder{}, Shredder: ring, Now: clock.Now,
	})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	rep, err := runner.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	want := []retention.BucketRef{{SellerID: seller, Bucket: openBucket}}
	if !slices.Equal(rep.Shredded, want) {
		t.Fatalf("shredded %v, want %v", rep.Shredded, want)
	}
	if rep.Purged[retention.ClassBuyerPII] != 0 {
		t.Errorf("purged %d buyer_pii records, want 0 (shipped orders are not due)", rep.Purged[retention.ClassBuyerPII])
	}

	for _, r := range backup {
		if _, err := pii.Open[pii.BuyerName](ctx, ring, binding(r.orderID), r.name); err == nil {
			t.Errorf("opened the backup row of order %s after its open bucket was shredded", r.orderID)
		}
	}
	for _, r := range readOrders(t, pool, "erp_orders") {
		got, err := pii.Open[pii.BuyerName](ctx, ring, binding(r.orderID), r.name)
		if err != nil {
			t.Errorf("open the live row of order %s: %v", r.orderID, err)
			continue
		}
		if got != names[r.orderID] {
			t.Errorf("live row of order %s opened to another name", r.orderID)
		}
	}
}
