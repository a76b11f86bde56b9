package vaultkms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hidemont/spkit/pii"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"golang.org/x/sync/singleflight"
)

// minReloadInterval is the minimum age of a cached keyset before Open
// reloads it to look for a key ID it lacks.
const minReloadInterval = time.Second

// Defaults of Config.
const (
	DefaultMaxAge         = 15 * time.Minute
	DefaultMaxMessages    = 1 << 24 // about 16.8 million operations per cached keyset
	DefaultMaxBytes       = 1 << 34 // 16 GiB of plaintext per cached keyset
	DefaultMaxBuckets     = 10000
	DefaultLoadTimeout    = 30 * time.Second
	DefaultBatchSize      = 250
	DefaultBlindIndexSize = 16
)

// Config configures a Keyring. The zero value of each optional field means
// its default.
type Config struct {
	// KEK wraps every bucket's keyset. Required unless BucketKEKs is set.
	KEK KEK

	// BucketKEKs, when set, gives each bucket its own KEK, which Shred
	// destroys, and replaces KEK. Warm then unwraps one bucket per call,
	// because a Transit batch is for one key.
	BucketKEKs BucketKEKs

	// Store keeps the wrapped keysets. Required.
	Store KeyStore

	// MaxAge bounds how long an unwrapped keyset stays cached. It is also
	// the longest time another process may keep using a bucket's key after
	// this process shreds it, since processes share no cache. Default
	// DefaultMaxAge.
	MaxAge time.Duration

	// MaxMessages bounds how many seal, open and index operations one cached
	// keyset serves before it is unwrapped again, at most 2^25. Default
	// DefaultMaxMessages.
	MaxMessages int64

	// MaxBytes bounds the bytes one cached keyset seals, opens or indexes
	// before it is unwrapped again, at most 2^37 (128 GiB). Default
	// DefaultMaxBytes.
	MaxBytes int64

	// MaxBuckets bounds how many unwrapped keysets are cached at once.
	// Default DefaultMaxBuckets.
	MaxBuckets int

	// LoadTimeout bounds one cache fill: the key store read and the KEK call.
	// A fill is shared by all callers that miss on the same bucket, so it
	// does not stop when one of them gives up. Default DefaultLoadTimeout.
	LoadTimeout time.Duration

	// BatchSize is the number of keysets Warm unwraps per KEK call when the
	// KEK implements BatchDecrypter. 1 disables batching. Default
	// DefaultBatchSize.
	BatchSize int

	// BlindIndexSize is the length in bytes of blind indexes, from 8 to 32.
	// Default DefaultBlindIndexSize.
	BlindIndexSize int

	// Logger receives debug and info records about keyset creation, cache
	// fills and shredding. They name sellers and buckets, never values or
	// keys. Default: discard.
	Logger *slog.Logger

	// Now is a clock for tests. When set, cached keysets also expire when
	// Now reaches MaxAge after their load. In every case they expire after
	// MaxAge of real time, measured by a timer.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	if c.KEK == nil && c.BucketKEKs == nil {
		return c, errors.New("vaultkms: Config.KEK is required unless Config.BucketKEKs is set")
	}
	if c.Store == nil {
		return c, errors.New("vaultkms: Config.Store is required")
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = DefaultMaxMessages
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxBuckets == 0 {
		c.MaxBuckets = DefaultMaxBuckets
	}
	if c.LoadTimeout == 0 {
		c.LoadTimeout = DefaultLoadTimeout
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BlindIndexSize == 0 {
		c.BlindIndexSize = DefaultBlindIndexSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.MaxAge < 0:
		return c, fmt.Errorf("vaultkms: Config.MaxAge %v must be positive", c.MaxAge)
	case c.MaxMessages < 0 || c.MaxMessages > maxMessagesCap:
		return c, fmt.Errorf("vaultkms: Config.MaxMessages %d must be from 1 to %d", c.MaxMessages, maxMessagesCap)
	case c.MaxBytes < 0 || c.MaxBytes > maxBytesCap:
		return c, fmt.Errorf("vaultkms: Config.MaxBytes %d must be from 1 to %d", c.MaxBytes, maxBytesCap)
	case c.MaxBuckets < 0:
		return c, fmt.Errorf("vaultkms: Config.MaxBuckets %d must be positive", c.MaxBuckets)
	case c.LoadTimeout < 0:
		return c, fmt.Errorf("vaultkms: Config.LoadTimeout %v must be positive", c.LoadTimeout)
	case c.BatchSize < 0:
		return c, fmt.Errorf("vaultkms: Config.BatchSize %d must be positive", c.BatchSize)
	case c.BlindIndexSize < 8 || c.BlindIndexSize > 32:
		return c, fmt.Errorf("vaultkms: Config.BlindIndexSize %d must be from 8 to 32", c.BlindIndexSize)
	}
	return c, nil
}

// Keyring seals PII fields under one Tink AES-256-GCM keyset per (seller,
// bucket), wrapped by a KEK and kept in a KeyStore. It implements
// pii.Sealer and pii.Indexer and is safe for concurrent use.
//
// A bucket's keyset is created on first Seal. Unwrapped keysets are cached
// within limits of age, operations and bytes (see Config), so a warm
// keyring seals and opens without calling the KEK; concurrent misses on one
// bucket share one KEK call. Shred destroys a bucket's keyset for good.
//
// The keyring fails closed: when the KEK cannot be reached, operations that
// need it return an error that wraps ErrUnavailable and nothing is sealed or
// opened another way.
type Keyring struct {
	cfg      Config
	cache    *cache
	group    singleflight.Group
	stats    counters
	clockSet bool // Config.Now was given, so ages are also checked against it
}

var (
	_ pii.Sealer  = (*Keyring)(nil)
	_ pii.Indexer = (*Keyring)(nil)
)

type counters struct {
	kekEncrypts, kekDecrypts, kekBatches   atomic.Int64
	misses, evictions                      atomic.Int64
	created, shredded, rewrapped, resealed atomic.Int64
}

// Stats counts a keyring's work since it was made.
type Stats struct {
	KEKEncrypts   int64 // KEK encrypt calls: keyset creations, rotations, rewraps
	KEKDecrypts   int64 // single KEK decrypt calls: cache fills
	KEKBatchCalls int64 // batch KEK decrypt calls made by Warm
	CacheHits     int64 // operations served by a cached keyset, counted per keyset so that the hot path shares no counter; approximate while operations run
	CacheMisses   int64
	Evictions     int64 // entries dropped for age, operations, bytes or room
	Created       int64 // keysets created by this keyring
	Shredded      int64
	Rewrapped     int64 // keysets rewrapped by RewrapAll
	Resealed      int64 // fields re-encrypted by Reseal
	CachedBuckets int
}

// KEKCalls returns the number of calls made to the KEK.
func (s Stats) KEKCalls() int64 { return s.KEKEncrypts + s.KEKDecrypts + s.KEKBatchCalls }

// New returns a keyring. It fails when Config lacks a required field or has
// an invalid value.
func New(cfg Config) (*Keyring, error) {
	clockSet := cfg.Now != nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	k := &Keyring{cfg: cfg, cache: newCache(cfg.MaxBuckets, cfg.MaxAge), clockSet: clockSet}
	k.cache.onExpire = func() { k.stats.evictions.Add(1) }
	return k, nil
}

// Stats returns the keyring's counters.
func (k *Keyring) Stats() Stats {
	return Stats{
		KEKEncrypts:   k.stats.kekEncrypts.Load(),
		KEKDecrypts:   k.stats.kekDecrypts.Load(),
		KEKBatchCalls: k.stats.kekBatches.Load(),
		CacheHits:     max(0, k.cache.operations()-k.stats.misses.Load()),
		CacheMisses:   k.stats.misses.Load(),
		Evictions:     k.stats.evictions.Load(),
		Created:       k.stats.created.Load(),
		Shredded:      k.stats.shredded.Load(),
		Rewrapped:     k.stats.rewrapped.Load(),
		Resealed:      k.stats.resealed.Load(),
		CachedBuckets: k.cache.len(),
	}
}

// checkFast checks the lengths of a binding on the hot path. Cache fills
// check the seller and bucket characters too.
func checkFast(bucket string, b pii.Binding) error {
	for _, f := range [...]struct {
		name, v string
	}{{"bucket", bucket}, {"binding seller", b.Seller}, {"binding table", b.Table}, {"binding column", b.Column}, {"binding row ID", b.RowID}} {
		if f.v == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
		if len(f.v) > MaxNameLen {
			return fmt.Errorf("%s is %d bytes long, the maximum is %d", f.name, len(f.v), MaxNameLen)
		}
	}
	if bucket[0] == '.' {
		return fmt.Errorf("bucket %q starts with a dot, which is reserved", bucket)
	}
	return nil
}

// Seal encrypts plaintext under the keyset of (b.Seller, bucket), creating
// the keyset if the bucket has none, with bucket and binding as associated
// data. Every binding field is required. Errors wrap ErrShredded for a
// shredded bucket and ErrUnavailable when the KEK cannot be reached.
func (k *Keyring) Seal(ctx context.Context, bucket string, b pii.Binding, plaintext []byte) ([]byte, error) {
	if err := checkFast(bucket, b); err != nil {
		return nil, &BucketError{Op: "seal", Seller: b.Seller, Bucket: bucket, Err: err}
	}
	if len(plaintext) > MaxPlaintextSize {
		return nil, &BucketError{Op: "seal", Seller: b.Seller, Bucket: bucket,
			Err: fmt.Errorf("plaintext is %d bytes, the maximum is %d", len(plaintext), MaxPlaintextSize)}
	}
	e, err := k.entryFor(ctx, BucketRef{b.Seller, bucket}, true, len(plaintext))
	if err != nil {
		return nil, &BucketError{Op: "seal", Seller: b.Seller, Bucket: bucket, Err: err}
	}

	ad := getAssociatedData(e.fieldADPrefix, b)
	ct, err := e.aead.Encrypt(plaintext, *ad)
	putAssociatedData(ad)
	if err != nil {
		return nil, &BucketError{Op: "seal", Seller: b.Seller, Bucket: bucket, Err: err}
	}
	out := make([]byte, fieldHeaderSize+len(ct))
	out[0] = fieldVersion1
	binary.BigEndian.PutUint32(out[1:fieldHeaderSize], e.keysetID)
	copy(out[fieldHeaderSize:], ct)
	return out, nil
}

// Open decrypts a ciphertext made by Seal with the same bucket and binding.
// Any mismatch, change or unknown key gives an error that wraps ErrDecrypt;
// a shredded bucket gives ErrShredded and a bucket without a keyset
// ErrKeyNotFound.
func (k *Keyring) Open(ctx context.Context, bucket string, b pii.Binding, ciphertext []byte) ([]byte, error) {
	if err := checkFast(bucket, b); err != nil {
		return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: err}
	}
	h, err := ParseFieldHeader(ciphertext)
	if err != nil {
		return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: fmt.Errorf("%w: %w", ErrDecrypt, err)}
	}
	ref := BucketRef{b.Seller, bucket}
	e, err := k.entryFor(ctx, ref, false, len(ciphertext))
	if err != nil {
		return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: err}
	}
	if h.KeysetID != e.keysetID {
		return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: ErrDecrypt}
	}
	if !e.hasKey(h.KeyID) && k.cfg.Now().Sub(e.loadedAt) > minReloadInterval {
		// The keyset may have gained a key in another process since it was
		// cached. Reload it once from the store, at most once per
		// minReloadInterval, so that forged key IDs cannot flood Vault.
		if e, err = k.reload(ctx, e); err != nil {
			return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: err}
		}
	}

	ad := getAssociatedData(e.fieldADPrefix, b)
	pt, err := e.aead.Decrypt(ciphertext[fieldHeaderSize:], *ad)
	putAssociatedData(ad)
	if err != nil {
		return nil, &BucketError{Op: "open", Seller: b.Seller, Bucket: bucket, Err: ErrDecrypt}
	}
	return pt, nil
}

