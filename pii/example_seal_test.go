package pii_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/hidemont/spkit/pii"
)

// exampleSealer is a toy Sealer with one fixed key and the binding as
// associated data. Use vaultkms in a real program.
type exampleSealer struct{ aead cipher.AEAD }

func newExampleSealer() exampleSealer {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	return exampleSealer{aead}
}

func bindingAD(bucket string, b pii.Binding) []byte {
	return []byte(bucket + "|" + b.Seller + "|" + b.Table + "|" + b.Column + "|" + b.RowID)
}

func (s exampleSealer) Seal(_ context.Context, bucket string, b pii.Binding, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize()) // a fixed nonce is acceptable only in an example
	return s.aead.Seal(nonce, nonce, plaintext, bindingAD(bucket, b)), nil
}

func (s exampleSealer) Open(_ context.Context, bucket string, b pii.Binding, ciphertext []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ciphertext) < n {
		return nil, errors.New("ciphertext too short")
	}
	return s.aead.Open(nil, ciphertext[:n], ciphertext[n:], bindingAD(bucket, b))
}

// exampleIndexer is a toy Indexer: HMAC-SHA256 under a fixed key.
type exampleIndexer struct{}

func (exampleIndexer) BlindIndex(_ context.Context, seller string, kind pii.Kind, normalized []byte) ([]byte, error) {
	m := hmac.New(sha256.New, []byte("example key "+seller+string(kind)))
	m.Write(normalized)
	return m.Sum(nil), nil
}

func ExampleSeal() {
	ctx := context.Background()
	sealer := newExampleSealer()
	phone, err := pii.NewPhone("+1 480-386-0930 ext. 73824")
	if err != nil {
		fmt.Println(err)
		return
	}

	// Seal for the row and column the envelope will be stored in, under the
	// key of its retention bucket. The Envelope is what goes into a bytea
	// column; the Phone itself refuses to.
	at := pii.Binding{Seller: "A1SELLER", Table: "orders", Column: "buyer_phone", RowID: "902-3159896-1390916"}
	env, err := pii.Seal(ctx, sealer, "open", at, phone)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = phone.Value()
	fmt.Println(env.Kind, env.Bucket, err != nil)

	opened, err := pii.Open[pii.Phone](ctx, sealer, at, env)
	fmt.Println(opened == phone, err)

	// A ciphertext copied to another row does not open.
	elsewhere := at
	elsewhere.RowID = "902-0000000-0000000"
	_, err = pii.Open[pii.Phone](ctx, sealer, elsewhere, env)
	fmt.Println(err != nil)

	// Output:
	// phone open true
	// true <nil>
	// true
}

func ExampleBlindIndexOf() {
	ctx := context.Background()
	stored, _ := pii.NewPhone("+1 (480) 386-0930")
	typed, _ := pii.NewPhone("+1 480 386 0930")

	a, err := pii.BlindIndexOf(ctx, exampleIndexer{}, "A1SELLER", stored)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := pii.BlindIndexOf(ctx, exampleIndexer{}, "A1SELLER", typed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a == b, len(a))
	// Output: true 16
}
