package vaultkms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

func FuzzParseFieldHeader(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 1, 1, 0, 0, 0, 2})
	f.Add(make([]byte, 38))
	f.Fuzz(func(t *testing.T, ct []byte) {
		h, err := vaultkms.ParseFieldHeader(ct)
		if err != nil {
			return
		}
		if h.Version != 1 || len(ct) < 38 {
			t.Fatalf("ParseFieldHeader accepted %d bytes with version %d", len(ct), h.Version)
		}
	})
}

// FuzzOpen feeds arbitrary ciphertexts to Open: it must fail with
// ErrDecrypt and never panic or return plaintext.
func FuzzOpen(f *testing.F) {
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		f.Fatal(err)
	}
	bind := pii.Binding{Seller: "A1", Table: "orders", Column: "buyer_name", RowID: "r1"}
	valid, err := ring.Seal(context.Background(), "b1", bind, []byte("Synthetic Buyer"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := ring.Open(context.Background(), "b1", bind, ct)
		if err == nil {
			if string(ct) != string(valid) {
				t.Fatalf("Open accepted a ciphertext other than the sealed one")
			}
			return
		}
		if pt != nil {
			t.Fatalf("Open returned plaintext with error %v", err)
		}
		if !errors.Is(err, vaultkms.ErrDecrypt) {
			t.Fatalf("Open error = %v, want ErrDecrypt", err)
		}
	})
}