// BlindIndex returns a keyed PRF (HMAC-SHA256, truncated to
// Config.BlindIndexSize bytes) of kind and the normalised value, under the
// seller's index keyset. The index keyset is per seller, not per bucket, so
// that equal values in different buckets can be found by one lookup. It is
// created on first use and never rotated, because a new key would change
// every index.
func (k *Keyring) BlindIndex(ctx context.Context, seller string, kind pii.Kind, normalized []byte) ([]byte, error) {
	if err := checkName("seller", seller); err != nil {
		return nil, &BucketError{Op: "index", Seller: seller, Bucket: indexBucket, Err: err}
	}
	if err := checkName("kind", string(kind)); err != nil {
		return nil, &BucketError{Op: "index", Seller: seller, Bucket: indexBucket, Err: err}
	}
	if len(normalized) > MaxPlaintextSize {
		return nil, &BucketError{Op: "index", Seller: seller, Bucket: indexBucket,
			Err: fmt.Errorf("value is %d bytes, the maximum is %d", len(normalized), MaxPlaintextSize)}
	}
	e, err := k.entryFor(ctx, BucketRef{seller, indexBucket}, true, len(normalized))
	if err != nil {
		return nil, &BucketError{Op: "index", Seller: seller, Bucket: indexBucket, Err: err}
	}
	out, err := e.prf.ComputePrimaryPRF(indexInput(kind, normalized), uint32(k.cfg.BlindIndexSize))
	if err != nil {
		return nil, &BucketError{Op: "index", Seller: seller, Bucket: indexBucket, Err: err}
	}
	return out, nil
}

