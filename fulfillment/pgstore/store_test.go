package pgstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/fulfillmenttest"
	"github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/internal/pgtest"
)

func newStore(t *testing.T) *pgstore.Store {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return pgstore.New(pool)
}

func TestStore(t *testing.T) {
	t.Parallel()
	fulfillmenttest.RunStoreTests(t, func(t *testing.T) fulfillment.Store { return newStore(t) })
}

func TestMigrateTwiceConcurrently(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- pgstore.Migrate(context.Background(), pool) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Errorf("Migrate on a migrated database: %v", err)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM fulfillment_schema_migrations").Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if n != 1 {
		t.Errorf("fulfillment_schema_migrations has %d rows, want 1", n)
	}
}

func TestStoreWithoutMigrate(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.NewPool(t))
	_, err := s.Cursor(context.Background(), "A1SELLERTEST01", "ATVPDKIKX0DER")
	if err == nil || !strings.Contains(err.Error(), "Migrate") {
		t.Errorf("Cursor before Migrate: err = %v, want one that names Migrate", err)
	}
}
