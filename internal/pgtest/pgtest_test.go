package pgtest_test

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/internal/pgtest"
)

func TestPoolRoundTrip(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()

	if _, err := pool.Exec(ctx, `CREATE TABLE item (id bigint PRIMARY KEY, sku text NOT NULL)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO item (id, sku) VALUES ($1, $2)`, 1, "WALLET-BRN/01"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var sku string
	if err := pool.QueryRow(ctx, `SELECT sku FROM item WHERE id = $1`, 1).Scan(&sku); err != nil {
		t.Fatalf("select: %v", err)
	}
	if sku != "WALLET-BRN/01" {
		t.Errorf("sku = %q, want %q", sku, "WALLET-BRN/01")
	}
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	a := pgtest.NewPool(t)
	b := pgtest.NewPool(t)
	ctx := context.Background()

	if _, err := a.Exec(ctx, `CREATE TABLE only_in_a (id int)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	var found bool
	err := b.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'only_in_a')`).Scan(&found)
	if err != nil {
		t.Fatalf("query catalog: %v", err)
	}
	if found {
		t.Error("table created in one test database is visible in another")
	}
}
