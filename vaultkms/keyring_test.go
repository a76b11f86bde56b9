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
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

type bundle struct {
	kek   *countingKEK
	store *vaultkms.MemoryKeyStore
	ring  *vaultkms.Keyring
}

func setup(t *testing.T, mutate func(*vaultkms.Config)) bundle {
	t.Helper()
	b := bundle{kek: &countingKEK{KEK: vaultkms.NewInsecureLocalKEK()}, store: vaultkms.NewMemoryKeyStore()}
	cfg := vaultkms.Config{KEK: b.kek, Store: b.store}
	if mutate != nil {
		mutate(&cfg)
	}
	ring, err := vaultkms.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b.ring = ring
	return b
}

// countingKEK counts calls and can be switched off to play an unreachable
// Vault.
type countingKEK struct {
	vaultkms.KEK
	mu       sync.Mutex
	encrypts int
	decrypts int
	down     bool
}

func (c *countingKEK) setDown(down bool) {
	c.mu.Lock()
	c.down = down
	c.mu.Unlock()
}

func (c *countingKEK) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.encrypts + c.decrypts
}

func (c *countingKEK) EncryptWithContext(ctx context.Context, pt, ad []byte) ([]byte, error) {
	c.mu.Lock()
	c.encrypts++
	down := c.down
	c.mu.Unlock()
	if down {
		return nil, &vaultkms.TransitError{Op: "encrypt", Path: "transit/encrypt/kek", Err: vaultkms.ErrUnavailable}
	}
	return c.KEK.EncryptWithContext(ctx, pt, ad)
}

func (c *countingKEK) DecryptWithContext(ctx context.Context, ct, ad []byte) ([]byte, error) {
	c.mu.Lock()
	c.decrypts++
	down := c.down
	c.mu.Unlock()
	if down {
		return nil, &vaultkms.TransitError{Op: "decrypt", Path: "transit/decrypt/kek", Err: vaultkms.ErrUnavailable}
	}
	return c.KEK.DecryptWithContext(ctx, ct, ad)
}

func binding(f *gofakeit.Faker) pii.Binding {
	if f == nil {
		f = gofakeit.New(0)
	}
	return pii.Binding{Seller: "A" + f.LetterN(13), Table: "orders", Column: "buyer_name", RowID: f.UUID()}
}

func TestKeyringRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(1)
	ctx := context.Background()
	bind := binding(f)
	name := []byte(f.Name())

	ct, err := b.ring.Seal(ctx, "2026-12-04", bind, name)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(ct, name) {
		t.Fatalf("ciphertext contains the plaintext")
	}
	got, err := b.ring.Open(ctx, "2026-12-04", bind, ct)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, name) {
		t.Fatalf("Open returned %d bytes that differ from the %d sealed", len(got), len(name))
	}
	h, err := vaultkms.ParseFieldHeader(ct)
	if err != nil {
		t.Fatalf("ParseFieldHeader: %v", err)
	}
	if h.Version != 1 || h.KeysetID == 0 {
		t.Fatalf("header = %+v, want version 1 and a keyset ID", h)
	}
}

func TestKeyringEmptyPlaintext(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	bind := binding(gofakeit.New(2))
	ct, err := b.ring.Seal(context.Background(), "b1", bind, nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	got, err := b.ring.Open(context.Background(), "b1", bind, ct)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("Open returned %d bytes, want 0", len(got))
	}
}

func TestKeyringMalformedCiphertext(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(4)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(f.Street()))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	for _, tc := range []struct {
		name string
		ct   []byte
		// badHeader is set when the field header itself does not parse, so
		// that Reseal rejects the field without opening it.
		badHeader bool
	}{
		{"nil", nil, true},
		{"one byte", []byte{1}, true},
		{"truncated", ct[:len(ct)-1], false},
		{"unknown version", append([]byte{0xff}, ct[1:]...), true},
	} {
		_, err := b.ring.Open(ctx, "b1", bind, tc.ct)
		if !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Errorf("%s: Open error = %v, want ErrDecrypt", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Open error spans lines: %q", tc.name, err)
		}
		if !tc.badHeader {
			continue
		}
		res, err := b.ring.Reseal(ctx, "b1", []vaultkms.Field{{Binding: bind, Ciphertext: tc.ct}})
		if err != nil {
			t.Fatalf("%s: Reseal: %v", tc.name, err)
		}
		if !errors.Is(res[0].Err, vaultkms.ErrDecrypt) || strings.Contains(res[0].Err.Error(), "\n") {
			t.Errorf("%s: Reseal error = %q, want one line wrapping ErrDecrypt", tc.name, res[0].Err)
		}
	}
}

