package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// MinRetention is the shortest retention period Prune accepts: audit logs
// are kept for at least 12 months.
const MinRetention = 365 * 24 * time.Hour

// Checkpoint is a signed statement that the chain reached Link at Time. Keep
// checkpoints apart from the trail, in another system or write-once storage.
// A verifier that trusts a checkpoint can verify the entries after it
// without the entries before it. It can also detect entries cut off the end
// of the chain up to the checkpoint.
type Checkpoint struct {
	Seq uint64 `json:"seq"`
	MAC []byte `json:"mac"`
	// Time is when the checkpoint was signed, in UTC with microsecond
	// precision. Every entry it covers was stored before then.
	Time time.Time `json:"time"`
	// SignerID names the ed25519 key that signed it.
	SignerID  string `json:"signer"`
	Signature []byte `json:"signature"`
}

// Link returns the chain head the checkpoint vouches for.
func (c *Checkpoint) Link() Link { return Link{Seq: c.Seq, MAC: c.MAC} }

func (c *Checkpoint) signedBytes() []byte {
	b := append([]byte(nil), "spkit/audit/checkpoint/v1"...)
	b = binary.BigEndian.AppendUint64(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.MAC)))
	b = append(b, c.MAC...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.UnixMicro()))
	b = binary.AppendUvarint(b, uint64(len(c.SignerID)))
	return append(b, c.SignerID...)
}

// SignCheckpoint signs head at time at with key. signerID names the key for
// verifiers, 1 to 32 characters of [a-z0-9_.-].
func SignCheckpoint(key ed25519.PrivateKey, signerID string, head Link, at time.Time) (Checkpoint, error) {
	if len(key) != ed25519.PrivateKeySize {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if !isKeyID(signerID) {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint signer ID %q must be 1 to 32 characters of [a-z0-9_.-]", clip(signerID))
	}
	if head.Seq == 0 {
		return Checkpoint{}, errors.New("audit: cannot checkpoint an empty chain")
	}
	c := Checkpoint{
		Seq:      head.Seq,
		MAC:      append([]byte(nil), head.MAC...),
		Time:     at.UTC().Truncate(time.Microsecond),
		SignerID: signerID,
	}
	c.Signature = ed25519.Sign(key, c.signedBytes())
	return c, nil
}

// ErrBadSignature is returned when a checkpoint's signature does not verify.
var ErrBadSignature = errors.New("audit: checkpoint signature is invalid")

// Verify checks the checkpoint's signature with the public key of its
// signer.
func (c *Checkpoint) Verify(key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("audit: checkpoint public key has %d bytes, want %d", len(key), ed25519.PublicKeySize)
	}
	if !ed25519.Verify(key, c.signedBytes(), c.Signature) {
		return ErrBadSignature
	}
	return nil
}

// Pruner is a sink that can delete its oldest entries.
type Pruner interface {
	// DeleteThrough deletes stored entries with Seq <= seq and returns how
	// many it deleted. A sink that stores entries in files may keep some of
	// them, when they share a file with later entries.
	DeleteThrough(ctx context.Context, seq uint64) (int64, error)
}

// RetentionError reports a retention period under MinRetention.
type RetentionError struct {
	Retention time.Duration
}

func (e *RetentionError) Error() string {
	return fmt.Sprintf("audit: retention period %v is under the minimum of %v (365 days)", e.Retention, MinRetention)
}

// Prune deletes the entries that checkpoint cp covers, once all of them are
// older than the retention period. It rejects a retention period under
// MinRetention with a *RetentionError, a checkpoint whose signature does not
// verify with key, and a checkpoint signed after now minus retention, since
// the entries it covers may still be within the retention period. Keep cp:
// verifying what remains needs VerifyOptions{Start: cp.Link()}.
func Prune(ctx context.Context, p Pruner, cp Checkpoint, key ed25519.PublicKey, retention time.Duration, now time.Time) (int64, error) {
	if retention < MinRetention {
		return 0, &RetentionError{Retention: retention}
	}
	if err := cp.Verify(key); err != nil {
		return 0, err
	}
	cutoff := now.Add(-retention)
	if cp.Time.After(cutoff) {
		return 0, fmt.Errorf("audit: checkpoint at seq %d was signed at %s, after the retention cutoff %s; use an older checkpoint",
			cp.Seq, cp.Time.Format(time.RFC3339), cutoff.UTC().Format(time.RFC3339))
	}
	return p.DeleteThrough(ctx, cp.Seq)
}
