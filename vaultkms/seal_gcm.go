package vaultkms

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// primarySealer encrypts with the primary key of a keyset straight into a
// field ciphertext. Tink's AEAD returns a fresh slice that starts with its
// own prefix and offers no way to write after a caller's header (tink-go
// v2.9.0), so sealing through it costs a second allocation and a copy of
// the whole ciphertext. primarySealer writes the field header, Tink's
// prefix, the nonce, the ciphertext and the tag into one buffer.
//
// The output is byte for byte what Tink's AES-GCM primitive produces for
// the same key (tink-go v2.9.0 aead/aesgcm): the prefix 0x01 and the
// big-endian key ID, a random 96-bit nonce, then the ciphertext with a
// 128-bit tag. Opening stays with Tink. Only keys of that exact shape get a
// primarySealer, and every other keyset seals through Tink.
type primarySealer struct {
	gcm    cipher.AEAD // nonce drawn from crypto/rand and written first by Seal
	prefix [tinkPrefixSize]byte
}

// newPrimarySealer returns a sealer for h's primary key, or nil when the
// key is not a 256-bit AES-GCM key with Tink's prefix, a 12-byte IV and a
// 16-byte tag. A nil sealer is not an error: Seal then uses Tink's AEAD.
func newPrimarySealer(h *keyset.Handle) *primarySealer {
	primary, err := h.Primary()
	if err != nil {
		return nil
	}
	key, ok := primary.Key().(*aesgcm.Key)
	if !ok {
		return nil
	}
	params, ok := key.Parameters().(*aesgcm.Parameters)
	if !ok || params.Variant() != aesgcm.VariantTink || params.KeySizeInBytes() != 32 ||
		params.IVSizeInBytes() != 12 || params.TagSizeInBytes() != 16 {
		return nil
	}
	prefix := key.OutputPrefix()
	if len(prefix) != tinkPrefixSize || prefix[0] != 0x01 || binary.BigEndian.Uint32(prefix[1:]) != primary.KeyID() {
		return nil
	}

	// Data returns a copy, which is cleared once the cipher has expanded it.
	raw := key.KeyBytes().Data(insecuresecretdataaccess.Token{})
	defer clear(raw)
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil
	}
	gcm, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil
	}
	s := &primarySealer{gcm: gcm}
	copy(s.prefix[:], prefix)
	return s
}

// seal returns the field ciphertext of plaintext under keyset keysetID.
func (s *primarySealer) seal(keysetID uint32, plaintext, associatedData []byte) []byte {
	const start = fieldHeaderSize + tinkPrefixSize
	out := make([]byte, start, start+len(plaintext)+aesGCMOverhead)
	out[0] = fieldVersion1
	binary.BigEndian.PutUint32(out[1:fieldHeaderSize], keysetID)
	copy(out[fieldHeaderSize:start], s.prefix[:])
	return s.gcm.Seal(out, nil, plaintext, associatedData)
}