func TestKeyringWrongBinding(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(3)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(f.Street()))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	// Other binding fields that happen to concatenate to the same bytes
	// must not open either.
	shifted := bind
	shifted.Table, shifted.Column = "order", "sbuyer_name"

	for _, tc := range []struct {
		name   string
		bucket string
		bind   pii.Binding
	}{
		{"row", "b1", pii.Binding{Seller: bind.Seller, Table: bind.Table, Column: bind.Column, RowID: f.UUID()}},
		{"column", "b1", pii.Binding{Seller: bind.Seller, Table: bind.Table, Column: "phone", RowID: bind.RowID}},
		{"table", "b1", pii.Binding{Seller: bind.Seller, Table: "returns", Column: bind.Column, RowID: bind.RowID}},
		{"shifted fields", "b1", shifted},
	} {
		_, err := b.ring.Open(ctx, tc.bucket, tc.bind, ct)
		if !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Errorf("%s: Open error = %v, want ErrDecrypt", tc.name, err)
		}
	}

	// Another bucket of the same seller has its own keyset.
	if _, err := b.ring.Seal(ctx, "b2", bind, []byte("x")); err != nil {
		t.Fatalf("Seal b2: %v", err)
	}
	if _, err := b.ring.Open(ctx, "b2", bind, ct); !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Errorf("other bucket: Open error = %v, want ErrDecrypt", err)
	}

	// Another seller has no keyset for the bucket.
	other := bind
	other.Seller = "B" + f.LetterN(13)
	if _, err := b.ring.Open(ctx, "b1", other, ct); !errors.Is(err, vaultkms.ErrKeyNotFound) {
		t.Errorf("other seller: Open error = %v, want ErrKeyNotFound", err)
	}
}

func TestKeyringTamperedCiphertext(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(4)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(f.Phone()))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x40
		if _, err := b.ring.Open(ctx, "b1", bind, bad); !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Fatalf("byte %d flipped: Open error = %v, want ErrDecrypt", i, err)
		}
	}
	for _, n := range []int{0, 1, 5, 10, len(ct) - 1} {
		if _, err := b.ring.Open(ctx, "b1", bind, ct[:n]); !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Errorf("truncated to %d bytes: Open error = %v, want ErrDecrypt", n, err)
		}
	}
}

func TestKeyringInvalidInput(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	good := pii.Binding{Seller: "A1", Table: "t", Column: "c", RowID: "1"}
	long := string(bytes.Repeat([]byte("x"), vaultkms.MaxNameLen+1))
	for _, tc := range []struct {
		name   string
		bucket string
		bind   pii.Binding
		pt     []byte
	}{
		{"empty bucket", "", good, nil},
		{"dot bucket", ".blind-index", good, nil},
		{"space in bucket", "a b", good, nil},
		{"empty seller", "b", pii.Binding{Table: "t", Column: "c", RowID: "1"}, nil},
		{"empty table", "b", pii.Binding{Seller: "A1", Column: "c", RowID: "1"}, nil},
		{"empty column", "b", pii.Binding{Seller: "A1", Table: "t", RowID: "1"}, nil},
		{"empty row", "b", pii.Binding{Seller: "A1", Table: "t", Column: "c"}, nil},
		{"long row", "b", pii.Binding{Seller: "A1", Table: "t", Column: "c", RowID: long}, nil},
		{"large plaintext", "b", good, make([]byte, vaultkms.MaxPlaintextSize+1)},
	} {
		if _, err := b.ring.Seal(ctx, tc.bucket, tc.bind, tc.pt); err == nil {
			t.Errorf("%s: Seal succeeded, want an error", tc.name)
		}
	}
	if n := b.kek.calls(); n != 0 {
		t.Errorf("KEK calls = %d after invalid input, want 0", n)
	}
}

func TestKeyringCacheLimits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	b := setup(t, func(c *vaultkms.Config) {
		c.Now = clock
		c.MaxAge = time.Minute
		c.MaxMessages = 10
	})
	ctx := context.Background()
	bind := binding(gofakeit.New(5))

	for range 10 {
		if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
			t.Fatalf("Seal: %v", err)
		}
	}
	if got := b.kek.calls(); got != 1 {
		t.Fatalf("KEK calls after 10 seals = %d, want 1 (the creation)", got)
	}
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if got := b.kek.calls(); got != 2 {
		t.Fatalf("KEK calls after the 11th seal = %d, want 2 (MaxMessages reached)", got)
	}
	advance(time.Minute)
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if got := b.kek.calls(); got != 3 {
		t.Fatalf("KEK calls after MaxAge = %d, want 3", got)
	}
	st := b.ring.Stats()
	if st.Created != 1 || st.Evictions != 2 || st.CacheMisses != 3 {
		t.Fatalf("stats = %+v, want 1 created, 2 evictions, 3 misses", st)
	}
	if st.CacheHits != 9 {
		t.Fatalf("cache hits = %d, want 9 of 12 seals", st.CacheHits)
	}
}

