package pii

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
)

// Envelope is a PII value sealed for storage: its kind, the retention bucket
// whose key sealed it, and the ciphertext. It is the only type in this
// package that encodes to a database column (driver.Valuer, sql.Scanner) and
// to JSON, and it carries ciphertext only. The binding is not stored in it,
// because it is the place the envelope is stored at: pass the same binding to
// Open. The zero Envelope means absent and is stored as NULL.
type Envelope struct {
	Kind       Kind
	Bucket     string
	Ciphertext []byte
}

// envelopeVersion is the first byte of the column encoding.
const envelopeVersion = 1

// MaxBucketLen is the longest retention bucket name an Envelope can carry.
const MaxBucketLen = 255

// Limits that keep a decoded Envelope from claiming absurd sizes.
const maxEnvelopeCiphertextLen = 1 << 20

// IsZero reports whether e is absent.
func (e Envelope) IsZero() bool { return e.Kind == "" && e.Bucket == "" && len(e.Ciphertext) == 0 }

// String describes e without its ciphertext.
func (e Envelope) String() string {
	if e.IsZero() {
		return "pii.Envelope{}"
	}
	return fmt.Sprintf("pii.Envelope{Kind: %s, Bucket: %q, Ciphertext: %d bytes}", e.Kind, e.Bucket, len(e.Ciphertext))
}

// Seal encrypts v with sealer under the key of (b.Seller, bucket), with b as
// associated data, and returns the envelope to store at b. An absent v gives
// the zero Envelope without calling sealer. Errors from sealer are wrapped.
func Seal(ctx context.Context, sealer Sealer, bucket string, b Binding, v Value) (Envelope, error) {
	if sealer == nil {
		return Envelope{}, errors.New("pii: Seal: sealer is nil")
	}
	if isNil(v) {
		return Envelope{}, errors.New("pii: Seal: value is nil")
	}
	if v.IsZero() {
		return Envelope{}, nil
	}
	k := v.Kind()
	if bucket == "" || len(bucket) > MaxBucketLen {
		return Envelope{}, fmt.Errorf("pii: Seal %s: bucket must have 1 to %d bytes, got %d", k, MaxBucketLen, len(bucket))
	}
	if b.Seller == "" {
		return Envelope{}, fmt.Errorf("pii: Seal %s: binding has no seller", k)
	}

	clear, err := v.clearBytes()
	if err != nil {
		return Envelope{}, err
	}
	ct, err := sealer.Seal(ctx, bucket, b, clear)
	clearBuffer(clear)
	if err != nil {
		return Envelope{}, fmt.Errorf("pii: Seal %s in bucket %q at %s.%s: %w", k, bucket, b.Table, b.Column, err)
	}
	if len(ct) == 0 {
		return Envelope{}, fmt.Errorf("pii: Seal %s in bucket %q: sealer returned no ciphertext", k, bucket)
	}
	return Envelope{Kind: k, Bucket: bucket, Ciphertext: ct}, nil
}

// ErrKindMismatch is returned by Open when the envelope holds another kind
// than the type requested.
var ErrKindMismatch = errors.New("pii: envelope kind does not match the requested type")

// sealable is the constraint of Open: a pointer to a PII type.
type sealable[T any] interface {
	*T
	Value
	setClear(clear []byte) error
}

