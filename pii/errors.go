package pii

import (
	"errors"
	"fmt"
)

// Reasons a value is rejected. A *ValueError wraps one of them, so callers can
// test for a reason with errors.Is.
var (
	ErrEmpty       = errors.New("empty")
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrTooLong     = errors.New("too long")
	ErrPlaceholder = errors.New("contains a redaction placeholder, not data")
	ErrControlChar = errors.New("contains a control character")
	ErrMalformed   = errors.New("malformed")
	ErrNotString   = errors.New("JSON value is not a string")
)

// ValueError reports a value that a constructor, UnmarshalJSON or Open
// rejected. It never contains the value itself.
type ValueError struct {
	Kind  Kind
	Field string // address part such as "AddressLine1"; empty for other kinds
	Err   error  // one of ErrEmpty, ErrInvalidUTF8, ErrTooLong, ... possibly wrapped with detail
}

func (e *ValueError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("pii: invalid %s field %s: %v", e.Kind, e.Field, e.Err)
	}
	return fmt.Sprintf("pii: invalid %s: %v", e.Kind, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// ErrClearEncoding is matched (with errors.Is) by every *EncodingError.
var ErrClearEncoding = errors.New("pii: values are never encoded in clear")

// EncodingError is returned by MarshalText, MarshalBinary, GobEncode,
// MarshalXML and Value of a PII value, because those encodings would carry
// clear text. Store values with Seal and show them through a Revealer.
type EncodingError struct {
	Kind     Kind
	Encoding string // "text", "binary", "gob", "xml" or "database/sql"
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("pii: %s cannot be encoded as %s: seal it with pii.Seal for storage or reveal it through a pii.Revealer", e.Kind, e.Encoding)
}

// Is reports whether target is ErrClearEncoding.
func (e *EncodingError) Is(target error) bool { return target == ErrClearEncoding }

// cipherError wraps a failure of the in-process cipher, such as a key that
// failed to load. Callers get it as an error rather than a panic.
type cipherError struct{ err error }

func (e *cipherError) Error() string { return "pii: in-process cipher failed: " + e.err.Error() }
func (e *cipherError) Unwrap() error { return e.err }
