// Package keystoretest is a conformance suite for implementations of
// vaultkms.KeyStore. An implementation's test calls Run with a function that
// returns a new, empty store for each subtest.
package keystoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hidemont/spkit/vaultkms"
)

// Run checks the KeyStore contract: create-if-absent with one winner under
// concurrency, compare-and-swap updates, tombstones after shredding, batch
// reads and ordered listing.
func Run(t *testing.T, newStore func(t *testing.T) vaultkms.KeyStore) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(*testing.T, vaultkms.KeyStore)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreateKeepsFirst", testCreateKeepsFirst},
		{"ConcurrentCreate", testConcurrentCreate},
		{"CreateRejectsEmpty", testCreateRejectsEmpty},
		{"GetMissing", testGetMissing},
		{"Update", testUpdate},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateKeepsKeysetID", testUpdateKeepsKeysetID},
		{"Shred", testShred},
		{"ShredUnknown", testShredUnknown},
		{"GetMany", testGetMany},
		{"List", testList},
		{"CanceledContext", testCanceledContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}

func ref(seller, bucket string) vaultkms.BucketRef {
	return vaultkms.BucketRef{Seller: seller, Bucket: bucket}
}

func record(seller, bucket string, id uint32) vaultkms.WrappedKeyset {
	return vaultkms.WrappedKeyset{Seller: seller, Bucket: bucket, KeysetID: id, Wrapped: []byte(fmt.Sprintf("wrapped-%s-%s-%d", seller, bucket, id))}
}

func testCreateAndGet(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	w := record("A1", "2026-12-04", 7)
	got, err := s.Create(ctx, w)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got.KeysetID != 7 || !bytes.Equal(got.Wrapped, w.Wrapped) || got.Revision < 1 || got.CreatedAt.IsZero() || got.Shredded() {
		t.Fatalf("Create returned %+v", got)
	}
	read, err := s.Get(ctx, "A1", "2026-12-04")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if read.KeysetID != 7 || !bytes.Equal(read.Wrapped, w.Wrapped) || read.Revision != got.Revision {
		t.Fatalf("Get returned %+v, want %+v", read, got)
	}
	// The returned bytes are a copy.
	read.Wrapped[0] ^= 0xff
	again, _ := s.Get(ctx, "A1", "2026-12-04")
	if !bytes.Equal(again.Wrapped, w.Wrapped) {
		t.Fatalf("changing the returned bytes changed the store")
	}
}

func testCreateKeepsFirst(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	if _, err := s.Create(ctx, record("A1", "b", 1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Create(ctx, record("A1", "b", 2))
	if err != nil {
		t.Fatalf("second Create: %v", err)
	}
	if got.KeysetID != 1 {
		t.Fatalf("second Create returned keyset %d, want the first, 1", got.KeysetID)
	}
}

func testConcurrentCreate(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	const n = 16
	ids := make([]uint32, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := s.Create(ctx, record("A1", "b", uint32(i+1)))
			if err != nil {
				t.Errorf("Create %d: %v", i, err)
				return
			}
			ids[i] = got.KeysetID
		})
	}
	wg.Wait()
	for i, id := range ids {
		if id != ids[0] {
			t.Fatalf("Create %d returned keyset %d, Create 0 returned %d; want one winner", i, id, ids[0])
		}
	}
}

func testCreateRejectsEmpty(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	for _, w := range []vaultkms.WrappedKeyset{
		{Seller: "A1", Bucket: "b", KeysetID: 1},
		{Bucket: "b", KeysetID: 1, Wrapped: []byte("x")},
		{Seller: "A1", KeysetID: 1, Wrapped: []byte("x")},
	} {
		if _, err := s.Create(ctx, w); err == nil {
			t.Errorf("Create(%+v) succeeded, want an error", w)
		}
	}
}

func testGetMissing(t *testing.T, s vaultkms.KeyStore) {
	if _, err := s.Get(context.Background(), "A1", "none"); !errors.Is(err, vaultkms.ErrKeyNotFound) {
		t.Fatalf("Get of a missing bucket: %v, want ErrKeyNotFound", err)
	}
}

func testUpdate(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	w, err := s.Create(ctx, record("A1", "b", 1))
	if err != nil {
		t.Fatal(err)
	}
	w.Wrapped = []byte("rewrapped")
	got, err := s.Update(ctx, w)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Revision != w.Revision+1 || string(got.Wrapped) != "rewrapped" {
		t.Fatalf("Update returned %+v, want revision %d", got, w.Revision+1)
	}
	read, _ := s.Get(ctx, "A1", "b")
	if string(read.Wrapped) != "rewrapped" || read.Revision != got.Revision {
		t.Fatalf("Get after Update returned %+v", read)
	}
	if _, err := s.Update(ctx, record("A1", "none", 1)); !errors.Is(err, vaultkms.ErrKeyNotFound) {
		t.Fatalf("Update of a missing bucket: %v, want ErrKeyNotFound", err)
	}
}

