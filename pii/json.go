package pii

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// decodeJSONString returns the string a JSON value holds. ok is false for null
// and for the empty string, which SP-API sends for fields it leaves out. The
// errors never quote the input.
func decodeJSONString(k Kind, data []byte) (s string, ok bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "", false, &ValueError{Kind: k, Err: fmt.Errorf("%w: no JSON value", ErrMalformed)}
	}
	if string(data) == "null" {
		return "", false, nil
	}
	if data[0] != '"' {
		return "", false, &ValueError{Kind: k, Err: ErrNotString}
	}
	// encoding/json would replace invalid UTF-8 with U+FFFD; reject it instead,
	// so the stored value is what the buyer wrote.
	if !utf8.Valid(data) {
		return "", false, &ValueError{Kind: k, Err: ErrInvalidUTF8}
	}

	// Most SP-API strings have no escapes; copy those without a second
	// decoder pass.
	if len(data) >= 2 && data[len(data)-1] == '"' {
		if inner := data[1 : len(data)-1]; simpleJSONString(inner) {
			return string(inner), len(inner) > 0, nil
		}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		// json's message may quote input characters, so it is not wrapped.
		return "", false, &ValueError{Kind: k, Err: fmt.Errorf("%w: invalid JSON string", ErrMalformed)}
	}
	return s, s != "", nil
}

// simpleJSONString reports whether b, the inside of a JSON string literal,
// has no escapes, quotes or control characters.
func simpleJSONString(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
	}
	return true
}

// decodeJSONStringOrObject is decodeJSONString that also accepts a JSON
// object, which it returns compacted. SP-API returns buyer tax information as
// objects.
func decodeJSONStringOrObject(k Kind, data []byte) (string, bool, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return decodeJSONString(k, data)
	}
	if len(data) > 4*MaxTaxInfoLen {
		return "", false, &ValueError{Kind: k, Err: fmt.Errorf("%w: %d bytes, maximum %d", ErrTooLong, len(data), MaxTaxInfoLen)}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return "", false, &ValueError{Kind: k, Err: fmt.Errorf("%w: invalid JSON object", ErrMalformed)}
	}
	return buf.String(), true, nil
}

func marshalJSONPlaceholder(k Kind, absent bool) []byte {
	if absent {
		return []byte("null")
	}
	return []byte(`"` + placeholder(k) + `"`)
}

func yamlPlaceholder(k Kind, absent bool) any {
	if absent {
		return nil
	}
	return placeholder(k)
}
