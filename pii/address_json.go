package pii

// Address.UnmarshalJSON runs inside a decoder that has already scanned the
// object once, so decoding it again with encoding/json would more than double
// its cost. parseFlatAddress handles the common shape of SP-API address
// objects in one pass: string or null values, ASCII keys, no escapes, and an
// optional extendedFields object of the same shape. It reports false for
// anything else, and the caller then falls back to encoding/json.

// parseFlatAddress decodes data, which must be valid UTF-8, into w and
// reports whether it could. On false, w may be partly filled and must be
// discarded.
func parseFlatAddress(data []byte, w *addressJSON) bool {
	p := flatParser{data: data}
	return p.object(func(key []byte) *string { return w.field(key) }, func() bool {
		if w.ExtendedFields == nil {
			w.ExtendedFields = &extendedFieldsJSON{}
		}
		e := w.ExtendedFields
		return p.object(func(key []byte) *string { return e.field(key) }, nil) && p.end(false)
	}) && p.end(true)
}

type flatParser struct {
	data []byte
	pos  int
}

func (p *flatParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *flatParser) consume(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// end skips white space and, at the top level, reports whether the input is
// used up. Inside an object it always reports true.
func (p *flatParser) end(top bool) bool {
	p.skipSpace()
	return !top || p.pos == len(p.data)
}

// simpleString reads a string without escapes or control characters.
func (p *flatParser) simpleString() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.data[start : p.pos-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.pos++
	}
	return nil, false
}

// object reads an object. field returns where a key's string value goes, or
// nil to ignore it. nested, when not nil, reads the value of extendedFields.
func (p *flatParser) object(field func(key []byte) *string, nested func() bool) bool {
	if !p.consume('{') {
		return false
	}
	if p.consume('}') {
		return true
	}
	for {
		key, ok := p.simpleString()
		if !ok || !isASCII(key) || !p.consume(':') {
			return false
		}
		p.skipSpace()
		isNested := nested != nil && asciiEqualFold(key, "extendedFields")
		switch {
		case isNested && p.pos < len(p.data) && p.data[p.pos] != '{':
			return false // null or a wrong type: leave to encoding/json
		case isNested:
			if !nested() {
				return false
			}
		case p.pos < len(p.data) && p.data[p.pos] == '"':
			value, ok := p.simpleString()
			if !ok {
				return false
			}
			if dst := field(key); dst != nil {
				*dst = string(value)
			}
		case len(p.data)-p.pos >= 4 && string(p.data[p.pos:p.pos+4]) == "null":
			p.pos += 4
		default:
			return false // numbers, arrays, other objects: leave to encoding/json
		}
		if p.consume('}') {
			return true
		}
		if !p.consume(',') {
			return false
		}
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// asciiEqualFold matches a key as encoding/json does for ASCII keys.
func asciiEqualFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// field returns the part a top-level key names, or nil.
func (w *addressJSON) field(key []byte) *string {
	fields := w.AddressParts.fields()
	for _, f := range fields {
		if asciiEqualFold(key, f.name) {
			return f.ptr
		}
	}
	return nil
}

// field returns the extended field a key names, or nil.
func (e *extendedFieldsJSON) field(key []byte) *string {
	switch {
	case asciiEqualFold(key, "StreetName"):
		return &e.StreetName
	case asciiEqualFold(key, "StreetNumber"):
		return &e.StreetNumber
	case asciiEqualFold(key, "Complement"):
		return &e.Complement
	case asciiEqualFold(key, "Neighborhood"):
		return &e.Neighborhood
	}
	return nil
}