// Open decrypts env with sealer and the binding it was sealed with, and
// returns the value as type T, for example pii.Open[pii.Phone](ctx, s, b, env).
// The zero Envelope gives the absent value. It returns an error wrapping
// ErrKindMismatch when env holds another kind, the sealer's error when the
// ciphertext does not open (a wrong binding, a shredded bucket), or a
// *ValueError when the opened bytes are not a valid value.
func Open[T any, P sealable[T]](ctx context.Context, sealer Sealer, b Binding, env Envelope) (T, error) {
	var v T
	if env.IsZero() {
		return v, nil
	}
	if sealer == nil {
		return v, errors.New("pii: Open: sealer is nil")
	}
	want := P(&v).Kind()
	if env.Kind != want {
		return v, fmt.Errorf("%w: want %s, got %q", ErrKindMismatch, want, env.Kind)
	}

	clear, err := sealer.Open(ctx, env.Bucket, b, env.Ciphertext)
	defer clearBuffer(clear)
	if err != nil {
		return v, fmt.Errorf("pii: Open %s in bucket %q at %s.%s: %w", want, env.Bucket, b.Table, b.Column, err)
	}
	if err := P(&v).setClear(clear); err != nil {
		return v, err
	}
	return v, nil
}

// Value encodes e for a bytea column: a version byte, the kind and bucket each
// prefixed by its length, then the ciphertext. The zero Envelope encodes as
// NULL.
func (e Envelope) Value() (driver.Value, error) {
	if e.IsZero() {
		return nil, nil
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 3+len(e.Kind)+len(e.Bucket)+len(e.Ciphertext))
	out = append(out, envelopeVersion, byte(len(e.Kind)))
	out = append(out, e.Kind...)
	out = append(out, byte(len(e.Bucket)))
	out = append(out, e.Bucket...)
	out = append(out, e.Ciphertext...)
	return out, nil
}

// Scan decodes a column written by Value. NULL gives the zero Envelope.
func (e *Envelope) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		*e = Envelope{}
		return nil
	case []byte:
		b = s
	case string:
		b = []byte(s)
	default:
		return fmt.Errorf("pii: Envelope.Scan: cannot scan %T, want bytea", src)
	}

	bad := func(what string) error { return fmt.Errorf("pii: Envelope.Scan: invalid envelope: %s", what) }
	if len(b) < 3 || b[0] != envelopeVersion {
		return bad("unknown version or truncated")
	}
	b = b[1:]
	kn := int(b[0])
	if len(b) < 1+kn+1 {
		return bad("truncated kind")
	}
	k := Kind(b[1 : 1+kn])
	b = b[1+kn:]
	bn := int(b[0])
	if len(b) < 1+bn {
		return bad("truncated bucket")
	}
	env := Envelope{Kind: k, Bucket: string(b[1 : 1+bn]), Ciphertext: append([]byte(nil), b[1+bn:]...)}
	if err := env.validate(); err != nil {
		return err
	}
	*e = env
	return nil
}

type envelopeJSON struct {
	Kind       Kind   `json:"kind"`
	Bucket     string `json:"bucket"`
	Ciphertext []byte `json:"ciphertext"` // base64
}

// MarshalJSON encodes e as {"kind", "bucket", "ciphertext" (base64)}, or null
// when e is absent.
func (e Envelope) MarshalJSON() ([]byte, error) {
	if e.IsZero() {
		return []byte("null"), nil
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(envelopeJSON(e))
}

// UnmarshalJSON decodes what MarshalJSON writes.
func (e *Envelope) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*e = Envelope{}
		return nil
	}
	var w envelopeJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("pii: Envelope.UnmarshalJSON: %w", err)
	}
	env := Envelope(w)
	if err := env.validate(); err != nil {
		return err
	}
	*e = env
	return nil
}

func (e Envelope) validate() error {
	switch {
	case !knownKind(e.Kind):
		return fmt.Errorf("pii: invalid envelope: unknown kind %q", e.Kind)
	case e.Bucket == "" || len(e.Bucket) > MaxBucketLen:
		return fmt.Errorf("pii: invalid envelope: bucket must have 1 to %d bytes, got %d", MaxBucketLen, len(e.Bucket))
	case len(e.Ciphertext) == 0 || len(e.Ciphertext) > maxEnvelopeCiphertextLen:
		return fmt.Errorf("pii: invalid envelope: ciphertext must have 1 to %d bytes, got %d", maxEnvelopeCiphertextLen, len(e.Ciphertext))
	}
	return nil
}
