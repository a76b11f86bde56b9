package vaultkms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tink-crypto/tink-go/v2/keyset"
)

// Warm unwraps the keysets of the given buckets into the cache, typically
// at start-up, and returns how many it loaded. Buckets already cached,
// without a keyset or shredded are skipped. When the KEK implements
// BatchDecrypter and Config.BucketKEKs is not set, keysets are unwrapped
// Config.BatchSize per KEK call, with up to four calls at once; otherwise
// one call each, in sequence. Failures of single
// buckets are joined into the error, which wraps a *BucketError for each;
// the other buckets are still loaded.
func (k *Keyring) Warm(ctx context.Context, refs []BucketRef) (int, error) {
	var todo []BucketRef
	var errs []error
	for _, ref := range refs {
		if err := checkName("seller", ref.Seller); err != nil {
			errs = append(errs, &BucketError{Op: "warm", Seller: ref.Seller, Bucket: ref.Bucket, Err: err})
			continue
		}
		if err := checkName("bucket", ref.Bucket); err != nil {
			errs = append(errs, &BucketError{Op: "warm", Seller: ref.Seller, Bucket: ref.Bucket, Err: err})
			continue
		}
		if e, gone := k.cache.get(ref); e == nil && !gone {
			todo = append(todo, ref)
		}
	}
	if len(todo) == 0 {
		return 0, errors.Join(errs...)
	}

	recs, err := k.cfg.Store.GetMany(ctx, todo)
	if err != nil {
		return 0, fmt.Errorf("vaultkms: warm: read %d keysets: %w", len(todo), err)
	}
	batcher, ok := k.cfg.KEK.(BatchDecrypter)
	if !ok || k.cfg.BucketKEKs != nil || k.cfg.BatchSize <= 1 {
		return k.warmOneByOne(ctx, recs, errs)
	}

	// Batches run warmConcurrency at a time: Vault decrypts the items of
	// one batch in sequence, so concurrent batches use more of its cores.
	var (
		mu     sync.Mutex
		loaded int
		wg     sync.WaitGroup
		slots  = make(chan struct{}, warmConcurrency)
	)
	for start := 0; start < len(recs); start += k.cfg.BatchSize {
		chunk := recs[start:min(start+k.cfg.BatchSize, len(recs))]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return loaded, ctx.Err()
		}
		wg.Go(func() {
			defer func() { <-slots }()
			n, err := k.warmBatch(ctx, batcher, chunk)
			mu.Lock()
			defer mu.Unlock()
			loaded += n
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loaded, err
	}
	return loaded, errors.Join(errs...)
}

// warmConcurrency is the number of batch KEK calls Warm makes at once.
const warmConcurrency = 4

func (k *Keyring) warmOneByOne(ctx context.Context, recs []WrappedKeyset, errs []error) (int, error) {
	loaded := 0
	for _, rec := range recs {
		ref := BucketRef{rec.Seller, rec.Bucket}
		kek, err := k.kekFor(ctx, ref, false)
		if err == nil {
			var e *entry
			if e, err = k.unwrap(ctx, kek, rec); err == nil {
				k.store(e)
				loaded++
				continue
			}
		}
		if ctx.Err() != nil {
			return loaded, ctx.Err()
		}
		errs = append(errs, &BucketError{Op: "warm", Seller: rec.Seller, Bucket: rec.Bucket, Err: err})
	}
	return loaded, errors.Join(errs...)
}

// warmBatch unwraps one chunk of keysets in a single KEK call.
func (k *Keyring) warmBatch(ctx context.Context, batcher BatchDecrypter, recs []WrappedKeyset) (int, error) {
	items := make([]BatchItem, 0, len(recs))
	valid := make([]WrappedKeyset, 0, len(recs))
	var errs []error
	for _, rec := range recs {
		enc, err := keyset.NewBinaryReader(bytes.NewReader(rec.Wrapped)).ReadEncrypted()
		if err != nil || len(enc.GetEncryptedKeyset()) == 0 {
			errs = append(errs, &BucketError{Op: "warm", Seller: rec.Seller, Bucket: rec.Bucket, Err: fmt.Errorf("stored keyset does not parse")})
			continue
		}
		items = append(items, BatchItem{
			Ciphertext:     enc.GetEncryptedKeyset(),
			AssociatedData: keysetAssociatedData(rec.Seller, rec.Bucket, rec.KeysetID),
		})
		valid = append(valid, rec)
	}

	k.stats.kekBatches.Add(1)
	results, err := batcher.DecryptBatch(ctx, items)
	if err != nil {
		return 0, fmt.Errorf("vaultkms: warm: batch of %d keysets: %w", len(items), err)
	}
	if len(results) != len(items) {
		return 0, fmt.Errorf("vaultkms: warm: KEK returned %d results for %d keysets: %w", len(results), len(items), ErrInvalidResponse)
	}

	entries := make([]*entry, 0, len(valid))
	for i, rec := range valid {
		if results[i].Err != nil {
			errs = append(errs, &BucketError{Op: "warm", Seller: rec.Seller, Bucket: rec.Bucket, Err: results[i].Err})
			continue
		}
		// keyset.ReadWithContext parses and validates the keyset; the KEK
		// call it makes returns the plaintext already unwrapped.
		h, err := keyset.ReadWithContext(ctx, keyset.NewBinaryReader(bytes.NewReader(rec.Wrapped)),
			unwrappedKEK{plaintext: results[i].Plaintext}, items[i].AssociatedData)
		var e *entry
		if err == nil {
			e, err = k.newEntry(BucketRef{rec.Seller, rec.Bucket}, rec.KeysetID, rec.Revision, h)
		}
		if err != nil {
			errs = append(errs, &BucketError{Op: "warm", Seller: rec.Seller, Bucket: rec.Bucket, Err: err})
			continue
		}
		entries = append(entries, e)
	}
	loaded, evicted := k.cache.putMany(entries)
	k.stats.evictions.Add(int64(evicted))
	return loaded, errors.Join(errs...)
}

func (k *Keyring) store(e *entry) {
	if _, evicted := k.cache.put(e); evicted > 0 {
		k.stats.evictions.Add(int64(evicted))
	}
}

// unwrappedKEK returns a plaintext that a batch call already decrypted.
type unwrappedKEK struct{ plaintext []byte }

func (u unwrappedKEK) EncryptWithContext(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("vaultkms: unwrappedKEK cannot encrypt")
}

func (u unwrappedKEK) DecryptWithContext(context.Context, []byte, []byte) ([]byte, error) {
	return u.plaintext, nil
}
