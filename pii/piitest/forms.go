package piitest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// leakForm is one encoding of a clear text that must not appear in output.
type leakForm struct {
	name string // for example "base64 (URL)"
	text string
}

// leakForms returns the forms of clear that count as a leak: the text itself,
// Go and JSON quoting, hexadecimal, and standard and URL base64. Base64 is
// taken at all three byte alignments, keeping only the characters that depend
// on clear alone, so the text is found inside a longer encoded string too.
func leakForms(clear string) []leakForm {
	forms := []leakForm{
		{"clear text", clear},
		{"Go quoted", inner(strconv.Quote(clear))},
		{"Go quoted ASCII", inner(strconv.QuoteToASCII(clear))},
		{"hex", hex.EncodeToString([]byte(clear))},
		{"hex (upper case)", strings.ToUpper(hex.EncodeToString([]byte(clear)))},
		{"hex (spaced)", fmt.Sprintf("% x", clear)},
	}
	if b, err := json.Marshal(clear); err == nil {
		forms = append(forms, leakForm{"JSON quoted", inner(string(b))})
	}
	for _, enc := range []struct {
		name string
		enc  *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64 (URL)", base64.URLEncoding}} {
		for offset := range 3 {
			if s := alignedBase64(enc.enc, clear, offset); s != "" {
				forms = append(forms, leakForm{enc.name, s})
			}
		}
	}

	// Drop duplicates, such as the quoted form of plain ASCII.
	seen := map[string]bool{}
	unique := forms[:0]
	for _, f := range forms {
		if f.text == "" || seen[f.text] {
			continue
		}
		seen[f.text] = true
		unique = append(unique, f)
	}
	return unique
}

func inner(quoted string) string { return quoted[1 : len(quoted)-1] }

// alignedBase64 encodes clear after offset filler bytes and returns the
// characters whose 6 bits all come from clear.
func alignedBase64(enc *base64.Encoding, clear string, offset int) string {
	encoded := enc.EncodeToString(append(make([]byte, offset), clear...))
	first := (offset*8 + 5) / 6
	last := ((offset+len(clear))*8 - 6) / 6 // inclusive
	if last < first {
		return ""
	}
	return encoded[first : last+1]
}

// findLeak returns the name of the first form of any clear text in out. The
// clear text itself also matches in another letter case.
func findLeak(out string, forms []leakForm) (string, bool) {
	lowerOut := strings.ToLower(out)
	for _, f := range forms {
		if strings.Contains(out, f.text) {
			return f.name, true
		}
		if f.name == "clear text" && strings.Contains(lowerOut, strings.ToLower(f.text)) {
			return "clear text in another case", true
		}
	}
	return "", false
}

// redact replaces every form in out with a marker naming it and shortens the
// result, so a failure message can show where the leak was without leaking.
func redact(out string, forms []leakForm) string {
	for _, f := range forms {
		out = strings.ReplaceAll(out, f.text, "«"+f.name+"»")
	}
	const max = 400
	if len(out) > max {
		out = out[:max] + "…"
	}
	return strconv.Quote(out)
}