// Shred destroys a bucket's keyset. It deletes the wrapped keyset from the
// store and leaves a tombstone, so the bucket is never created again. It
// drops the keyset from this keyring's cache. With BucketKEKs it also
// deletes the bucket's KEK, so that copies of the wrapped keyset in backups
// cannot be unwrapped either. Shredding twice, or shredding a bucket that
// never had a keyset, succeeds.
//
// Other processes may keep a cached copy of the keyset for up to their
// Config.MaxAge after Shred returns; lower MaxAge to bound that time.
func (k *Keyring) Shred(ctx context.Context, seller, bucket string) error {
	if err := checkBucket(seller, bucket); err != nil {
		return &BucketError{Op: "shred", Seller: seller, Bucket: bucket, Err: err}
	}
	ref := BucketRef{seller, bucket}
	if err := k.cfg.Store.Shred(ctx, seller, bucket); err != nil {
		return &BucketError{Op: "shred", Seller: seller, Bucket: bucket, Err: err}
	}
	k.cache.markGone(ref)
	if k.cfg.BucketKEKs != nil {
		if err := k.cfg.BucketKEKs.DestroyBucketKEK(ctx, seller, bucket); err != nil {
			return &BucketError{Op: "shred", Seller: seller, Bucket: bucket,
				Err: fmt.Errorf("keyset deleted but the bucket KEK was not, call Shred again: %w", err)}
		}
	}
	k.stats.shredded.Add(1)
	k.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "vaultkms: bucket shredded",
		slog.String("seller", seller), slog.String("bucket", bucket))
	return nil
}

