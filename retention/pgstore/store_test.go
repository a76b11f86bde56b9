package pgstore_test

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/retention/retentiontest"
)

func newStore(t *testing.T, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s, err := pgstore.New(pool, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	retentiontest.Run(t, func(t *testing.T) retention.Store { return newStore(t, pgstore.Options{}) })
}
