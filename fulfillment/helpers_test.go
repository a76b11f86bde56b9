package fulfillment_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hidemont/spkit/pii"
)

// testSealer is an AES-256-GCM sealer for tests, with the bucket and binding
// as associated data. Its key exists only in memory.
type testSealer struct {
	aead  cipher.AEAD
	fail  error
	calls int
}

func newTestSealer(t *testing.T) *testSealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &testSealer{aead: aead}
}

func aad(bucket string, b pii.Binding) []byte {
	out, _ := json.Marshal([]string{bucket, b.Seller, b.Table, b.Column, b.RowID})
	return out
}

func (s *testSealer) Seal(_ context.Context, bucket string, b pii.Binding, plaintext []byte) ([]byte, error) {
	s.calls++
	if s.fail != nil {
		return nil, s.fail
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, aad(bucket, b)), nil
}

func (s *testSealer) Open(_ context.Context, bucket string, b pii.Binding, ct []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ct) < n {
		return nil, errors.New("ciphertext too short")
	}
	return s.aead.Open(nil, ct[:n], ct[n:], aad(bucket, b))
}
