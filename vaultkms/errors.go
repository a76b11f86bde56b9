package vaultkms

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them where the
// condition applies, so callers test with errors.Is.
var (
	// ErrKeyNotFound means the key does not exist: the bucket has no keyset
	// yet, or the Transit key was never created or has been deleted.
	ErrKeyNotFound = errors.New("vaultkms: key not found")

	// ErrShredded means the bucket's keyset was shredded. Its ciphertexts can
	// no longer be opened and nothing can be sealed into the bucket again.
	ErrShredded = errors.New("vaultkms: bucket shredded")

	// ErrPermissionDenied means Vault rejected the request for lack of a
	// capability, after a new login where an auth method is configured.
	ErrPermissionDenied = errors.New("vaultkms: permission denied")

	// ErrVersionTooOld means the ciphertext was made with a key version below
	// the Transit key's min_decryption_version. Rewrap before raising it.
	ErrVersionTooOld = errors.New("vaultkms: key version below min_decryption_version")

	// ErrUnavailable means the KEK could not be reached (network error,
	// timeout, 5xx, sealed or standby Vault). It is retryable: nothing was
	// sealed or opened, and nothing fell back to a local key.
	ErrUnavailable = errors.New("vaultkms: vault unavailable")

	// ErrDecrypt means a ciphertext could not be opened: it was changed, it
	// belongs to another binding or bucket, or its key is gone. The message
	// stays vague on purpose.
	ErrDecrypt = errors.New("vaultkms: decryption failed")

	// ErrInvalidResponse means Vault's response lacks a field the call needs,
	// or has a value that does not parse. It is never turned into empty
	// plaintext.
	ErrInvalidResponse = errors.New("vaultkms: invalid vault response")

	// ErrConflict means a key store update lost a race with another writer.
	// Reload the record and try again.
	ErrConflict = errors.New("vaultkms: key store record changed concurrently")
)

// TransitError is a failed Vault Transit call. Err is one of the sentinel
// errors above where the failure matches one, so errors.Is(err,
// ErrUnavailable) reports whether a retry may succeed.
type TransitError struct {
	Op         string // Transit operation, such as "encrypt" or "decrypt"
	Path       string // request path without the /v1/ prefix, such as "transit/decrypt/kek"
	StatusCode int    // HTTP status, 0 when no response arrived
	Message    string // first error message from Vault, truncated
	Err        error
}

func (e *TransitError) Error() string {
	msg := fmt.Sprintf("vaultkms: transit %s %s", e.Op, e.Path)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(": status %d", e.StatusCode)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *TransitError) Unwrap() error { return e.Err }

// Retryable reports whether the call may succeed if made again later.
func (e *TransitError) Retryable() bool { return errors.Is(e.Err, ErrUnavailable) }

// IsRetryable reports whether err is a failure that may pass on a later try:
// the KEK was unavailable. Decryption failures, missing keys, shredded
// buckets and denied permissions are not retryable.
func IsRetryable(err error) bool { return errors.Is(err, ErrUnavailable) }

// BucketError is a keyring operation that failed for one bucket. Seller IDs and
// bucket names are not personal data, so the message names them.
type BucketError struct {
	Op     string // keyring operation, such as "seal", "open" or "shred"
	Seller string
	Bucket string
	Err    error
}

func (e *BucketError) Error() string {
	return fmt.Sprintf("vaultkms: %s seller %q bucket %q: %v", e.Op, e.Seller, e.Bucket, e.Err)
}

func (e *BucketError) Unwrap() error { return e.Err }
