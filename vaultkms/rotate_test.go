package vaultkms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

// versionedKEK imitates a Transit key with versions: each ciphertext starts
// with its version byte, and versions below minDecrypt are rejected.
type versionedKEK struct {
	mu         sync.Mutex
	versions   []*vaultkms.InsecureLocalKEK
	minDecrypt int
	decrypts   int
}

func newVersionedKEK() *versionedKEK {
	return &versionedKEK{versions: []*vaultkms.InsecureLocalKEK{vaultkms.NewInsecureLocalKEK()}, minDecrypt: 1}
}

func (v *versionedKEK) EncryptWithContext(ctx context.Context, pt, ad []byte) ([]byte, error) {
	v.mu.Lock()
	n := len(v.versions)
	kek := v.versions[n-1]
	v.mu.Unlock()
	ct, err := kek.EncryptWithContext(ctx, pt, ad)
	return append([]byte{byte(n)}, ct...), err
}

func (v *versionedKEK) DecryptWithContext(ctx context.Context, ct, ad []byte) ([]byte, error) {
	v.mu.Lock()
	v.decrypts++
	if len(ct) == 0 || int(ct[0]) < 1 || int(ct[0]) > len(v.versions) {
		v.mu.Unlock()
		return nil, vaultkms.ErrDecrypt
	}
	if int(ct[0]) < v.minDecrypt {
		v.mu.Unlock()
		return nil, vaultkms.ErrVersionTooOld
	}
	kek := v.versions[ct[0]-1]
	v.mu.Unlock()
	return kek.DecryptWithContext(ctx, ct[1:], ad)
}

func (v *versionedKEK) RotateKey(ctx context.Context) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.versions = append(v.versions, vaultkms.NewInsecureLocalKEK())
	return len(v.versions), nil
}

func (v *versionedKEK) SetMinDecryptionVersion(ctx context.Context, n int) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.minDecrypt = n
	return nil
}

