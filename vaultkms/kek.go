package vaultkms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// KEK is a key-encryption key: an AEAD that wraps the keyring's keysets. The
// production KEK is a Vault Transit key ([Transit]); its key material never
// enters the process.
type KEK interface {
	tink.AEADWithContext
}

// BatchDecrypter is implemented by KEKs that can unwrap many keysets in one
// call. Keyring.Warm uses it when present.
type BatchDecrypter interface {
	// DecryptBatch decrypts each item. The returned slice has one result per
	// item, in order; the error is for the call as a whole.
	DecryptBatch(ctx context.Context, items []BatchItem) ([]BatchResult, error)
}

// BatchItem is one ciphertext of a batch decryption.
type BatchItem struct {
	Ciphertext     []byte
	AssociatedData []byte
}

// BatchResult is the outcome of one item of a batch decryption: Plaintext
// when Err is nil.
type BatchResult struct {
	Plaintext []byte
	Err       error
}

// KEKRotator is implemented by KEKs whose key has versions, such as Transit
// keys. Keyring.RotateKEK uses it.
type KEKRotator interface {
	// RotateKey adds a key version and returns it. New encryptions use it.
	RotateKey(ctx context.Context) (int, error)
	// SetMinDecryptionVersion rejects decryption of ciphertexts made with
	// versions below v.
	SetMinDecryptionVersion(ctx context.Context, v int) error
}

// BucketKEKs gives each bucket its own KEK, destroyed when the bucket is
// shredded. A backup of the key store then holds nothing that any key can
// unwrap.
type BucketKEKs interface {
	// BucketKEK returns the KEK of a bucket. With create, the key is created
	// if absent; without it, a missing key makes later calls fail with
	// ErrKeyNotFound.
	BucketKEK(ctx context.Context, seller, bucket string, create bool) (KEK, error)
	// DestroyBucketKEK deletes the bucket's key. Deleting a key that does not
	// exist succeeds.
	DestroyBucketKEK(ctx context.Context, seller, bucket string) error
}

// InsecureLocalKEK is a KEK held in process memory, for development,
// examples and tests only. Its key is not in Vault, so it gives none of the
// separation of duties that a Transit KEK gives: anyone with the process
// memory or the key bytes unwraps every keyset. It is safe for concurrent use.
type InsecureLocalKEK struct {
	gcm cipher.AEAD
}

var _ KEK = (*InsecureLocalKEK)(nil)

// NewInsecureLocalKEK returns a local KEK with a random key. Keysets wrapped
// by it are lost when the process ends. Not for production.
func NewInsecureLocalKEK() *InsecureLocalKEK {
	var key [32]byte
	_, _ = rand.Read(key[:]) // since Go 1.24, crypto/rand.Read never returns an error
	k, _ := NewInsecureLocalKEKFromKey(key[:])
	return k
}

// NewInsecureLocalKEKFromKey returns a local KEK with the given 32-byte
// AES-256 key, so that a development database outlives the process. Not for
// production: the key sits in the program or its configuration.
func NewInsecureLocalKEKFromKey(key []byte) (*InsecureLocalKEK, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("vaultkms: local KEK key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vaultkms: local KEK: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vaultkms: local KEK: %w", err)
	}
	return &InsecureLocalKEK{gcm: gcm}, nil
}

// Encrypt encrypts plaintext with AES-256-GCM and a random nonce.
func (k *InsecureLocalKEK) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	nonce := make([]byte, k.gcm.NonceSize(), k.gcm.NonceSize()+len(plaintext)+k.gcm.Overhead())
	_, _ = rand.Read(nonce)
	return k.gcm.Seal(nonce, nonce, plaintext, associatedData), nil
}

// Decrypt reverses Encrypt. It fails with ErrDecrypt when the ciphertext or
// associated data differ.
func (k *InsecureLocalKEK) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	n := k.gcm.NonceSize()
	if len(ciphertext) < n+k.gcm.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := k.gcm.Open(nil, ciphertext[:n], ciphertext[n:], associatedData)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// EncryptWithContext is Encrypt; the context is only checked for
// cancellation.
func (k *InsecureLocalKEK) EncryptWithContext(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return k.Encrypt(plaintext, associatedData)
}

// DecryptWithContext is Decrypt; the context is only checked for
// cancellation.
func (k *InsecureLocalKEK) DecryptWithContext(ctx context.Context, ciphertext, associatedData []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return k.Decrypt(ciphertext, associatedData)
}

// DecryptBatch decrypts each item locally.
func (k *InsecureLocalKEK) DecryptBatch(ctx context.Context, items []BatchItem) ([]BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]BatchResult, len(items))
	for i, it := range items {
		out[i].Plaintext, out[i].Err = k.Decrypt(it.Ciphertext, it.AssociatedData)
	}
	return out, nil
}

// InsecureLocalBucketKEKs keeps one random local KEK per bucket in process
// memory, for development and tests of per-bucket shredding. Not for
// production, for the reasons given on [InsecureLocalKEK]. It is safe for
// concurrent use.
type InsecureLocalBucketKEKs struct {
	mu   sync.Mutex
	keys map[[32]byte]*InsecureLocalKEK
}

var _ BucketKEKs = (*InsecureLocalBucketKEKs)(nil)

// NewInsecureLocalBucketKEKs returns an empty set of per-bucket local KEKs.
func NewInsecureLocalBucketKEKs() *InsecureLocalBucketKEKs {
	return &InsecureLocalBucketKEKs{keys: make(map[[32]byte]*InsecureLocalKEK)}
}

func bucketDigest(seller, bucket string) [32]byte {
	return sha256.Sum256(appendLP(appendLP(nil, seller), bucket))
}

// BucketKEK returns the bucket's KEK, creating it when create is set.
func (s *InsecureLocalBucketKEKs) BucketKEK(ctx context.Context, seller, bucket string, create bool) (KEK, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := bucketDigest(seller, bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[d]
	if !ok {
		if !create {
			return nil, ErrKeyNotFound
		}
		k = NewInsecureLocalKEK()
		s.keys[d] = k
	}
	return k, nil
}

// DestroyBucketKEK deletes the bucket's KEK from memory.
func (s *InsecureLocalBucketKEKs) DestroyBucketKEK(ctx context.Context, seller, bucket string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.keys, bucketDigest(seller, bucket))
	s.mu.Unlock()
	return nil
}
