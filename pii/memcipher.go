package pii

import (
	"crypto/rand"
	"errors"
	"sync"

	"github.com/tink-crypto/tink-go/v2/daead/subtle"
)

// processCipher is the deterministic AEAD (AES-SIV, RFC 5297, 512-bit key)
// that seals values in memory. Its key is random and lives only in this
// process, so equal values have equal ciphertexts within one process and
// different ones in another. The tink subtle package is used directly, which
// keeps Tink's global registry (and its init-time panics) out of pii.
var processCipher = sync.OnceValues(func() (*subtle.AESSIV, error) {
	key := make([]byte, subtle.AESSIVKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return subtle.NewAESSIV(key)
})

// sealMemory encrypts the normalised clear bytes of a value of kind k. The
// kind is the associated data, so a ciphertext of one kind never opens as
// another.
func sealMemory(k Kind, clear []byte) (string, error) {
	c, err := processCipher()
	if err != nil {
		return "", &cipherError{err}
	}
	ct, err := c.EncryptDeterministically(clear, []byte(k))
	if err != nil {
		return "", &cipherError{err}
	}
	return string(ct), nil
}

// openMemory decrypts a ciphertext made by sealMemory. The caller owns the
// returned bytes and should clear them when done.
func openMemory(k Kind, ct string) ([]byte, error) {
	if ct == "" {
		return nil, nil
	}
	c, err := processCipher()
	if err != nil {
		return nil, &cipherError{err}
	}
	clear, err := c.DecryptDeterministically([]byte(ct), []byte(k))
	if err != nil {
		// Only a bug in this package can produce a ciphertext that fails.
		return nil, &cipherError{errors.New("in-memory ciphertext did not authenticate")}
	}
	return clear, nil
}
