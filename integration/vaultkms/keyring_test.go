package vaultkms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/integration/transit"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
	"github.com/hidemont/spkit/vaultkms/pgkeystore"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	kek := newTransitKEK(t, srv, "transit", nil)
	ring := newKeyring(t, vaultkms.Config{KEK: kek})
	ctx := context.Background()
	f := gofakeit.New(1)
	bind := newBinding(f, "A1SYNTHETIC")
	addr := []byte(f.Street())

	ct, err := ring.Seal(ctx, "2026-12-04", bind, addr)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	got, err := ring.Open(ctx, "2026-12-04", bind, ct)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, addr) {
		t.Fatal("Open returned other bytes than were sealed")
	}
	if n := srv.CallCount(transit.OpWrite, "transit/encrypt/kek"); n != 1 {
		t.Errorf("encrypt calls = %d, want 1 (the keyset creation)", n)
	}

	// A fresh keyring over the same store unwraps the keyset with one call.
	st := ring.Stats()
	if st.KEKCalls() != 1 {
		t.Errorf("keyring KEK calls = %d, want 1", st.KEKCalls())
	}
}

func TestWrongBindingFails(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	ring := newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil)})
	ctx := context.Background()
	f := gofakeit.New(2)
	bind := newBinding(f, "A1SYNTHETIC")
	ct, err := ring.Seal(ctx, "b1", bind, []byte(f.Name()))
	if err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]pii.Binding{
		"row":    {Seller: bind.Seller, Table: bind.Table, Column: bind.Column, RowID: f.UUID()},
		"column": {Seller: bind.Seller, Table: bind.Table, Column: "buyer_name", RowID: bind.RowID},
		"table":  {Seller: bind.Seller, Table: "returns", Column: bind.Column, RowID: bind.RowID},
	} {
		if _, err := ring.Open(ctx, "b1", other, ct); !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Errorf("%s moved: Open = %v, want ErrDecrypt", name, err)
		}
	}
	if _, err := ring.Seal(ctx, "b2", bind, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Open(ctx, "b2", bind, ct); !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Errorf("bucket moved: Open = %v, want ErrDecrypt", err)
	}
}

func TestWrappedKeysetBoundToBucket(t *testing.T) {
	t.Parallel()
	// Transit authenticates the associated data: a wrapped keyset copied to
	// another bucket's record does not unwrap.
	srv := startTransit(t, transit.Options{}, "")
	store := vaultkms.NewMemoryKeyStore()
	ring := newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil), Store: store})
	ctx := context.Background()
	bind := newBinding(gofakeit.New(3), "A1SYNTHETIC")
	ct, err := ring.Seal(ctx, "b1", bind, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Get(ctx, bind.Seller, "b1")
	if err != nil {
		t.Fatal(err)
	}
	rec.Bucket = "b2"
	if _, err := store.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	_, err = ring.Open(ctx, "b2", bind, ct)
	if !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Fatalf("Open through a keyset copied to another bucket: %v, want ErrDecrypt", err)
	}
	if n := srv.CallCount(transit.OpWrite, "transit/decrypt/kek"); n != 1 {
		t.Errorf("decrypt calls = %d, want 1 (rejected by Transit)", n)
	}
}