func TestRotateKEK(t *testing.T) {
	t.Parallel()
	kek := newVersionedKEK()
	store := vaultkms.NewMemoryKeyStore()
	ring, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f := gofakeit.New(20)
	bind := binding(f)
	var cts [][]byte
	for i := range 150 { // more than one page of the store listing
		ct, err := ring.Seal(ctx, fmt.Sprintf("b%03d", i), bind, []byte(f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	if err := ring.Shred(ctx, bind.Seller, "b000"); err != nil {
		t.Fatal(err)
	}
	before := store.Backup()

	rot, err := ring.RotateKEK(ctx)
	if err != nil {
		t.Fatalf("RotateKEK: %v", err)
	}
	if rot.Version != 2 || rot.Rewrapped != 149 {
		t.Fatalf("RotateKEK = %+v, want version 2 and 149 keysets rewrapped", rot)
	}

	// A fresh keyring opens every field through the rewrapped keysets.
	fresh, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	for i, ct := range cts[1:] {
		if _, err := fresh.Open(ctx, fmt.Sprintf("b%03d", i+1), bind, ct); err != nil {
			t.Fatalf("Open b%03d after rotation: %v", i+1, err)
		}
	}

	// Records wrapped before the rotation no longer unwrap.
	old := vaultkms.NewMemoryKeyStore()
	for _, w := range before {
		if !w.Shredded() {
			if _, err := old.Create(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	stale, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: old})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stale.Open(ctx, "b001", bind, cts[1]); !errors.Is(err, vaultkms.ErrVersionTooOld) {
		t.Fatalf("Open with a keyset wrapped before rotation: %v, want ErrVersionTooOld", err)
	}
}

func TestRotateKEKNeedsRotator(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	if _, err := b.ring.RotateKEK(context.Background()); err == nil {
		t.Fatal("RotateKEK with a local KEK succeeded, want an error")
	}
}

func TestRotateKeysetAndReseal(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	f := gofakeit.New(21)
	var fields []vaultkms.Field
	var values [][]byte
	for range 5 {
		bind := pii.Binding{Seller: "A1", Table: "orders", Column: "address", RowID: f.UUID()}
		v := []byte(f.Street())
		ct, err := b.ring.Seal(ctx, "b1", bind, v)
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, vaultkms.Field{Binding: bind, Ciphertext: ct})
		values = append(values, v)
	}
	info, err := b.ring.KeysetInfo(ctx, "A1", "b1")
	if err != nil {
		t.Fatal(err)
	}

	newID, err := b.ring.RotateKeyset(ctx, "A1", "b1")
	if err != nil {
		t.Fatalf("RotateKeyset: %v", err)
	}
	after, err := b.ring.KeysetInfo(ctx, "A1", "b1")
	if err != nil {
		t.Fatal(err)
	}
	if after.PrimaryKeyID != newID || after.KeysetID != info.KeysetID || len(after.KeyIDs) != 2 {
		t.Fatalf("keyset after rotation = %+v, want primary %d, keyset %d, 2 keys", after, newID, info.KeysetID)
	}

	// New seals use the new key; old fields still open.
	ct, err := b.ring.Seal(ctx, "b1", fields[0].Binding, values[0])
	if err != nil {
		t.Fatal(err)
	}
	h, _ := vaultkms.ParseFieldHeader(ct)
	if h.KeyID != newID {
		t.Fatalf("new field key ID = %d, want %d", h.KeyID, newID)
	}
	if _, err := b.ring.Open(ctx, "b1", fields[1].Binding, fields[1].Ciphertext); err != nil {
		t.Fatalf("Open of an old field: %v", err)
	}

	// Reseal re-encrypts the old fields only.
	fields = append(fields, vaultkms.Field{Binding: fields[0].Binding, Ciphertext: ct})
	values = append(values, values[0])
	res, err := b.ring.Reseal(ctx, "b1", fields)
	if err != nil {
		t.Fatalf("Reseal: %v", err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("Reseal field %d: %v", i, r.Err)
		}
		if want := i < 5; r.Changed != want {
			t.Errorf("field %d changed = %v, want %v", i, r.Changed, want)
		}
		fields[i].Ciphertext = r.Ciphertext
	}

	// After pruning, the resealed fields open and the old ones do not.
	n, err := b.ring.PruneKeyset(ctx, "A1", "b1")
	if err != nil || n != 1 {
		t.Fatalf("PruneKeyset = %d, %v; want 1 key deleted", n, err)
	}
	fresh, err := vaultkms.New(vaultkms.Config{KEK: b.kek, Store: b.store})
	if err != nil {
		t.Fatal(err)
	}
	for i, fl := range fields {
		got, err := fresh.Open(ctx, "b1", fl.Binding, fl.Ciphertext)
		if err != nil || !bytes.Equal(got, values[i]) {
			t.Fatalf("Open of resealed field %d after prune: %v", i, err)
		}
	}
}

func TestPruneMakesOldFieldsUnreadable(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	bind := binding(gofakeit.New(22))
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.RotateKeyset(ctx, bind.Seller, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.PruneKeyset(ctx, bind.Seller, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.Open(ctx, "b1", bind, ct); !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Fatalf("Open of a field under a pruned key: %v, want ErrDecrypt", err)
	}
}

func TestRotateKeysetSeenByOtherKeyring(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	bind := binding(gofakeit.New(23))
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	other, err := vaultkms.New(vaultkms.Config{KEK: b.kek, Store: b.store, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	// other caches the keyset before the rotation.
	if _, err := other.Seal(ctx, "b1", bind, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ring.RotateKeyset(ctx, bind.Seller, "b1"); err != nil {
		t.Fatal(err)
	}
	ct, err := b.ring.Seal(ctx, "b1", bind, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	// Within a second of its load, other does not reload for an unknown
	// key ID, so forged key IDs cannot make it call the KEK on every Open.
	before := b.kek.calls()
	if _, err := other.Open(ctx, "b1", bind, ct); !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Fatalf("Open of a new key's field right after the load: %v, want ErrDecrypt", err)
	}
	if got := b.kek.calls() - before; got != 0 {
		t.Fatalf("KEK calls for an unknown key ID within a second = %d, want 0", got)
	}

	// Later, other meets the unknown key ID and reloads the keyset.
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if got, err := other.Open(ctx, "b1", bind, ct); err != nil || string(got) != "new" {
		t.Fatalf("Open in a keyring with a stale cache: %q, %v", got, err)
	}
}

func TestWarm(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{1, 7} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			ctx := context.Background()
			bind := binding(gofakeit.New(24))
			var refs []vaultkms.BucketRef
			for i := range 20 {
				bucket := fmt.Sprintf("b%02d", i)
				if _, err := b.ring.Seal(ctx, bucket, bind, []byte("v")); err != nil {
					t.Fatal(err)
				}
				refs = append(refs, vaultkms.BucketRef{Seller: bind.Seller, Bucket: bucket})
			}
			refs = append(refs, vaultkms.BucketRef{Seller: bind.Seller, Bucket: "missing"})

			ring, err := vaultkms.New(vaultkms.Config{KEK: b.kek, Store: b.store, BatchSize: batch})
			if err != nil {
				t.Fatal(err)
			}
			before := b.kek.calls()
			n, err := ring.Warm(ctx, refs)
			if err != nil || n != 20 {
				t.Fatalf("Warm = %d, %v; want 20 loaded", n, err)
			}
			st := ring.Stats()
			if batch == 1 {
				if got := b.kek.calls() - before; got != 20 {
					t.Errorf("single KEK calls = %d, want 20", got)
				}
			}
			// Warm buckets open with no KEK call.
			kekCalls := st.KEKCalls()
			for _, ref := range refs[:20] {
				if _, err := ring.Seal(ctx, ref.Bucket, bind, []byte("v")); err != nil {
					t.Fatal(err)
				}
			}
			if got := ring.Stats().KEKCalls(); got != kekCalls {
				t.Errorf("KEK calls after warm seals = %d, want %d", got, kekCalls)
			}
		})
	}
}

// batchCountingKEK is a local KEK that counts batch calls.
type batchCountingKEK struct {
	*vaultkms.InsecureLocalKEK
	mu      sync.Mutex
	batches int
	single  int
}

func (b *batchCountingKEK) DecryptWithContext(ctx context.Context, ct, ad []byte) ([]byte, error) {
	b.mu.Lock()
	b.single++
	b.mu.Unlock()
	return b.InsecureLocalKEK.DecryptWithContext(ctx, ct, ad)
}

func (b *batchCountingKEK) DecryptBatch(ctx context.Context, items []vaultkms.BatchItem) ([]vaultkms.BatchResult, error) {
	b.mu.Lock()
	b.batches++
	b.mu.Unlock()
	return b.InsecureLocalKEK.DecryptBatch(ctx, items)
}

func TestWarmBatches(t *testing.T) {
	t.Parallel()
	kek := &batchCountingKEK{InsecureLocalKEK: vaultkms.NewInsecureLocalKEK()}
	store := vaultkms.NewMemoryKeyStore()
	ring, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bind := binding(gofakeit.New(25))
	var refs []vaultkms.BucketRef
	for i := range 25 {
		bucket := fmt.Sprintf("b%02d", i)
		if _, err := ring.Seal(ctx, bucket, bind, []byte("v")); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, vaultkms.BucketRef{Seller: bind.Seller, Bucket: bucket})
	}
	// Corrupt one stored record: it fails alone.
	rec, err := store.Get(ctx, bind.Seller, "b03")
	if err != nil {
		t.Fatal(err)
	}
	rec.Wrapped[len(rec.Wrapped)-1] ^= 1
	if _, err := store.Update(ctx, rec); err != nil {
		t.Fatal(err)
	}

	warm, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: store, BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	n, err := warm.Warm(ctx, refs)
	if n != 24 {
		t.Errorf("Warm loaded %d, want 24", n)
	}
	var be *vaultkms.BucketError
	if !errors.As(err, &be) || be.Bucket != "b03" || !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Errorf("Warm error = %v, want ErrDecrypt for bucket b03", err)
	}
	if kek.batches != 3 {
		t.Errorf("batch calls = %d, want 3", kek.batches)
	}
	if got := warm.Stats().KEKBatchCalls; got != 3 {
		t.Errorf("Stats().KEKBatchCalls = %d, want 3", got)
	}
}