// Forget drops a bucket's keyset from this keyring's cache, so that the
// next use reads it from the store again. Other processes are not affected.
func (k *Keyring) Forget(seller, bucket string) { k.cache.forget(BucketRef{seller, bucket}) }

// Flush drops every cached keyset and stops their expiry timers. Call it
// before discarding a keyring, so that no timer keeps keysets in memory
// until MaxAge.
func (k *Keyring) Flush() { k.cache.clear() }

// entryFor returns the bucket's cached keyset, filling the cache on a miss,
// and counts one use of n bytes against its limits.
func (k *Keyring) entryFor(ctx context.Context, ref BucketRef, create bool, n int) (*entry, error) {
	e, gone := k.cache.get(ref)
	if gone {
		return nil, ErrShredded
	}
	if e != nil {
		msgs, size := e.use(n)
		fresh := !e.expired.Load() && msgs <= k.cfg.MaxMessages && size <= k.cfg.MaxBytes
		if fresh && k.clockSet {
			fresh = k.cfg.Now().Sub(e.loadedAt) < k.cfg.MaxAge
		}
		if fresh {
			return e, nil
		}
		// This operation counts as a miss, not against the stale entry.
		e.usage.Add(^uint64(usageOne - 1))
		k.cache.remove(e)
		k.stats.evictions.Add(1)
	}
	k.stats.misses.Add(1)

	e, err := k.fill(ctx, ref, create)
	if err != nil {
		return nil, err
	}
	e.use(n)
	return e, nil
}