func TestRotationAndMinDecryptionVersion(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	kek := newTransitKEK(t, srv, "transit", nil)
	store := vaultkms.NewMemoryKeyStore()
	ring := newKeyring(t, vaultkms.Config{KEK: kek, Store: store})
	ctx := context.Background()
	f := gofakeit.New(4)
	bind := newBinding(f, "A1SYNTHETIC")
	cts := map[string][]byte{}
	for i := range 5 {
		bucket := fmt.Sprintf("b%d", i)
		ct, err := ring.Seal(ctx, bucket, bind, []byte(f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cts[bucket] = ct
	}
	backup := store.Backup()

	rot, err := ring.RotateKEK(ctx)
	if err != nil {
		t.Fatalf("RotateKEK: %v", err)
	}
	if rot.Version != 2 || rot.Rewrapped != 5 {
		t.Fatalf("RotateKEK = %+v, want version 2 and 5 rewrapped", rot)
	}
	v, err := kek.KeyVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Latest != 2 || v.MinDecryption != 2 {
		t.Fatalf("key versions = %+v, want latest 2 and min_decryption_version 2", v)
	}
	// Rewrapped keysets open every field in a fresh keyring.
	fresh := newKeyring(t, vaultkms.Config{KEK: kek, Store: store})
	for bucket, ct := range cts {
		if _, err := fresh.Open(ctx, bucket, bind, ct); err != nil {
			t.Fatalf("Open %s after rotation: %v", bucket, err)
		}
	}

	// Keysets wrapped by version 1, as in a backup, are refused.
	old := vaultkms.NewMemoryKeyStore()
	for _, w := range backup {
		if _, err := old.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	stale := newKeyring(t, vaultkms.Config{KEK: kek, Store: old})
	if _, err := stale.Open(ctx, "b0", bind, cts["b0"]); !errors.Is(err, vaultkms.ErrVersionTooOld) {
		t.Fatalf("Open through a keyset wrapped before rotation: %v, want ErrVersionTooOld", err)
	}
}

func TestKeysetRotationAndReseal(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	ring := newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil)})
	ctx := context.Background()
	f := gofakeit.New(5)
	var fields []vaultkms.Field
	for range 3 {
		bind := newBinding(f, "A1SYNTHETIC")
		ct, err := ring.Seal(ctx, "b1", bind, []byte(f.Phone()))
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, vaultkms.Field{Binding: bind, Ciphertext: ct})
	}
	newKey, err := ring.RotateKeyset(ctx, "A1SYNTHETIC", "b1")
	if err != nil {
		t.Fatalf("RotateKeyset: %v", err)
	}
	res, err := ring.Reseal(ctx, "b1", fields)
	if err != nil {
		t.Fatalf("Reseal: %v", err)
	}
	for i, r := range res {
		if r.Err != nil || !r.Changed {
			t.Fatalf("Reseal field %d: changed %v, %v", i, r.Changed, r.Err)
		}
		h, err := vaultkms.ParseFieldHeader(r.Ciphertext)
		if err != nil || h.KeyID != newKey {
			t.Fatalf("resealed field %d key ID = %d, %v; want %d", i, h.KeyID, err, newKey)
		}
	}
}