func TestKeyringMaxBytes(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *vaultkms.Config) { c.MaxBytes = 100 })
	ctx := context.Background()
	bind := binding(gofakeit.New(6))
	for range 2 {
		if _, err := b.ring.Seal(ctx, "b1", bind, make([]byte, 60)); err != nil {
			t.Fatalf("Seal: %v", err)
		}
	}
	if got := b.kek.calls(); got != 2 {
		t.Fatalf("KEK calls = %d, want 2 (creation, then unwrap after 100 bytes)", got)
	}
}

func TestKeyringMaxBuckets(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *vaultkms.Config) { c.MaxBuckets = 3 })
	ctx := context.Background()
	bind := binding(gofakeit.New(7))
	for i := range 5 {
		if _, err := b.ring.Seal(ctx, fmt.Sprintf("b%d", i), bind, []byte("v")); err != nil {
			t.Fatalf("Seal: %v", err)
		}
	}
	if got := b.ring.Stats().CachedBuckets; got != 3 {
		t.Fatalf("cached buckets = %d, want 3", got)
	}
}

func TestKeyringSingleflight(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	bind := binding(gofakeit.New(8))
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	b.ring.Flush()
	before := b.kek.calls()

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
				t.Errorf("Seal: %v", err)
			}
		})
	}
	wg.Wait()
	// Goroutines that miss after the first fill returned may start a second
	// one, but never one each.
	if got := b.kek.calls() - before; got < 1 || got > 5 {
		t.Fatalf("KEK calls for 50 concurrent misses = %d, want 1 to 5", got)
	}
}

func TestKeyringConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *vaultkms.Config) { c.MaxMessages = 50 })
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			f := gofakeit.New(uint64(100 + g))
			for i := range 200 {
				bucket := fmt.Sprintf("b%d", i%4)
				bind := pii.Binding{Seller: "A1", Table: "orders", Column: "email", RowID: f.UUID()}
				v := []byte(f.Email())
				ct, err := b.ring.Seal(ctx, bucket, bind, v)
				if bucket == "b3" && errors.Is(err, vaultkms.ErrShredded) {
					continue // shredded by goroutine 0 meanwhile
				}
				if err != nil {
					t.Errorf("Seal: %v", err)
					return
				}
				got, err := b.ring.Open(ctx, bucket, bind, ct)
				if bucket == "b3" && errors.Is(err, vaultkms.ErrShredded) {
					continue
				}
				if err != nil || !bytes.Equal(got, v) {
					t.Errorf("Open: %v, equal %v", err, bytes.Equal(got, v))
					return
				}
				if i == 100 && g == 0 {
					if err := b.ring.Shred(ctx, "A1", "b3"); err != nil {
						t.Errorf("Shred: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestKeyringShred(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(9)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(f.Name()))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if err := b.ring.Shred(ctx, bind.Seller, "b1"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	if _, err := b.ring.Open(ctx, "b1", bind, ct); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Open after Shred: %v, want ErrShredded", err)
	}
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("x")); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Seal after Shred: %v, want ErrShredded", err)
	}
	if err := b.ring.Shred(ctx, bind.Seller, "b1"); err != nil {
		t.Fatalf("second Shred: %v", err)
	}

	// A fresh keyring over the same store reads the tombstone.
	fresh, err := vaultkms.New(vaultkms.Config{KEK: b.kek, Store: b.store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Open(ctx, "b1", bind, ct); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Open in another keyring: %v, want ErrShredded", err)
	}
	if _, err := fresh.Seal(ctx, "b1", bind, []byte("x")); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Seal in another keyring: %v, want ErrShredded", err)
	}

	// Shredding a bucket that never existed blocks its creation.
	if err := b.ring.Shred(ctx, bind.Seller, "never"); err != nil {
		t.Fatalf("Shred unknown bucket: %v", err)
	}
	if _, err := fresh.Seal(ctx, "never", bind, []byte("x")); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Seal into a shredded unknown bucket: %v, want ErrShredded", err)
	}
}

