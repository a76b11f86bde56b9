package audit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hidemont/spkit/pii"
)

// MaxLineSize is the largest JSON line, newline included, that the decoder
// accepts. Entries hold identifiers only, so real lines are far shorter.
const MaxLineSize = 16 << 10

// timeLayout writes times in UTC with exactly six fractional digits, the
// precision that the chain MAC covers.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// AppendJSONLine appends e as one JSON object and a newline. Empty optional
// fields are left out.
func AppendJSONLine(b []byte, e *Entry) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, '"')
	b = appendField(b, "actor", e.Actor, true)
	b = appendField(b, "source", e.Source, false)
	b = appendField(b, "action", string(e.Action), true)
	b = appendField(b, "outcome", string(e.Outcome), true)
	b = appendField(b, "reason", e.Reason, false)
	b = appendField(b, "seller", e.SellerID, false)
	b = appendField(b, "order", e.OrderID, false)
	b = appendField(b, "bucket", e.Bucket, false)
	b = appendField(b, "purpose", e.Purpose, false)
	b = appendField(b, "kind", string(e.Kind), false)
	if e.Count != 0 {
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(e.Count), 10)
	}
	b = appendField(b, "key", e.KeyID, true)
	if len(e.Prev) > 0 {
		b = append(b, `,"prev":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Prev)
		b = append(b, '"')
	}
	b = append(b, `,"mac":"`...)
	b = base64.StdEncoding.AppendEncode(b, e.MAC)
	b = append(b, "\"}\n"...)
	return b
}

func appendField(b []byte, name, value string, always bool) []byte {
	if value == "" && !always {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendJSONString quotes s as a JSON string. Validated fields never need
// escaping, but entries read back from storage may hold anything.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError:
			// An invalid byte and U+FFFD itself decode alike, so both are
			// written as one escape and a line re-encodes to itself.
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// MarshalJSON encodes e as AppendJSONLine does, without the newline.
func (e Entry) MarshalJSON() ([]byte, error) {
	b := AppendJSONLine(nil, &e)
	return b[:len(b)-1], nil
}

// UnmarshalJSON decodes an entry as ParseJSONLine does, after removing the
// white space that an enclosing encoder may have added.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return &LineError{Err: err}
	}
	got, err := ParseJSONLine(compact.Bytes())
	if err != nil {
		return err
	}
	*e = got
	return nil
}

// wireEntry mirrors the JSON line. Pointers tell a missing field from an
// empty one where the difference matters.
type wireEntry struct {
	Seq     *uint64 `json:"seq"`
	Time    *string `json:"time"`
	Actor   *string `json:"actor"`
	Source  string  `json:"source"`
	Action  *string `json:"action"`
	Outcome *string `json:"outcome"`
	Reason  string  `json:"reason"`
	Seller  string  `json:"seller"`
	Order   string  `json:"order"`
	Bucket  string  `json:"bucket"`
	Purpose string  `json:"purpose"`
	Kind    string  `json:"kind"`
	Count   int64   `json:"count"`
	Key     *string `json:"key"`
	Prev    string  `json:"prev"`
	MAC     *string `json:"mac"`
}

// LineError reports a JSON line that could not be decoded. Line counts from
// 1 within the stream, or is 0 for a single ParseJSONLine call.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("audit: decode entry: %v", e.Err)
	}
	return fmt.Sprintf("audit: decode entry on line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ParseJSONLine decodes one entry written by AppendJSONLine. A trailing
// newline is allowed. It rejects unknown fields, missing required fields,
// trailing data and lines over MaxLineSize. It also rejects any line that
// differs from what AppendJSONLine writes for the decoded entry, such as one
// with a repeated key, so that each entry has exactly one encoding its MAC
// covers. Errors are *LineError.
func ParseJSONLine(line []byte) (Entry, error) {
	e, err := parseJSONLine(line)
	if err != nil {
		return Entry{}, &LineError{Err: err}
	}
	return e, nil
}

func parseJSONLine(line []byte) (Entry, error) {
	if len(line) > MaxLineSize {
		return Entry{}, fmt.Errorf("line has %d bytes, the maximum is %d", len(line), MaxLineSize)
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var w wireEntry
	if err := dec.Decode(&w); err != nil {
		return Entry{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Entry{}, errors.New("trailing data after the JSON object")
	}

	switch {
	case w.Seq == nil:
		return Entry{}, errors.New("missing field seq")
	case w.Time == nil:
		return Entry{}, errors.New("missing field time")
	case w.Actor == nil:
		return Entry{}, errors.New("missing field actor")
	case w.Action == nil:
		return Entry{}, errors.New("missing field action")
	case w.Outcome == nil:
		return Entry{}, errors.New("missing field outcome")
	case w.Key == nil:
		return Entry{}, errors.New("missing field key")
	case w.MAC == nil:
		return Entry{}, errors.New("missing field mac")
	}
	t, err := time.Parse(timeLayout, *w.Time)
	if err != nil || t.Format(timeLayout) != *w.Time {
		return Entry{}, fmt.Errorf("field time %q is not in the layout %s", clip(*w.Time), timeLayout)
	}
	if int64(int(w.Count)) != w.Count {
		return Entry{}, fmt.Errorf("field count %d is out of range", w.Count)
	}
	prev, err := decodeBase64("prev", w.Prev)
	if err != nil {
		return Entry{}, err
	}
	mac, err := decodeBase64("mac", *w.MAC)
	if err != nil {
		return Entry{}, err
	}
	if len(mac) == 0 {
		return Entry{}, errors.New("field mac is empty")
	}
	e := Entry{
		Seq:      *w.Seq,
		Time:     t,
		Actor:    *w.Actor,
		Source:   w.Source,
		Action:   Action(*w.Action),
		Outcome:  Outcome(*w.Outcome),
		Reason:   w.Reason,
		SellerID: w.Seller,
		OrderID:  w.Order,
		Bucket:   w.Bucket,
		Purpose:  w.Purpose,
		Kind:     pii.Kind(w.Kind),
		Count:    int(w.Count),
		KeyID:    *w.Key,
		Prev:     prev,
		MAC:      mac,
	}
	// The MAC covers the decoded fields, not the bytes, so a line with a
	// repeated key could carry extra text and still verify.
	canonical := AppendJSONLine(nil, &e)
	if !bytes.Equal(canonical[:len(canonical)-1], line) {
		return Entry{}, errors.New("line differs from the canonical encoding of its entry (repeated, reordered or re-cased keys, spaces or escapes)")
	}
	return e, nil
}

func decodeBase64(field, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("field %s is not canonical base64", field)
	}
	return b, nil
}

// ReadEntries returns the entries of a JSON lines stream, in order. Blank
// lines are errors, as is a last line without its newline (a write cut
// short). After an error the sequence stops.
func ReadEntries(r io.Reader) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		for n := 1; ; n++ {
			line, err := readLine(br)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Entry{}, &LineError{Line: n, Err: err})
				return
			}
			e, err := parseJSONLine(line)
			if err != nil {
				yield(Entry{}, &LineError{Line: n, Err: err})
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// readLine returns the next line with its newline. It returns io.EOF only at
// a clean end of the stream.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLineSize {
			return nil, fmt.Errorf("line longer than %d bytes", MaxLineSize)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, errors.New("last line has no newline; the write was cut short")
		default:
			return nil, err
		}
	}
}
