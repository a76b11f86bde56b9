package pii_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
)

// testSealer is an AES-GCM Sealer with one random key per (seller, bucket)
// and the binding as associated data. Shred drops a bucket's key.
type testSealer struct {
	mu   sync.Mutex
	keys map[string][]byte
	err  error // returned by Seal and Open when set
}

func newTestSealer() *testSealer { return &testSealer{keys: map[string][]byte{}} }

func (s *testSealer) aead(seller, bucket string, create bool) (cipher.AEAD, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := seller + "\x00" + bucket
	key, ok := s.keys[id]
	if !ok {
		if !create {
			return nil, errors.New("no key for bucket")
		}
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		s.keys[id] = key
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *testSealer) shred(seller, bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, seller+"\x00"+bucket)
}

func associatedData(b pii.Binding) []byte {
	return []byte(strings.Join([]string{b.Seller, b.Table, b.Column, b.RowID}, "\x00"))
}

func (s *testSealer) Seal(_ context.Context, bucket string, b pii.Binding, plaintext []byte) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	aead, err := s.aead(b.Seller, bucket, true)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, associatedData(b)), nil
}

func (s *testSealer) Open(_ context.Context, bucket string, b pii.Binding, ciphertext []byte) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	aead, err := s.aead(b.Seller, bucket, false)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < aead.NonceSize() {
		return nil, errors.New("ciphertext too short")
	}
	n := aead.NonceSize()
	return aead.Open(nil, ciphertext[:n], ciphertext[n:], associatedData(b))
}

// testIndexer is an HMAC-SHA256 Indexer with one key per seller.
type testIndexer struct {
	short bool  // return fewer bytes than a BlindIndex needs
	err   error // returned when set
}

func (x testIndexer) BlindIndex(_ context.Context, seller string, kind pii.Kind, normalized []byte) ([]byte, error) {
	if x.err != nil {
		return nil, x.err
	}
	m := hmac.New(sha256.New, []byte("test index key for "+seller))
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write(normalized)
	sum := m.Sum(nil)
	if x.short {
		return sum[:8], nil
	}
	return sum, nil
}

var testBinding = pii.Binding{Seller: "A1SELLER", Table: "orders", Column: "buyer_name", RowID: "114-1"}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSample(t, 51)
	sealer := newTestSealer()
	ctx := t.Context()

	check := func(t *testing.T, v pii.Value, open func(pii.Envelope) (pii.Value, error)) {
		t.Helper()
		env, err := pii.Seal(ctx, sealer, "2026-12-04", testBinding, v)
		if err != nil {
			t.Fatal(err)
		}
		if env.Kind != v.Kind() || env.Bucket != "2026-12-04" || len(env.Ciphertext) == 0 {
			t.Fatalf("envelope = %v", env)
		}
		got, err := open(env)
		if err != nil {
			t.Fatal(err)
		}
		if got != v {
			t.Error("opened value differs from the sealed one")
		}
	}
	check(t, s.name, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.BuyerName](ctx, sealer, testBinding, e) })
	check(t, s.address, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.Address](ctx, sealer, testBinding, e) })
	check(t, s.phone, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.Phone](ctx, sealer, testBinding, e) })
	check(t, s.email, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.Email](ctx, sealer, testBinding, e) })
	check(t, s.taxInfo, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.TaxInfo](ctx, sealer, testBinding, e) })
	check(t, s.personalization, func(e pii.Envelope) (pii.Value, error) {
		return pii.Open[pii.Personalization](ctx, sealer, testBinding, e)
	})
	check(t, s.giftMessage, func(e pii.Envelope) (pii.Value, error) { return pii.Open[pii.GiftMessage](ctx, sealer, testBinding, e) })
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	s := newSample(t, 52)
	sealer := newTestSealer()
	ctx := t.Context()
	env, err := pii.Seal(ctx, sealer, "open", testBinding, s.phone)
	if err != nil {
		t.Fatal(err)
	}

	moved := testBinding
	moved.RowID = "114-2"
	if _, err := pii.Open[pii.Phone](ctx, sealer, moved, env); err == nil {
		t.Error("ciphertext opened at another row")
	}
	if _, err := pii.Open[pii.Email](ctx, sealer, testBinding, env); !errors.Is(err, pii.ErrKindMismatch) {
		t.Errorf("open as another kind: error = %v, want ErrKindMismatch", err)
	}
	sealer.shred(testBinding.Seller, "open")
	if _, err := pii.Open[pii.Phone](ctx, sealer, testBinding, env); err == nil {
		t.Error("ciphertext opened after its bucket was shredded")
	}
}