func TestKeyringShredReachesBackup(t *testing.T) {
	t.Parallel()
	bucketKEKs := vaultkms.NewInsecureLocalBucketKEKs()
	store := vaultkms.NewMemoryKeyStore()
	ring, err := vaultkms.New(vaultkms.Config{BucketKEKs: bucketKEKs, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	f := gofakeit.New(10)
	ctx := context.Background()
	bind := binding(f)
	ct, err := ring.Seal(ctx, "b1", bind, []byte(f.Name()))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	backup := store.Backup()

	if err := ring.Shred(ctx, bind.Seller, "b1"); err != nil {
		t.Fatalf("Shred: %v", err)
	}

	// Restore the backup into a new store and open with a new keyring over
	// the same bucket KEKs, as an operator restoring the database would.
	restored := vaultkms.NewMemoryKeyStore()
	for _, w := range backup {
		if _, err := restored.Create(ctx, w); err != nil {
			t.Fatalf("restore: %v", err)
		}
	}
	again, err := vaultkms.New(vaultkms.Config{BucketKEKs: bucketKEKs, Store: restored})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Open(ctx, "b1", bind, ct); !errors.Is(err, vaultkms.ErrKeyNotFound) {
		t.Fatalf("Open from backup after Shred: %v, want ErrKeyNotFound", err)
	}
}

func TestKeyringSharedKEKBackupReadable(t *testing.T) {
	t.Parallel()
	// With one shared KEK, a backup taken before the shred still unwraps.
	// This documents why BucketKEKs exists.
	b := setup(t, nil)
	f := gofakeit.New(11)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(f.Name()))
	if err != nil {
		t.Fatal(err)
	}
	backup := b.store.Backup()
	if err := b.ring.Shred(ctx, bind.Seller, "b1"); err != nil {
		t.Fatal(err)
	}
	restored := vaultkms.NewMemoryKeyStore()
	for _, w := range backup {
		if _, err := restored.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	again, err := vaultkms.New(vaultkms.Config{KEK: b.kek, Store: restored})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Open(ctx, "b1", bind, ct); err != nil {
		t.Fatalf("Open from backup with the shared KEK: %v, want success", err)
	}
}

func TestKeyringKEKUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(12)
	ctx := context.Background()
	bind := binding(f)
	ct, err := b.ring.Seal(ctx, "warm", bind, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}

	b.kek.setDown(true)
	_, err = b.ring.Seal(ctx, "cold", bind, []byte(f.Name()))
	if !errors.Is(err, vaultkms.ErrUnavailable) || !vaultkms.IsRetryable(err) {
		t.Fatalf("Seal with the KEK down: %v, want a retryable ErrUnavailable", err)
	}
	// Cached keysets keep working.
	if _, err := b.ring.Open(ctx, "warm", bind, ct); err != nil {
		t.Fatalf("Open of a cached bucket with the KEK down: %v", err)
	}
	b.ring.Flush()
	if _, err := b.ring.Open(ctx, "warm", bind, ct); !errors.Is(err, vaultkms.ErrUnavailable) {
		t.Fatalf("Open after flush with the KEK down: %v, want ErrUnavailable", err)
	}

	b.kek.setDown(false)
	if _, err := b.ring.Open(ctx, "warm", bind, ct); err != nil {
		t.Fatalf("Open with the KEK back: %v", err)
	}
	if _, err := b.ring.Seal(ctx, "cold", bind, []byte("v")); err != nil {
		t.Fatalf("Seal with the KEK back: %v", err)
	}
}

func TestKeyringCanceledContext(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.ring.Seal(ctx, "b1", binding(gofakeit.New(13)), []byte("v"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Seal with a canceled context: %v, want context.Canceled", err)
	}
}

func TestKeyringTwoKeyringsOneStore(t *testing.T) {
	t.Parallel()
	kek := vaultkms.NewInsecureLocalKEK()
	store := vaultkms.NewMemoryKeyStore()
	ctx := context.Background()
	bind := binding(gofakeit.New(14))

	rings := make([]*vaultkms.Keyring, 2)
	for i := range rings {
		r, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		rings[i] = r
	}
	cts := make([][]byte, 2)
	var wg sync.WaitGroup
	for i, r := range rings {
		wg.Go(func() {
			ct, err := r.Seal(ctx, "b1", bind, []byte("v"))
			if err != nil {
				t.Errorf("Seal: %v", err)
			}
			cts[i] = ct
		})
	}
	wg.Wait()
	for i, ct := range cts {
		for j, r := range rings {
			if _, err := r.Open(ctx, "b1", bind, ct); err != nil {
				t.Errorf("keyring %d opening ciphertext of keyring %d: %v", j, i, err)
			}
		}
	}
}

func TestBlindIndex(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	f := gofakeit.New(15)
	ctx := context.Background()
	email := []byte(f.Email())

	i1, err := b.ring.BlindIndex(ctx, "A1", pii.KindEmail, email)
	if err != nil {
		t.Fatalf("BlindIndex: %v", err)
	}
	if len(i1) != vaultkms.DefaultBlindIndexSize {
		t.Fatalf("index is %d bytes, want %d", len(i1), vaultkms.DefaultBlindIndexSize)
	}
	b.ring.Flush()
	i2, err := b.ring.BlindIndex(ctx, "A1", pii.KindEmail, email)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(i1, i2) {
		t.Fatalf("index changed after the cache was flushed")
	}
	other, err := b.ring.BlindIndex(ctx, "A2", pii.KindEmail, email)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(i1, other) {
		t.Fatalf("two sellers got the same index")
	}
	kind, err := b.ring.BlindIndex(ctx, "A1", pii.KindPhone, email)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(i1, kind) {
		t.Fatalf("two kinds got the same index")
	}
	if _, err := b.ring.BlindIndex(ctx, "", pii.KindEmail, email); err == nil {
		t.Fatalf("BlindIndex with an empty seller succeeded")
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	kek := vaultkms.NewInsecureLocalKEK()
	store := vaultkms.NewMemoryKeyStore()
	for _, tc := range []struct {
		name string
		cfg  vaultkms.Config
	}{
		{"no KEK", vaultkms.Config{Store: store}},
		{"no store", vaultkms.Config{KEK: kek}},
		{"negative MaxAge", vaultkms.Config{KEK: kek, Store: store, MaxAge: -1}},
		{"small index", vaultkms.Config{KEK: kek, Store: store, BlindIndexSize: 4}},
		{"huge MaxMessages", vaultkms.Config{KEK: kek, Store: store, MaxMessages: 1 << 40}},
		{"huge MaxBytes", vaultkms.Config{KEK: kek, Store: store, MaxBytes: 1 << 50}},
		{"large index", vaultkms.Config{KEK: kek, Store: store, BlindIndexSize: 64}},
	} {
		if _, err := vaultkms.New(tc.cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", tc.name)
		}
	}
}

func TestKeyringMaxAgeTimer(t *testing.T) {
	t.Parallel()
	// Without Config.Now, entries expire by a real-time timer.
	b := setup(t, func(c *vaultkms.Config) { c.MaxAge = 20 * time.Millisecond })
	ctx := context.Background()
	bind := binding(gofakeit.New(30))
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := b.kek.calls(); got != 1 {
		t.Fatalf("KEK calls before MaxAge = %d, want 1", got)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := b.kek.calls(); got != 2 {
		t.Fatalf("KEK calls after MaxAge = %d, want 2", got)
	}
}

func TestKeyringExpiredEntryLeavesCache(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *vaultkms.Config) { c.MaxAge = 10 * time.Millisecond })
	if _, err := b.ring.Seal(context.Background(), "b1", binding(gofakeit.New(31)), []byte("v")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.ring.Stats().CachedBuckets != 0 {
		if time.Now().After(deadline) {
			t.Fatal("expired keyset still cached after 5s with MaxAge 10ms")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := b.ring.Stats().Evictions; got != 1 {
		t.Fatalf("evictions = %d, want 1", got)
	}
}

func TestKeyringForget(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	bind := binding(gofakeit.New(32))
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	b.ring.Forget(bind.Seller, "b1")
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := b.kek.calls(); got != 2 {
		t.Fatalf("KEK calls = %d, want 2 (creation, then unwrap after Forget)", got)
	}
}

func TestKeyringErrorsCarryNoValues(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	f := gofakeit.New(33)
	bind := binding(f)
	name := f.Name()
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte(name))
	if err != nil {
		t.Fatal(err)
	}
	moved := bind
	moved.RowID = f.UUID()
	_, err = b.ring.Open(ctx, "b1", moved, ct)
	var be *vaultkms.BucketError
	if !errors.As(err, &be) || be.Op != "open" || be.Seller != bind.Seller || be.Bucket != "b1" {
		t.Fatalf("Open error = %#v, want a *BucketError naming op, seller and bucket", err)
	}
	if msg := err.Error(); strings.Contains(msg, name) || strings.Contains(msg, moved.RowID) {
		t.Fatalf("error message %q contains a value or row ID", msg)
	}

	b.kek.setDown(true)
	_, err = b.ring.Seal(ctx, "b2", bind, []byte(name))
	if err == nil || strings.Contains(err.Error(), name) {
		t.Fatalf("Seal error with the KEK down = %v; want an error without the value", err)
	}
}