func testUpdateConflict(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	w, err := s.Create(ctx, record("A1", "b", 1))
	if err != nil {
		t.Fatal(err)
	}
	first := w
	first.Wrapped = []byte("one")
	if _, err := s.Update(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := w
	second.Wrapped = []byte("two")
	if _, err := s.Update(ctx, second); !errors.Is(err, vaultkms.ErrConflict) {
		t.Fatalf("Update with a stale revision: %v, want ErrConflict", err)
	}
}

func testUpdateKeepsKeysetID(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	w, err := s.Create(ctx, record("A1", "b", 1))
	if err != nil {
		t.Fatal(err)
	}
	w.KeysetID = 2
	if _, err := s.Update(ctx, w); err == nil {
		t.Fatal("Update that changes the keyset ID succeeded, want an error")
	}
}

func testShred(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	w, err := s.Create(ctx, record("A1", "b", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shred(ctx, "A1", "b"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	if _, err := s.Get(ctx, "A1", "b"); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Get after Shred: %v, want ErrShredded", err)
	}
	if _, err := s.Create(ctx, record("A1", "b", 2)); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Create after Shred: %v, want ErrShredded", err)
	}
	if _, err := s.Update(ctx, w); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Update after Shred: %v, want ErrShredded", err)
	}
	if err := s.Shred(ctx, "A1", "b"); err != nil {
		t.Fatalf("second Shred: %v", err)
	}
	recs, err := s.List(ctx, vaultkms.BucketRef{}, 10)
	if err != nil || len(recs) != 0 {
		t.Fatalf("List after Shred = %d records, %v; want none", len(recs), err)
	}
}

func testShredUnknown(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	if err := s.Shred(ctx, "A1", "never"); err != nil {
		t.Fatalf("Shred of an unknown bucket: %v", err)
	}
	if _, err := s.Create(ctx, record("A1", "never", 1)); !errors.Is(err, vaultkms.ErrShredded) {
		t.Fatalf("Create after Shred of an unknown bucket: %v, want ErrShredded", err)
	}
}

func testGetMany(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	for i := range 5 {
		if _, err := s.Create(ctx, record("A1", fmt.Sprintf("b%d", i), uint32(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Shred(ctx, "A1", "b4"); err != nil {
		t.Fatal(err)
	}
	refs := []vaultkms.BucketRef{ref("A1", "b0"), ref("A1", "b2"), ref("A1", "b4"), ref("A1", "missing"), ref("A2", "b0"), ref("A1", "b2")}
	got, err := s.GetMany(ctx, refs)
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	found := map[string]uint32{}
	for _, w := range got {
		found[w.Seller+"/"+w.Bucket] = w.KeysetID
	}
	if len(got) != 2 || found["A1/b0"] != 1 || found["A1/b2"] != 3 {
		t.Fatalf("GetMany returned %v, want A1/b0 and A1/b2 once each", found)
	}
	if got, err := s.GetMany(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("GetMany(nil) = %d records, %v", len(got), err)
	}
}

func testList(t *testing.T, s vaultkms.KeyStore) {
	ctx := context.Background()
	// Byte order: upper case sorts before lower case, digits first.
	want := []vaultkms.BucketRef{ref("A1", "B"), ref("A1", "a"), ref("A1", "b"), ref("A2", "0"), ref("a1", "x")}
	for i := len(want) - 1; i >= 0; i-- {
		if _, err := s.Create(ctx, record(want[i].Seller, want[i].Bucket, uint32(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	var got []vaultkms.BucketRef
	after := vaultkms.BucketRef{}
	for range 10 {
		page, err := s.List(ctx, after, 2)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(page) > 2 {
			t.Fatalf("List returned %d records, limit 2", len(page))
		}
		for _, w := range page {
			got = append(got, vaultkms.BucketRef{Seller: w.Seller, Bucket: w.Bucket})
		}
		if len(page) < 2 {
			break
		}
		after = got[len(got)-1]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List order = %v, want %v", got, want)
	}
	if _, err := s.List(ctx, vaultkms.BucketRef{}, 0); err == nil {
		t.Fatal("List with limit 0 succeeded, want an error")
	}
}

func testCanceledContext(t *testing.T, s vaultkms.KeyStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Create(ctx, record("A1", "b", 1)); err == nil {
		t.Fatal("Create with a canceled context succeeded")
	}
	if _, err := s.Get(ctx, "A1", "b"); err == nil {
		t.Fatal("Get with a canceled context succeeded")
	}
}