func TestSealFailures(t *testing.T) {
	t.Parallel()
	s := newSample(t, 53)
	ctx := t.Context()
	vaultDown := errors.New("vault sealed")

	if _, err := pii.Seal(ctx, &testSealer{keys: map[string][]byte{}, err: vaultDown}, "b", testBinding, s.name); !errors.Is(err, vaultDown) {
		t.Errorf("sealer error: got %v", err)
	}
	env := pii.Envelope{Kind: pii.KindBuyerName, Bucket: "b", Ciphertext: []byte{1}}
	if _, err := pii.Open[pii.BuyerName](ctx, &testSealer{err: vaultDown}, testBinding, env); !errors.Is(err, vaultDown) {
		t.Errorf("sealer error on Open: got %v", err)
	}
	if _, err := pii.Seal(ctx, nil, "b", testBinding, s.name); err == nil {
		t.Error("nil sealer: no error")
	}
	if _, err := pii.Seal(ctx, newTestSealer(), "", testBinding, s.name); err == nil {
		t.Error("empty bucket: no error")
	}
	if _, err := pii.Seal(ctx, newTestSealer(), strings.Repeat("b", pii.MaxBucketLen+1), testBinding, s.name); err == nil {
		t.Error("long bucket: no error")
	}
	if _, err := pii.Seal(ctx, newTestSealer(), "b", pii.Binding{Table: "orders"}, s.name); err == nil {
		t.Error("binding without seller: no error")
	}
	var nilName *pii.BuyerName
	if _, err := pii.Seal(ctx, newTestSealer(), "b", testBinding, nilName); err == nil {
		t.Error("nil value: no error")
	}
}

func TestSealAbsentValue(t *testing.T) {
	t.Parallel()
	sealer := &testSealer{err: errors.New("must not be called")}
	env, err := pii.Seal(t.Context(), sealer, "b", testBinding, pii.Phone{})
	if err != nil || !env.IsZero() {
		t.Fatalf("Seal of an absent value = %v, %v", env, err)
	}
	v, err := pii.Open[pii.Phone](t.Context(), sealer, testBinding, env)
	if err != nil || !v.IsZero() {
		t.Errorf("Open of the zero Envelope = %v, %v", v, err)
	}
	dbValue, err := env.Value()
	if err != nil || dbValue != nil {
		t.Errorf("Value of the zero Envelope = %v, %v; want NULL", dbValue, err)
	}
}

func TestEnvelopeEncodings(t *testing.T) {
	t.Parallel()
	s := newSample(t, 54)
	env, err := pii.Seal(t.Context(), newTestSealer(), "2026-12", testBinding, s.email)
	if err != nil {
		t.Fatal(err)
	}

	dbValue, err := env.Value()
	if err != nil {
		t.Fatal(err)
	}
	var scanned pii.Envelope
	if err := scanned.Scan(dbValue); err != nil {
		t.Fatal(err)
	}
	if scanned.String() != env.String() || string(scanned.Ciphertext) != string(env.Ciphertext) {
		t.Errorf("Scan(Value()) = %v, want %v", scanned, env)
	}

	js, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	var decoded pii.Envelope
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.String() != env.String() || string(decoded.Ciphertext) != string(env.Ciphertext) {
		t.Errorf("JSON round trip = %v, want %v", decoded, env)
	}
	if strings.Contains(string(js), s.clearEmail) || strings.Contains(env.String(), s.clearEmail) {
		t.Error("envelope encoding contains the clear e-mail")
	}
}

func TestEnvelopeScanRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  any
	}{
		{"number", 42},
		{"empty", []byte{}},
		{"wrong version", []byte{9, 5, 'p', 'h', 'o', 'n', 'e', 1, 'b', 1}},
		{"truncated kind", []byte{1, 50, 'p'}},
		{"truncated bucket", []byte{1, 5, 'p', 'h', 'o', 'n', 'e', 9, 'b'}},
		{"unknown kind", []byte{1, 3, 's', 's', 'n', 1, 'b', 1}},
		{"no ciphertext", []byte{1, 5, 'p', 'h', 'o', 'n', 'e', 1, 'b'}},
		{"empty bucket", []byte{1, 5, 'p', 'h', 'o', 'n', 'e', 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env pii.Envelope
			if err := env.Scan(tt.src); err == nil {
				t.Errorf("Scan accepted %v", tt.src)
			}
		})
	}
	var env pii.Envelope
	if err := env.Scan(nil); err != nil || !env.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", env, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"ssn","bucket":"b","ciphertext":"AQ=="}`), &env); err == nil {
		t.Error("UnmarshalJSON accepted an unknown kind")
	}
}

func TestEnvelopeInPostgreSQL(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := t.Context()
	s := newSample(t, 55)
	sealer := newTestSealer()

	if _, err := pool.Exec(ctx, `CREATE TABLE orders (id text PRIMARY KEY, buyer_name bytea, phone bytea)`); err != nil {
		t.Fatal(err)
	}
	nameEnv, err := pii.Seal(ctx, sealer, "2026-12-04", testBinding, s.name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO orders VALUES ($1, $2, $3)`, testBinding.RowID, nameEnv, pii.Envelope{}); err != nil {
		t.Fatal(err)
	}

	// The clear value itself cannot be written.
	if _, err := pool.Exec(ctx, `UPDATE orders SET phone = $1`, s.phone); err == nil {
		t.Error("a Phone was written to a column")
	}

	var gotName, gotPhone pii.Envelope
	var raw []byte
	err = pool.QueryRow(ctx, `SELECT buyer_name, phone, buyer_name FROM orders WHERE id = $1`, testBinding.RowID).Scan(&gotName, &gotPhone, &raw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), s.clearName) {
		t.Error("column holds the clear name")
	}
	if !gotPhone.IsZero() {
		t.Error("NULL column did not scan to the zero Envelope")
	}
	name, err := pii.Open[pii.BuyerName](ctx, sealer, testBinding, gotName)
	if err != nil {
		t.Fatal(err)
	}
	if name != s.name {
		t.Error("name read back from PostgreSQL differs")
	}
}

func TestBlindIndexOf(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ix := testIndexer{}
	index := func(v pii.Value, seller string) pii.BlindIndex {
		t.Helper()
		x, err := pii.BlindIndexOf(ctx, ix, seller, v)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	phone := func(s string) pii.Phone {
		p, err := pii.NewPhone(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	email := func(s string) pii.Email {
		e, err := pii.NewEmail(s)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	if index(phone("+1 (480) 555-0100"), "S1") != index(phone("+1 480 555 0100"), "S1") {
		t.Error("phone formats of the same number index differently")
	}
	if index(phone("+1 480 555 0100"), "S1") == index(phone("+1 480 555 0101"), "S1") {
		t.Error("different phones index equally")
	}
	if index(phone("+1 480 555 0100"), "S1") == index(phone("+1 480 555 0100"), "S2") {
		t.Error("sellers share an index")
	}
	if index(email("Ab@Example.com"), "S1") != index(email("ab@example.COM"), "S1") {
		t.Error("e-mail case changes the index")
	}

	s := newSample(t, 56)
	moved := s.parts
	moved.Name = "Someone Else"
	other, err := pii.NewAddress(moved)
	if err != nil {
		t.Fatal(err)
	}
	if index(s.address, "S1") != index(other, "S1") {
		t.Error("address index depends on the recipient name")
	}
}

func TestBlindIndexOfFailures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newSample(t, 57)
	if _, err := pii.BlindIndexOf(ctx, testIndexer{short: true}, "S1", s.phone); err == nil {
		t.Error("short index accepted")
	}
	if _, err := pii.BlindIndexOf(ctx, testIndexer{}, "S1", pii.Phone{}); err == nil {
		t.Error("absent value indexed")
	}
	if _, err := pii.BlindIndexOf(ctx, testIndexer{}, "", s.phone); err == nil {
		t.Error("empty seller accepted")
	}
	if _, err := pii.BlindIndexOf(ctx, nil, "S1", s.phone); err == nil {
		t.Error("nil indexer accepted")
	}
	vaultDown := errors.New("vault unreachable")
	if _, err := pii.BlindIndexOf(ctx, testIndexer{err: vaultDown}, "S1", s.phone); !errors.Is(err, vaultDown) {
		t.Errorf("indexer failure: error = %v, want it wrapped", err)
	}
}

// rawSealer returns stored bytes unchanged from Open, so a test controls
// what Open decodes.
type rawSealer struct{ clear []byte }

func (s rawSealer) Seal(context.Context, string, pii.Binding, []byte) ([]byte, error) {
	return []byte{1}, nil
}

func (s rawSealer) Open(context.Context, string, pii.Binding, []byte) ([]byte, error) {
	return append([]byte(nil), s.clear...), nil
}

func TestOpenRejectsInvalidClearBytes(t *testing.T) {
	t.Parallel()
	env := func(k pii.Kind) pii.Envelope { return pii.Envelope{Kind: k, Bucket: "b", Ciphertext: []byte{1}} }
	ctx := t.Context()
	if _, err := pii.Open[pii.Address](ctx, rawSealer{[]byte("{}")}, testBinding, env(pii.KindAddress)); !errors.Is(err, pii.ErrMalformed) {
		t.Errorf("address from JSON bytes: error = %v, want ErrMalformed", err)
	}
	if _, err := pii.Open[pii.Address](ctx, rawSealer{[]byte{1, 200}}, testBinding, env(pii.KindAddress)); !errors.Is(err, pii.ErrMalformed) {
		t.Errorf("truncated address: error = %v, want ErrMalformed", err)
	}
	if _, err := pii.Open[pii.Phone](ctx, rawSealer{[]byte("no digits")}, testBinding, env(pii.KindPhone)); !errors.Is(err, pii.ErrMalformed) {
		t.Errorf("invalid phone: error = %v, want ErrMalformed", err)
	}
}

func FuzzOpenAddress(f *testing.F) {
	s := newSample(f, 59)
	sealer := newTestSealer()
	env, err := pii.Seal(f.Context(), sealer, "b", testBinding, s.address)
	if err != nil {
		f.Fatal(err)
	}
	clear, err := sealer.Open(f.Context(), "b", testBinding, env.Ciphertext)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clear)
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, clear []byte) {
		e := pii.Envelope{Kind: pii.KindAddress, Bucket: "b", Ciphertext: []byte{1}}
		a, err := pii.Open[pii.Address](t.Context(), rawSealer{clear}, testBinding, e)
		if err != nil {
			return
		}
		again, err := pii.Seal(t.Context(), sealer, "b", testBinding, a)
		if err != nil {
			t.Fatal(err)
		}
		if a.IsZero() != again.IsZero() {
			t.Fatal("sealing an opened address changed whether it is absent")
		}
	})
}

func TestEnvelopeRejectsInvalidFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  pii.Envelope
	}{
		{"unknown kind", pii.Envelope{Kind: "ssn", Bucket: "b", Ciphertext: []byte{1}}},
		{"no bucket", pii.Envelope{Kind: pii.KindPhone, Ciphertext: []byte{1}}},
		{"long bucket", pii.Envelope{Kind: pii.KindPhone, Bucket: strings.Repeat("b", pii.MaxBucketLen+1), Ciphertext: []byte{1}}},
		{"no ciphertext", pii.Envelope{Kind: pii.KindPhone, Bucket: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tt.env.Value(); err == nil {
				t.Error("Value accepted an invalid envelope")
			}
			if _, err := json.Marshal(tt.env); err == nil {
				t.Error("MarshalJSON accepted an invalid envelope")
			}
		})
	}
}