// fill loads a bucket's keyset into the cache. Concurrent fills of one
// bucket share one load, which runs under its own timeout so that one
// caller giving up does not fail the others.
func (k *Keyring) fill(ctx context.Context, ref BucketRef, create bool) (*entry, error) {
	if err := checkName("seller", ref.Seller); err != nil {
		return nil, err
	}
	if err := checkName("bucket", ref.Bucket); err != nil {
		return nil, err
	}
	key := "o\x00"
	if create {
		key = "c\x00"
	}
	key += ref.Seller + "\x00" + ref.Bucket
	ch := k.group.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.cfg.LoadTimeout)
		defer cancel()
		e, err := k.load(lctx, ref, create)
		if err != nil {
			if errors.Is(err, ErrShredded) {
				k.cache.markGone(ref)
			}
			return nil, err
		}
		if stored, evicted := k.cache.put(e); !stored {
			return nil, ErrShredded
		} else if evicted > 0 {
			k.stats.evictions.Add(int64(evicted))
		}
		return e, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*entry), nil
	}
}

// reload replaces a cached entry with the store's current keyset.
func (k *Keyring) reload(ctx context.Context, e *entry) (*entry, error) {
	k.cache.remove(e)
	return k.fill(ctx, e.ref, false)
}

// load reads and unwraps a bucket's keyset, creating it when create is set
// and the bucket has none.
func (k *Keyring) load(ctx context.Context, ref BucketRef, create bool) (*entry, error) {
	rec, err := k.cfg.Store.Get(ctx, ref.Seller, ref.Bucket)
	if errors.Is(err, ErrKeyNotFound) && create {
		return k.create(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	kek, err := k.kekFor(ctx, ref, false)
	if err != nil {
		return nil, err
	}
	e, err := k.unwrap(ctx, kek, rec)
	if errors.Is(err, ErrVersionTooOld) {
		// A KEK rotation rewrapped the record after it was read and then
		// raised min_decryption_version. Read it again.
		if rec, err = k.cfg.Store.Get(ctx, ref.Seller, ref.Bucket); err != nil {
			return nil, err
		}
		e, err = k.unwrap(ctx, kek, rec)
	}
	return e, err
}

func (k *Keyring) kekFor(ctx context.Context, ref BucketRef, create bool) (KEK, error) {
	if k.cfg.BucketKEKs != nil {
		return k.cfg.BucketKEKs.BucketKEK(ctx, ref.Seller, ref.Bucket, create)
	}
	return k.cfg.KEK, nil
}

// create makes a keyset for the bucket and stores it unless another writer
// stored one first, in which case that one is unwrapped and used.
func (k *Keyring) create(ctx context.Context, ref BucketRef) (*entry, error) {
	template := aead.AES256GCMKeyTemplate()
	if ref.Bucket == indexBucket {
		template = prf.HMACSHA256PRFKeyTemplate()
	}
	h, err := keyset.NewHandle(template)
	if err != nil {
		return nil, fmt.Errorf("new keyset: %w", err)
	}
	id := newKeysetID()
	kek, err := k.kekFor(ctx, ref, true)
	if err != nil {
		return nil, err
	}
	wrapped, err := k.wrap(ctx, kek, h, ref, id)
	if err != nil {
		return nil, err
	}

	rec, err := k.cfg.Store.Create(ctx, WrappedKeyset{Seller: ref.Seller, Bucket: ref.Bucket, KeysetID: id, Wrapped: wrapped})
	if err != nil {
		return nil, err
	}
	if rec.KeysetID != id || !bytes.Equal(rec.Wrapped, wrapped) {
		k.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "vaultkms: another writer created the keyset first",
			slog.String("seller", ref.Seller), slog.String("bucket", ref.Bucket))
		return k.unwrap(ctx, kek, rec)
	}
	k.stats.created.Add(1)
	k.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "vaultkms: keyset created",
		slog.String("seller", ref.Seller), slog.String("bucket", ref.Bucket), slog.Uint64("keyset_id", uint64(id)))
	return k.newEntry(ref, id, rec.Revision, h)
}

