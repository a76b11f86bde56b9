package vaultkms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/hidemont/spkit/pii"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// listPage is the number of records RewrapAll reads per key store call.
const listPage = 100

// KEKRotation reports a KEK rotation.
type KEKRotation struct {
	Version   int // the KEK's new latest version, now its min_decryption_version
	Rewrapped int // keysets rewrapped under it
}

// RotateKEK rotates the shared KEK: it adds a key version, rewraps every
// stored keyset under it (RewrapAll), and only then raises the key's
// min_decryption_version, so that no stored keyset is left unreadable. The
// KEK must implement KEKRotator, as Transit does; per-bucket KEKs are not
// rotated by this method.
//
// If rewrapping fails, min_decryption_version is left as it was and
// RotateKEK can be called again.
func (k *Keyring) RotateKEK(ctx context.Context) (KEKRotation, error) {
	if k.cfg.BucketKEKs != nil {
		return KEKRotation{}, errors.New("vaultkms: rotate KEK: the keyring uses per-bucket KEKs, which RotateKEK does not rotate")
	}
	rot, ok := k.cfg.KEK.(KEKRotator)
	if !ok {
		return KEKRotation{}, fmt.Errorf("vaultkms: rotate KEK: the KEK (%T) does not implement KEKRotator", k.cfg.KEK)
	}
	v, err := rot.RotateKey(ctx)
	if err != nil {
		return KEKRotation{}, fmt.Errorf("vaultkms: rotate KEK: %w", err)
	}
	n, err := k.RewrapAll(ctx)
	if err != nil {
		return KEKRotation{Version: v, Rewrapped: n}, fmt.Errorf("vaultkms: rotate KEK to version %d: %w", v, err)
	}
	if err := rot.SetMinDecryptionVersion(ctx, v); err != nil {
		return KEKRotation{Version: v, Rewrapped: n}, fmt.Errorf("vaultkms: rotate KEK: raise min_decryption_version to %d: %w", v, err)
	}
	k.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "vaultkms: KEK rotated", slog.Int("version", v), slog.Int("rewrapped", n))
	return KEKRotation{Version: v, Rewrapped: n}, nil
}

// RewrapAll decrypts every live stored keyset with its KEK and encrypts it
// again, so that it is wrapped by the KEK's latest version. Transit's own
// rewrap endpoint is not used because it ignores associated data. It
// returns the number of keysets rewrapped; shredded buckets are skipped.
func (k *Keyring) RewrapAll(ctx context.Context) (int, error) {
	n := 0
	after := BucketRef{}
	for {
		recs, err := k.cfg.Store.List(ctx, after, listPage)
		if err != nil {
			return n, fmt.Errorf("vaultkms: rewrap: list keysets after %+v: %w", after, err)
		}
		for _, rec := range recs {
			err := k.rewrap(ctx, rec)
			if errors.Is(err, ErrShredded) {
				continue
			}
			if err != nil {
				return n, &BucketError{Op: "rewrap", Seller: rec.Seller, Bucket: rec.Bucket, Err: err}
			}
			n++
		}
		if len(recs) < listPage {
			return n, nil
		}
		after = BucketRef{recs[len(recs)-1].Seller, recs[len(recs)-1].Bucket}
	}
}

// rewrap rewraps one record, rereading it once if another writer changed it.
func (k *Keyring) rewrap(ctx context.Context, rec WrappedKeyset) error {
	for try := 0; ; try++ {
		ref := BucketRef{rec.Seller, rec.Bucket}
		kek, err := k.kekFor(ctx, ref, false)
		if err != nil {
			return err
		}
		e, err := k.unwrap(ctx, kek, rec)
		if err != nil {
			return err
		}
		wrapped, err := k.wrap(ctx, kek, e.handle, ref, rec.KeysetID)
		if err != nil {
			return err
		}
		rec.Wrapped = wrapped
		_, err = k.cfg.Store.Update(ctx, rec)
		if errors.Is(err, ErrConflict) && try == 0 {
			if rec, err = k.cfg.Store.Get(ctx, rec.Seller, rec.Bucket); err != nil {
				return err
			}
			continue
		}
		if err == nil {
			k.stats.rewrapped.Add(1)
		}
		return err
	}
}

// KeysetInfo describes a bucket's keyset without key material.
type KeysetInfo struct {
	KeysetID     uint32
	PrimaryKeyID uint32   // Tink key ID that Seal uses
	KeyIDs       []uint32 // every key ID in the keyset, ascending
}

// KeysetInfo returns the bucket's keyset IDs as cached, loading the keyset
// if needed. It does not create a keyset.
func (k *Keyring) KeysetInfo(ctx context.Context, seller, bucket string) (KeysetInfo, error) {
	if err := checkBucket(seller, bucket); err != nil {
		return KeysetInfo{}, &BucketError{Op: "keyset info", Seller: seller, Bucket: bucket, Err: err}
	}
	e, err := k.entryFor(ctx, BucketRef{seller, bucket}, false, 0)
	if err != nil {
		return KeysetInfo{}, &BucketError{Op: "keyset info", Seller: seller, Bucket: bucket, Err: err}
	}
	info := KeysetInfo{KeysetID: e.keysetID, PrimaryKeyID: e.primaryID}
	info.KeyIDs = slices.Clone(e.keyIDs)
	slices.Sort(info.KeyIDs)
	return info, nil
}

