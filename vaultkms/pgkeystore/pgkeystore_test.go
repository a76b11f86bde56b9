package pgkeystore_test

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/vaultkms"
	"github.com/hidemont/spkit/vaultkms/keystoretest"
	"github.com/hidemont/spkit/vaultkms/pgkeystore"
)

func newStore(t *testing.T) *pgkeystore.Store {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgkeystore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return pgkeystore.New(pool)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, func(t *testing.T) vaultkms.KeyStore { return newStore(t) })
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- pgkeystore.Migrate(ctx, pool) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
}

func TestShredClearsWrappedBytes(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	if err := pgkeystore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s := pgkeystore.New(pool)
	if _, err := s.Create(ctx, vaultkms.WrappedKeyset{Seller: "A1", Bucket: "b", KeysetID: 9, Wrapped: []byte("secret-ish")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shred(ctx, "A1", "b"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM vaultkms_keysets WHERE wrapped IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows still hold wrapped bytes after Shred", n)
	}
}

func TestKeyringOverPostgres(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	if err := pgkeystore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	kek := vaultkms.NewInsecureLocalKEK()
	rings := make([]*vaultkms.Keyring, 2)
	for i := range rings {
		r, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: pgkeystore.New(pool)})
		if err != nil {
			t.Fatal(err)
		}
		rings[i] = r
	}
	// Both keyrings create the bucket at once and must agree on one keyset.
	type result struct {
		ct  []byte
		err error
	}
	results := make(chan result, 2)
	for _, r := range rings {
		go func() {
			ct, err := r.Seal(ctx, "b1", bindingFor("row-1"), []byte("v"))
			results <- result{ct, err}
		}()
	}
	var cts [][]byte
	for range 2 {
		res := <-results
		if res.err != nil {
			t.Fatalf("Seal: %v", res.err)
		}
		cts = append(cts, res.ct)
	}
	for i, ct := range cts {
		for j, r := range rings {
			if _, err := r.Open(ctx, "b1", bindingFor("row-1"), ct); err != nil {
				t.Errorf("keyring %d opening the ciphertext of keyring %d: %v", j, i, err)
			}
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM vaultkms_keysets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d keysets stored, want 1", n)
	}
}
