package vaultkms

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// BucketRef names a seller's retention bucket.
type BucketRef struct {
	Seller string
	Bucket string
}

// WrappedKeyset is a key store record: one bucket's Tink keyset, encrypted by
// the KEK. A shredded bucket keeps a record with ShreddedAt set and no
// Wrapped bytes, so that it is never created again.
type WrappedKeyset struct {
	Seller   string
	Bucket   string
	KeysetID uint32 // random ID chosen at creation, bound into the wrapping and into field ciphertexts
	Wrapped  []byte // Tink EncryptedKeyset, binary; nil once shredded
	// Revision counts updates. Update succeeds only when the stored record
	// still has the revision the caller read.
	Revision   int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ShreddedAt time.Time // zero while the bucket is live
}

// Shredded reports whether the record is a shredded bucket's tombstone.
func (w WrappedKeyset) Shredded() bool { return !w.ShreddedAt.IsZero() }

// KeyStore stores wrapped keysets. Implementations must be safe for
// concurrent use, by several processes where they share storage, and must
// keep the create-if-absent and compare-and-swap semantics below, on which the
// keyring relies for one keyset per bucket.
//
// The conformance suite in package keystoretest checks an implementation.
type KeyStore interface {
	// Create stores w unless the bucket already has a record, live or
	// shredded, and returns the record stored for the bucket afterwards:
	// w itself, or the one another writer stored first. It returns
	// ErrShredded when the bucket was shredded.
	Create(ctx context.Context, w WrappedKeyset) (WrappedKeyset, error)

	// Get returns the bucket's live record. It returns ErrKeyNotFound when
	// there is none and ErrShredded when the bucket was shredded.
	Get(ctx context.Context, seller, bucket string) (WrappedKeyset, error)

	// GetMany returns the live records of the given buckets that exist, in
	// any order. Missing and shredded buckets are left out.
	GetMany(ctx context.Context, refs []BucketRef) ([]WrappedKeyset, error)

	// Update replaces the wrapped bytes of a live record whose revision is
	// still w.Revision, and returns the record with its new revision. The
	// keyset ID never changes. It returns ErrConflict when the revision changed,
	// ErrShredded when the bucket was shredded and ErrKeyNotFound when
	// there is no record.
	Update(ctx context.Context, w WrappedKeyset) (WrappedKeyset, error)

	// Shred deletes the bucket's wrapped keyset and leaves a tombstone.
	// Shredding a shredded or unknown bucket succeeds, and leaves a
	// tombstone too.
	Shred(ctx context.Context, seller, bucket string) error

	// List returns up to limit live records ordered by seller and then
	// bucket, starting after the given bucket; the zero BucketRef starts
	// at the beginning.
	List(ctx context.Context, after BucketRef, limit int) ([]WrappedKeyset, error)
}

// MemoryKeyStore is a KeyStore in process memory, for tests and
// development. Its records are lost when the process ends. It is safe for
// concurrent use.
type MemoryKeyStore struct {
	mu   sync.Mutex
	now  func() time.Time
	recs map[BucketRef]WrappedKeyset
}

var _ KeyStore = (*MemoryKeyStore)(nil)

// NewMemoryKeyStore returns an empty memory key store.
func NewMemoryKeyStore() *MemoryKeyStore {
	return &MemoryKeyStore{now: time.Now, recs: make(map[BucketRef]WrappedKeyset)}
}

func cloneRecord(w WrappedKeyset) WrappedKeyset {
	w.Wrapped = bytes.Clone(w.Wrapped)
	return w
}

func checkRecord(w WrappedKeyset) error {
	if err := checkName("seller", w.Seller); err != nil {
		return err
	}
	if err := checkName("bucket", w.Bucket); err != nil {
		return err
	}
	if len(w.Wrapped) == 0 {
		return fmt.Errorf("wrapped keyset of bucket %q is empty", w.Bucket)
	}
	return nil
}