// RotateKeyset adds a new AES-256-GCM key to the bucket's keyset and makes
// it the primary key, so that new fields are sealed with it. Fields sealed
// before still open. It returns the new key ID. Other processes keep sealing
// with the old primary key until their cached copy expires (Config.MaxAge).
// Re-encrypt old fields with Reseal.
func (k *Keyring) RotateKeyset(ctx context.Context, seller, bucket string) (uint32, error) {
	if err := checkBucket(seller, bucket); err != nil {
		return 0, &BucketError{Op: "rotate keyset", Seller: seller, Bucket: bucket, Err: err}
	}
	var id uint32
	err := k.updateKeyset(ctx, BucketRef{seller, bucket}, func(m *keyset.Manager) error {
		var err error
		if id, err = m.Add(aead.AES256GCMKeyTemplate()); err != nil {
			return err
		}
		return m.SetPrimary(id)
	})
	if err != nil {
		return 0, &BucketError{Op: "rotate keyset", Seller: seller, Bucket: bucket, Err: err}
	}
	return id, nil
}

// PruneKeyset deletes every key of the bucket's keyset except the primary
// one. Fields sealed with a deleted key can no longer be opened, so call it
// only after Reseal has re-encrypted them, and no sooner than Config.MaxAge
// after RotateKeyset, since other processes may seal with the old primary
// key until then. It returns the number of keys deleted.
func (k *Keyring) PruneKeyset(ctx context.Context, seller, bucket string) (int, error) {
	if err := checkBucket(seller, bucket); err != nil {
		return 0, &BucketError{Op: "prune keyset", Seller: seller, Bucket: bucket, Err: err}
	}
	deleted := 0
	err := k.updateKeyset(ctx, BucketRef{seller, bucket}, func(m *keyset.Manager) error {
		h, err := m.Handle()
		if err != nil {
			return err
		}
		info := h.KeysetInfo()
		for _, ki := range info.GetKeyInfo() {
			if ki.GetKeyId() == info.GetPrimaryKeyId() {
				continue
			}
			if err := m.Delete(ki.GetKeyId()); err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		return 0, &BucketError{Op: "prune keyset", Seller: seller, Bucket: bucket, Err: err}
	}
	return deleted, nil
}

// updateKeyset reads the bucket's keyset from the store, changes it, wraps
// it again and stores it, retrying once on a concurrent update. The cache
// then holds the new keyset.
func (k *Keyring) updateKeyset(ctx context.Context, ref BucketRef, change func(*keyset.Manager) error) error {
	for try := 0; ; try++ {
		rec, err := k.cfg.Store.Get(ctx, ref.Seller, ref.Bucket)
		if err != nil {
			return err
		}
		kek, err := k.kekFor(ctx, ref, false)
		if err != nil {
			return err
		}
		e, err := k.unwrap(ctx, kek, rec)
		if err != nil {
			return err
		}
		m := keyset.NewManagerFromHandle(e.handle)
		if err := change(m); err != nil {
			return err
		}
		h, err := m.Handle()
		if err != nil {
			return err
		}
		if rec.Wrapped, err = k.wrap(ctx, kek, h, ref, rec.KeysetID); err != nil {
			return err
		}
		stored, err := k.cfg.Store.Update(ctx, rec)
		if errors.Is(err, ErrConflict) && try == 0 {
			continue
		}
		if err != nil {
			return err
		}
		ne, err := k.newEntry(ref, rec.KeysetID, stored.Revision, h)
		if err != nil {
			return err
		}
		k.store(ne)
		return nil
	}
}

// Field is a sealed value and the binding it was sealed with, as Reseal
// takes them.
type Field struct {
	Binding    pii.Binding
	Ciphertext []byte
}

// ResealResult is the outcome of one field of Reseal.
type ResealResult struct {
	Ciphertext []byte // the new ciphertext, or the old one when unchanged
	Changed    bool   // true when the field was re-encrypted
	Err        error
}

// Reseal re-encrypts, under the bucket keyset's current primary key, the
// fields that were sealed with an older key, for use after RotateKeyset.
// Fields already under the primary key are returned unchanged. It returns
// one result per field, in order; the error is for failures of the whole
// call, such as an unavailable KEK. Write the changed ciphertexts back in
// the same transaction batch that read them.
func (k *Keyring) Reseal(ctx context.Context, bucket string, fields []Field) ([]ResealResult, error) {
	out := make([]ResealResult, len(fields))
	for i, f := range fields {
		h, err := ParseFieldHeader(f.Ciphertext)
		if err != nil {
			out[i].Err = &BucketError{Op: "reseal", Seller: f.Binding.Seller, Bucket: bucket, Err: fmt.Errorf("%w: %w", ErrDecrypt, err)}
			continue
		}
		e, err := k.entryFor(ctx, BucketRef{f.Binding.Seller, bucket}, false, 0)
		if err != nil {
			if IsRetryable(err) || ctx.Err() != nil {
				return out, &BucketError{Op: "reseal", Seller: f.Binding.Seller, Bucket: bucket, Err: err}
			}
			out[i].Err = &BucketError{Op: "reseal", Seller: f.Binding.Seller, Bucket: bucket, Err: err}
			continue
		}
		if h.KeyID == e.primaryID && h.KeysetID == e.keysetID {
			out[i].Ciphertext = f.Ciphertext
			continue
		}
		pt, err := k.Open(ctx, bucket, f.Binding, f.Ciphertext)
		if err != nil {
			out[i].Err = err
			continue
		}
		ct, err := k.Seal(ctx, bucket, f.Binding, pt)
		clear(pt)
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i] = ResealResult{Ciphertext: ct, Changed: true}
		k.stats.resealed.Add(1)
	}
	return out, nil
}