func newKeysetID() uint32 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if id := binary.BigEndian.Uint32(b[:]); id != 0 {
			return id
		}
	}
}

func (k *Keyring) newEntry(ref BucketRef, id uint32, revision int64, h *keyset.Handle) (*entry, error) {
	e := &entry{ref: ref, keysetID: id, revision: revision, handle: h, loadedAt: k.cfg.Now()}
	info := h.KeysetInfo()
	e.primaryID = info.GetPrimaryKeyId()
	for _, ki := range info.GetKeyInfo() {
		e.keyIDs = append(e.keyIDs, ki.GetKeyId())
	}
	var err error
	if ref.Bucket == indexBucket {
		e.prf, err = prf.NewPRFSet(h)
	} else {
		e.aead, err = aead.New(h)
		e.fieldADPrefix = appendFieldADPrefix(nil, ref.Seller, ref.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("keyset of bucket %q: %w", ref.Bucket, err)
	}
	return e, nil
}

// wrap encrypts a keyset with the KEK, bound to bucket and keyset ID.
func (k *Keyring) wrap(ctx context.Context, kek KEK, h *keyset.Handle, ref BucketRef, id uint32) ([]byte, error) {
	var buf bytes.Buffer
	c := &capturingKEK{kek: kek}
	k.stats.kekEncrypts.Add(1)
	if err := h.WriteWithContext(ctx, keyset.NewBinaryWriter(&buf), c, keysetAssociatedData(ref.Seller, ref.Bucket, id)); err != nil {
		if c.err != nil {
			return nil, c.err
		}
		return nil, fmt.Errorf("wrap keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// unwrap decrypts a stored keyset with the KEK.
func (k *Keyring) unwrap(ctx context.Context, kek KEK, rec WrappedKeyset) (*entry, error) {
	c := &capturingKEK{kek: kek}
	k.stats.kekDecrypts.Add(1)
	ad := keysetAssociatedData(rec.Seller, rec.Bucket, rec.KeysetID)
	h, err := keyset.ReadWithContext(ctx, keyset.NewBinaryReader(bytes.NewReader(rec.Wrapped)), c, ad)
	if err != nil {
		if c.err != nil {
			return nil, c.err
		}
		return nil, fmt.Errorf("unwrap keyset: %w", err)
	}
	return k.newEntry(BucketRef{rec.Seller, rec.Bucket}, rec.KeysetID, rec.Revision, h)
}

// capturingKEK remembers the KEK's error, because keyset.ReadWithContext
// and WriteWithContext format it with %v, which would lose ErrUnavailable
// and the other sentinels.
type capturingKEK struct {
	kek KEK
	err error
}

func (c *capturingKEK) EncryptWithContext(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	ct, err := c.kek.EncryptWithContext(ctx, plaintext, associatedData)
	c.err = err
	return ct, err
}

func (c *capturingKEK) DecryptWithContext(ctx context.Context, ciphertext, associatedData []byte) ([]byte, error) {
	pt, err := c.kek.DecryptWithContext(ctx, ciphertext, associatedData)
	c.err = err
	return pt, err
}