// Create implements KeyStore.
func (s *MemoryKeyStore) Create(ctx context.Context, w WrappedKeyset) (WrappedKeyset, error) {
	if err := ctx.Err(); err != nil {
		return WrappedKeyset{}, err
	}
	if err := checkRecord(w); err != nil {
		return WrappedKeyset{}, fmt.Errorf("vaultkms: create keyset: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := BucketRef{w.Seller, w.Bucket}
	if cur, ok := s.recs[ref]; ok {
		if cur.Shredded() {
			return WrappedKeyset{}, ErrShredded
		}
		return cloneRecord(cur), nil
	}
	now := s.now().UTC()
	w = cloneRecord(w)
	w.Revision = 1
	w.CreatedAt, w.UpdatedAt, w.ShreddedAt = now, now, time.Time{}
	s.recs[ref] = w
	return cloneRecord(w), nil
}

// Get implements KeyStore.
func (s *MemoryKeyStore) Get(ctx context.Context, seller, bucket string) (WrappedKeyset, error) {
	if err := ctx.Err(); err != nil {
		return WrappedKeyset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.recs[BucketRef{seller, bucket}]
	switch {
	case !ok:
		return WrappedKeyset{}, ErrKeyNotFound
	case cur.Shredded():
		return WrappedKeyset{}, ErrShredded
	}
	return cloneRecord(cur), nil
}

// GetMany implements KeyStore.
func (s *MemoryKeyStore) GetMany(ctx context.Context, refs []BucketRef) ([]WrappedKeyset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WrappedKeyset, 0, len(refs))
	seen := make(map[BucketRef]bool, len(refs))
	for _, ref := range refs {
		cur, ok := s.recs[ref]
		if !ok || cur.Shredded() || seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, cloneRecord(cur))
	}
	return out, nil
}

// Update implements KeyStore.
func (s *MemoryKeyStore) Update(ctx context.Context, w WrappedKeyset) (WrappedKeyset, error) {
	if err := ctx.Err(); err != nil {
		return WrappedKeyset{}, err
	}
	if err := checkRecord(w); err != nil {
		return WrappedKeyset{}, fmt.Errorf("vaultkms: update keyset: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := BucketRef{w.Seller, w.Bucket}
	cur, ok := s.recs[ref]
	switch {
	case !ok:
		return WrappedKeyset{}, ErrKeyNotFound
	case cur.Shredded():
		return WrappedKeyset{}, ErrShredded
	case cur.Revision != w.Revision:
		return WrappedKeyset{}, ErrConflict
	case cur.KeysetID != w.KeysetID:
		return WrappedKeyset{}, fmt.Errorf("vaultkms: update keyset: keyset ID %d of bucket %q cannot change to %d", cur.KeysetID, w.Bucket, w.KeysetID)
	}
	cur.Wrapped = bytes.Clone(w.Wrapped)
	cur.Revision++
	cur.UpdatedAt = s.now().UTC()
	s.recs[ref] = cur
	return cloneRecord(cur), nil
}

// Shred implements KeyStore.
func (s *MemoryKeyStore) Shred(ctx context.Context, seller, bucket string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := BucketRef{seller, bucket}
	cur, ok := s.recs[ref]
	if ok && cur.Shredded() {
		return nil
	}
	now := s.now().UTC()
	if !ok {
		cur = WrappedKeyset{Seller: seller, Bucket: bucket, CreatedAt: now}
	}
	cur.Wrapped = nil
	cur.Revision++
	cur.UpdatedAt, cur.ShreddedAt = now, now
	s.recs[ref] = cur
	return nil
}

// List implements KeyStore.
func (s *MemoryKeyStore) List(ctx context.Context, after BucketRef, limit int) ([]WrappedKeyset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("vaultkms: list keysets: limit %d must be positive", limit)
	}
	s.mu.Lock()
	var out []WrappedKeyset
	for ref, w := range s.recs {
		if !w.Shredded() && compareRefs(ref, after) > 0 {
			out = append(out, cloneRecord(w))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b WrappedKeyset) int {
		return compareRefs(BucketRef{a.Seller, a.Bucket}, BucketRef{b.Seller, b.Bucket})
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func compareRefs(a, b BucketRef) int {
	if c := cmp.Compare(a.Seller, b.Seller); c != 0 {
		return c
	}
	return cmp.Compare(a.Bucket, b.Bucket)
}

// Backup returns a copy of every record, live and shredded, as a database
// backup would hold them. Tests use it to check that shredding reaches
// backups.
func (s *MemoryKeyStore) Backup() []WrappedKeyset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WrappedKeyset, 0, len(s.recs))
	for _, w := range s.recs {
		out = append(out, cloneRecord(w))
	}
	return out
}