func TestShredReachesBackup(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	kek := newTransitKEK(t, srv, "transit", nil)
	store := vaultkms.NewMemoryKeyStore()
	ring := newKeyring(t, vaultkms.Config{BucketKEKs: kek, Store: store})
	ctx := context.Background()
	f := gofakeit.New(6)
	bind := newBinding(f, "A1SYNTHETIC")
	ct, err := ring.Seal(ctx, "2026-11-04", bind, []byte(f.Name()))
	if err != nil {
		t.Fatal(err)
	}
	keep, err := ring.Seal(ctx, "2026-12-04", bind, []byte(f.Name()))
	if err != nil {
		t.Fatal(err)
	}
	backup := store.Backup() // taken before the shred

	if err := ring.Shred(ctx, bind.Seller, "2026-11-04"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	if _, err := ring.Open(ctx, "2026-11-04", bind, ct); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Open after Shred: %v, want ErrShredded", err)
	}
	// Restore the backup into a new store and a new process.
	restored := vaultkms.NewMemoryKeyStore()
	for _, w := range backup {
		if _, err := restored.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	again := newKeyring(t, vaultkms.Config{BucketKEKs: newTransitKEK(t, srv, "transit", nil), Store: restored})
	if _, err := again.Open(ctx, "2026-11-04", bind, ct); !errors.Is(err, vaultkms.ErrKeyNotFound) {
		t.Fatalf("Open from the backup after Shred: %v, want ErrKeyNotFound", err)
	}
	// The other bucket's key was not touched.
	if _, err := again.Open(ctx, "2026-12-04", bind, keep); err != nil {
		t.Fatalf("Open of the kept bucket from the backup: %v", err)
	}
	// Shredding again, or shredding a bucket that never had a key, succeeds.
	if err := ring.Shred(ctx, bind.Seller, "2026-11-04"); err != nil {
		t.Fatalf("second Shred: %v", err)
	}
	if err := ring.Shred(ctx, bind.Seller, "2026-10-01"); err != nil {
		t.Fatalf("Shred of a bucket without a key: %v", err)
	}

	deletes := 0
	for _, c := range srv.Calls() {
		if c.Operation == transit.OpDelete && strings.HasPrefix(c.Path, "transit/keys/kek-bucket-") {
			deletes++
		}
	}
	if deletes != 1 {
		t.Errorf("Transit key deletions = %d, want 1", deletes)
	}
}

func TestVaultUnavailableThenBack(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	ring := newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil)})
	ctx := context.Background()
	f := gofakeit.New(7)
	bind := newBinding(f, "A1SYNTHETIC")
	warm, err := ring.Seal(ctx, "warm", bind, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}

	for _, fault := range []struct {
		name       string
		down, back func()
	}{
		{"stopped", srv.Stop, func() {
			if err := srv.Restart(); err != nil {
				t.Fatalf("Restart: %v", err)
			}
		}},
		{"sealed", srv.Seal, srv.Unseal},
	} {
		fault.down()
		bucket := "cold-" + fault.name
		ct, err := ring.Seal(ctx, bucket, bind, []byte(f.Name()))
		if !errors.Is(err, vaultkms.ErrUnavailable) || !vaultkms.IsRetryable(err) {
			t.Fatalf("%s: Seal of a new bucket = %v, want retryable ErrUnavailable", fault.name, err)
		}
		if ct != nil {
			t.Fatalf("%s: Seal returned %d bytes with the error", fault.name, len(ct))
		}
		if _, err := ring.Open(ctx, "warm", bind, warm); err != nil {
			t.Fatalf("%s: Open of a cached bucket: %v", fault.name, err)
		}

		fault.back()
		if _, err := ring.Seal(ctx, bucket, bind, []byte("v")); err != nil {
			t.Fatalf("%s: Seal after Vault came back: %v", fault.name, err)
		}
	}
}

func TestTokenRenewalAndRelogin(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := startTransit(t, transit.Options{Now: clock.Now, LoginTTL: time.Hour}, "")
	roleID, secretID := srv.AppRoleCredentials()
	short := srv.NewToken(time.Minute)
	kek := newTransitKEK(t, srv, "transit", func(c *vaultkms.TransitConfig) {
		c.Token = short
		c.Auth = appRole{roleID, secretID}
		c.Now = clock.Now
	})
	ring := newKeyring(t, vaultkms.Config{KEK: kek, MaxAge: time.Second, Now: clock.Now})
	ctx := context.Background()
	bind := newBinding(gofakeit.New(8), "A1SYNTHETIC")

	if _, err := ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := kek.Stats().Logins; got != 0 {
		t.Fatalf("logins with a valid token = %d, want 0", got)
	}

	// The configured token expires, so Vault returns 403 and the KEK logs in.
	clock.Advance(2 * time.Minute)
	if _, err := ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal after the token expired: %v", err)
	}
	if got := kek.Stats().Logins; got != 1 {
		t.Fatalf("logins after expiry = %d, want 1", got)
	}

	// The login token is renewed when two thirds of its hour have passed.
	clock.Advance(45 * time.Minute)
	if _, err := ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal near the end of the login token's TTL: %v", err)
	}
	if got := kek.Stats().Renewals; got != 1 {
		t.Fatalf("renewals = %d, want 1", got)
	}
	if n := srv.CallCount(transit.OpWrite, "auth/token/renew-self"); n != 1 {
		t.Fatalf("renew-self calls = %d, want 1", n)
	}
	if got := kek.Stats().Logins; got != 1 {
		t.Fatalf("logins after renewal = %d, want still 1", got)
	}
}

