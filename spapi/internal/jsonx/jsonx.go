// Package jsonx holds JSON decoding helpers for the quirks of SP-API
// responses, such as booleans sent as strings.
package jsonx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Bool decodes a JSON boolean, the strings "true" and "false" in any case,
// an empty string or null (both false).
type Bool bool

// UnmarshalJSON implements [json.Unmarshaler].
func (v *Bool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*v = false
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*v = false
			return nil
		}
		parsed, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("invalid boolean %q", s)
		}
		*v = Bool(parsed)
		return nil
	}
	var parsed bool
	if err := json.Unmarshal(b, &parsed); err != nil {
		return fmt.Errorf("invalid boolean %s", truncate(b))
	}
	*v = Bool(parsed)
	return nil
}

// Int decodes a JSON number or a string holding a decimal integer.
type Int int

// UnmarshalJSON implements [json.Unmarshaler].
func (v *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*v = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*v = 0
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		*v = Int(n)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("invalid integer %s", truncate(b))
	}
	*v = Int(n)
	return nil
}

func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}
