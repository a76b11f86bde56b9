package vaultkms

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/pii"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
)

func TestPrimarySealerOpensWithTink(t *testing.T) {
	t.Parallel()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	tinkAEAD, err := aead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	s := newPrimarySealer(h)
	if s == nil {
		t.Fatal("no primary sealer for an AES-256-GCM keyset")
	}
	ad := fieldAssociatedData("2026-12-04", pii.Binding{Seller: "S1", Table: "orders", Column: "phone", RowID: "1"})

	for _, size := range []int{0, 1, 16, 64, 1000} {
		pt := make([]byte, size)
		for i := range pt {
			pt[i] = byte(i)
		}
		ct := s.seal(0x01020304, pt, ad)

		if want := minFieldCipherSz + size; len(ct) != want || cap(ct) != want {
			t.Errorf("size %d: ciphertext len %d cap %d, want %d", size, len(ct), cap(ct), want)
		}
		hdr, err := ParseFieldHeader(ct)
		if err != nil {
			t.Fatalf("size %d: ParseFieldHeader: %v", size, err)
		}
		if hdr.KeysetID != 0x01020304 {
			t.Errorf("size %d: keyset ID %#x, want 0x01020304", size, hdr.KeysetID)
		}
		if hdr.KeyID != h.KeysetInfo().GetPrimaryKeyId() {
			t.Errorf("size %d: key ID %d, want the primary %d", size, hdr.KeyID, h.KeysetInfo().GetPrimaryKeyId())
		}
		got, err := tinkAEAD.Decrypt(ct[fieldHeaderSize:], ad)
		if err != nil {
			t.Fatalf("size %d: Tink cannot open the ciphertext: %v", size, err)
		}
		if string(got) != string(pt) {
			t.Errorf("size %d: Tink opened different plaintext", size)
		}
		if _, err := tinkAEAD.Decrypt(ct[fieldHeaderSize:], append(ad[:len(ad):len(ad)], 'x')); err == nil {
			t.Errorf("size %d: Tink opened the ciphertext with other associated data", size)
		}
	}
}

func TestPrimarySealerNoncesDiffer(t *testing.T) {
	t.Parallel()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	s := newPrimarySealer(h)
	if s == nil {
		t.Fatal("no primary sealer for an AES-256-GCM keyset")
	}
	const start = fieldHeaderSize + tinkPrefixSize
	seen := map[string]bool{}
	for range 100 {
		nonce := string(s.seal(1, []byte("x"), nil)[start : start+12])
		if seen[nonce] {
			t.Fatal("two seals used the same nonce")
		}
		seen[nonce] = true
	}
}

func TestPrimarySealerOnlyForTinkAESGCM256(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		template *tinkpb.KeyTemplate
	}{
		{"AES-128-GCM", aead.AES128GCMKeyTemplate()},
		{"AES-256-GCM without prefix", aead.AES256GCMNoPrefixKeyTemplate()},
		{"AES-256-GCM-SIV", aead.AES256GCMSIVKeyTemplate()},
		{"ChaCha20-Poly1305", aead.ChaCha20Poly1305KeyTemplate()},
	}
	for _, c := range cases {
		h, err := keyset.NewHandle(c.template)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s := newPrimarySealer(h); s != nil {
			t.Errorf("%s: got a primary sealer, want Tink's AEAD", c.name)
		}
	}
}

// TestSealFallsBackToTink seals through Tink's AEAD, as for a keyset whose
// primary key the primary sealer does not support.
func TestSealFallsBackToTink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ring, err := New(Config{KEK: NewInsecureLocalKEK(), Store: NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	bind := pii.Binding{Seller: "S1", Table: "orders", Column: "phone", RowID: "1"}
	if _, err := ring.Seal(ctx, "b1", bind, []byte("warm")); err != nil {
		t.Fatal(err)
	}
	e, _ := ring.cache.get(BucketRef{"S1", "b1"})
	if e == nil || e.sealer == nil {
		t.Fatal("warm AES-256-GCM bucket has no primary sealer")
	}
	e.sealer = nil // before any concurrent use, so no race

	ct, err := ring.Seal(ctx, "b1", bind, []byte("value"))
	if err != nil {
		t.Fatalf("Seal through Tink: %v", err)
	}
	if len(ct) != minFieldCipherSz+len("value") {
		t.Errorf("ciphertext is %d bytes, want %d", len(ct), minFieldCipherSz+len("value"))
	}
	pt, err := ring.Open(ctx, "b1", bind, ct)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(pt) != "value" {
		t.Error("Open returned different plaintext")
	}
}

func TestEntryAssociatedDataMatchesBinding(t *testing.T) {
	t.Parallel()
	ring, err := New(Config{KEK: NewInsecureLocalKEK(), Store: NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	bind := pii.Binding{Seller: "A2SELLER", Table: "orders", Column: "shipping_address", RowID: "902-3159896-1390916"}
	if _, err := ring.Seal(context.Background(), "2026-12-04", bind, []byte("warm")); err != nil {
		t.Fatal(err)
	}
	e, _ := ring.cache.get(BucketRef{bind.Seller, "2026-12-04"})
	if e == nil {
		t.Fatal("bucket not cached")
	}

	for _, b := range []pii.Binding{bind, {Seller: bind.Seller, Table: "t", Column: "", RowID: "row with spaces"}} {
		got := getAssociatedData(e.fieldADPrefix, b)
		want := fieldAssociatedData("2026-12-04", b)
		if string(*got) != string(want) {
			t.Errorf("binding %+v: associated data %x, want %x", b, *got, want)
		}
		putAssociatedData(got)
	}
}