func TestNamespaceAndNestedMount(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{Namespaces: []string{"team-a"}, Mounts: []string{"transit", "teams/billing/transit"}},
		"team-a", "teams/billing/transit")
	kek := newTransitKEK(t, srv, "teams/billing/transit", func(c *vaultkms.TransitConfig) { c.Namespace = "team-a" })
	store := vaultkms.NewMemoryKeyStore()
	ring := newKeyring(t, vaultkms.Config{KEK: kek, Store: store})
	ctx := context.Background()
	bind := newBinding(gofakeit.New(9), "A1SYNTHETIC")
	ct, err := ring.Seal(ctx, "b1", bind, []byte("v"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	ring.Flush()
	if _, err := ring.Open(ctx, "b1", bind, ct); err != nil {
		t.Fatalf("Open: %v", err)
	}
	for _, c := range srv.Calls() {
		if c.Namespace != "team-a" || !strings.HasPrefix(c.Path, "teams/billing/transit/") {
			t.Errorf("call %+v outside namespace team-a and the nested mount", c)
		}
	}

	// The same mount path in the root namespace is another engine.
	root := newTransitKEK(t, srv, "teams/billing/transit", nil)
	other := newKeyring(t, vaultkms.Config{KEK: root, Store: store})
	if _, err := other.Open(ctx, "b1", bind, ct); err == nil {
		t.Fatal("Open through the root namespace succeeded, want an error")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	ring := newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil), MaxMessages: 100})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			f := gofakeit.New(uint64(100 + g))
			for i := range 150 {
				bucket := fmt.Sprintf("b%d", i%5)
				bind := newBinding(f, "A1SYNTHETIC")
				v := []byte(f.Email())
				ct, err := ring.Seal(ctx, bucket, bind, v)
				if bucket == "b4" && errors.Is(err, vaultkms.ErrShredded) {
					continue
				}
				if err != nil {
					t.Errorf("Seal: %v", err)
					return
				}
				got, err := ring.Open(ctx, bucket, bind, ct)
				if bucket == "b4" && errors.Is(err, vaultkms.ErrShredded) {
					continue
				}
				if err != nil || !bytes.Equal(got, v) {
					t.Errorf("Open: %v", err)
					return
				}
				if _, err := ring.BlindIndex(ctx, "A1SYNTHETIC", pii.KindEmail, v); err != nil {
					t.Errorf("BlindIndex: %v", err)
					return
				}
				if g == 0 && i == 75 {
					if err := ring.Shred(ctx, "A1SYNTHETIC", "b4"); err != nil {
						t.Errorf("Shred: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
	st := ring.Stats()
	if st.Evictions == 0 {
		t.Errorf("no evictions with MaxMessages 100; the refill path was not exercised")
	}
}

func TestTwoProcessesOneBucket(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	if err := pgkeystore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// Two processes: separate KEK clients, keyrings and caches over one
	// database.
	rings := []*vaultkms.Keyring{
		newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil), Store: pgkeystore.New(pool)}),
		newKeyring(t, vaultkms.Config{KEK: newTransitKEK(t, srv, "transit", nil), Store: pgkeystore.New(pool)}),
	}
	f := gofakeit.New(10)
	const buckets = 10
	type sealed struct {
		bucket string
		bind   pii.Binding
		ct     []byte
	}
	var mu sync.Mutex
	var all []sealed
	var wg sync.WaitGroup
	for i := range buckets {
		for _, ring := range rings {
			bind := newBinding(f, "A1SYNTHETIC")
			wg.Go(func() {
				bucket := fmt.Sprintf("2026-12-%02d", i+1)
				ct, err := ring.Seal(ctx, bucket, bind, []byte("synthetic"))
				if err != nil {
					t.Errorf("Seal %s: %v", bucket, err)
					return
				}
				mu.Lock()
				all = append(all, sealed{bucket, bind, ct})
				mu.Unlock()
			})
		}
	}
	wg.Wait()

	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM vaultkms_keysets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != buckets {
		t.Fatalf("%d keysets stored for %d buckets, want one each", n, buckets)
	}
	for _, s := range all {
		for j, ring := range rings {
			if _, err := ring.Open(ctx, s.bucket, s.bind, s.ct); err != nil {
				t.Errorf("process %d opening %s: %v", j, s.bucket, err)
			}
		}
	}
	// A shred in one process reaches the other at its next cache fill.
	if err := rings[0].Shred(ctx, "A1SYNTHETIC", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	rings[1].Forget("A1SYNTHETIC", "2026-12-01")
	for _, s := range all {
		if s.bucket != "2026-12-01" {
			continue
		}
		if _, err := rings[1].Open(ctx, s.bucket, s.bind, s.ct); !errors.Is(err, vaultkms.ErrShredded) {
			t.Fatalf("Open in the other process after Shred: %v, want ErrShredded", err)
		}
	}
}

func TestWarmBatchesAgainstTransit(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	kek := newTransitKEK(t, srv, "transit", nil)
	store := vaultkms.NewMemoryKeyStore()
	ring := newKeyring(t, vaultkms.Config{KEK: kek, Store: store})
	ctx := context.Background()
	bind := newBinding(gofakeit.New(11), "A1SYNTHETIC")
	var refs []vaultkms.BucketRef
	for i := range 30 {
		bucket := fmt.Sprintf("b%02d", i)
		if _, err := ring.Seal(ctx, bucket, bind, []byte("v")); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, vaultkms.BucketRef{Seller: bind.Seller, Bucket: bucket})
	}
	srv.ResetCalls()
	warm := newKeyring(t, vaultkms.Config{KEK: kek, Store: store, BatchSize: 12})
	n, err := warm.Warm(ctx, refs)
	if err != nil || n != 30 {
		t.Fatalf("Warm = %d, %v; want 30", n, err)
	}
	if got := srv.CallCount(transit.OpWrite, "transit/decrypt/kek"); got != 3 {
		t.Fatalf("decrypt calls = %d, want 3 batches", got)
	}
	for _, r := range refs {
		if _, err := warm.Seal(ctx, r.Bucket, bind, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if got := transitCalls(srv); got != 3 {
		t.Fatalf("Transit calls after sealing into warm buckets = %d, want 3", got)
	}
}

func TestSlowAndFlakyVault(t *testing.T) {
	t.Parallel()
	srv := startTransit(t, transit.Options{}, "")
	kek := newTransitKEK(t, srv, "transit", func(c *vaultkms.TransitConfig) { c.Timeout = 100 * time.Millisecond; c.MaxAttempts = 2 })
	ring := newKeyring(t, vaultkms.Config{KEK: kek})
	ctx := context.Background()
	bind := newBinding(gofakeit.New(12), "A1SYNTHETIC")

	// A 503 is retried within the attempts of one call.
	if err := srv.FailNext(1, 503); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal after one 503: %v", err)
	}
	if got := kek.Stats().Retries; got != 1 {
		t.Errorf("retries = %d, want 1", got)
	}

	// A Vault slower than the timeout is unavailable, then recovers.
	srv.SetLatency(500 * time.Millisecond)
	_, err := ring.Seal(ctx, "b2", bind, []byte("v"))
	if !errors.Is(err, vaultkms.ErrUnavailable) {
		t.Fatalf("Seal with a slow Vault: %v, want ErrUnavailable", err)
	}
	srv.SetLatency(0)
	if _, err := ring.Seal(ctx, "b2", bind, []byte("v")); err != nil {
		t.Fatalf("Seal after the latency cleared: %v", err)
	}

	// 429 is retried too; 400 is not.
	if err := srv.FailNext(1, 429); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Seal(ctx, "b3", bind, []byte("v")); err != nil {
		t.Fatalf("Seal after one 429: %v", err)
	}
	if err := srv.FailNext(1, 400); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Seal(ctx, "b4", bind, []byte("v")); err == nil || vaultkms.IsRetryable(err) {
		t.Fatalf("Seal after a 400: %v, want a non-retryable error", err)
	}
}
