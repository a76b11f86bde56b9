// Package vaultkms encrypts PII fields with Tink keysets that are wrapped by
// a key-encryption key (KEK) in HashiCorp Vault Transit, and destroys them
// per retention bucket (crypto-shredding).
//
// # Model
//
// A [Keyring] keeps one Tink AES-256-GCM keyset per (seller, bucket). The
// keyset is created on first use, wrapped by the KEK with associated data
// naming the seller, the bucket and a random keyset ID, and stored in a
// [KeyStore] ([NewMemoryKeyStore], or package pgkeystore for PostgreSQL).
// Unwrapped keysets are cached, so sealing a field is a local AEAD
// operation and a warm process calls Vault only on cache misses, rotations
// and shreds.
//
// A sealed field is a version byte, the 4-byte keyset ID and Tink's
// ciphertext. Its associated data encodes the bucket and the pii.Binding
// (seller, table, column, row ID), each length-prefixed, so a ciphertext
// copied to another row, column, table, seller or bucket fails to open.
//
// # KEKs
//
// [Transit] is the production KEK: a Vault Transit key named by an
// hcvault:// URI, reached through github.com/hashicorp/vault/api with an
// explicit configuration (never the VAULT_* environment), timeouts, retries,
// token renewal and re-login. [NewInsecureLocalKEK] is an in-memory KEK for
// development, examples and tests. As its name warns, it is not for
// production.
//
// NOTE: Transit creates a missing key on encrypt when the token may create
// it, so a mistyped key URI would silently make a new KEK. Create the key
// beforehand and deny the create capability on transit/keys/* in the
// token's policy.
//
// With [Config].BucketKEKs each bucket gets its own KEK, deleted by Shred,
// so that even a backup of the key store taken before the shred cannot be
// unwrapped.
//
// # Start-up, rotation and statistics
//
// [Keyring.Warm] unwraps many buckets at start-up, in Transit batch calls
// (batch_input) of [Config].BatchSize keysets. [Keyring.RotateKEK] rotates
// the Transit key, rewraps every stored keyset by decrypting and encrypting
// it again (Transit's rewrap endpoint ignores associated data) and only then
// raises min_decryption_version. [Keyring.RotateKeyset] gives a bucket's
// keyset a new primary key, [Keyring.Reseal] re-encrypts old fields in
// batches, and [Keyring.PruneKeyset] deletes the old keys afterwards.
// [Keyring.Stats] and [Transit.Stats] count KEK calls, Vault requests,
// cache hits and misses.
//
// # Blind indexes
//
// [Keyring.BlindIndex] computes HMAC-SHA256 blind indexes with one index
// keyset per seller (not per bucket), so that a value can be looked up
// across buckets. It is created on first use and never rotated.
//
// # Cache lifetime and shredding
//
// [Keyring.Shred] deletes the bucket's wrapped keyset (leaving a tombstone
// so the bucket is never created again) and drops it from the cache of the
// keyring that calls it. Processes share no cache: another process may keep
// a cached copy for up to its [Config].MaxAge (default 15 minutes) after the
// shred, or until it reaches MaxMessages or MaxBytes. Set MaxAge to the
// longest delay that the retention policy allows.
//
// # Errors
//
// Errors wrap sentinels: [ErrKeyNotFound] (no keyset, or the Transit key was
// never created or was deleted), [ErrShredded], [ErrPermissionDenied],
// [ErrVersionTooOld], [ErrUnavailable] (retryable), [ErrDecrypt] (vague on
// purpose), [ErrInvalidResponse] and [ErrConflict]. Failures of Vault calls
// are [*TransitError] values and failures of keyring operations
// [*BucketError] values, which name the seller and bucket but never data.
//
// # Failure
//
// The keyring fails closed. When the KEK is unreachable, operations that
// need it return an error wrapping [ErrUnavailable] (see [IsRetryable]).
// Nothing is returned in clear and no local key is used instead.
// Operations on keysets already cached keep working.
package vaultkms
