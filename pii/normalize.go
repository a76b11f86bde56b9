package pii

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Maximum sizes in bytes of a value after normalisation. They are well above
// what SP-API returns for each field and bound memory use on hostile input.
// Names and address parts allow 1024 bytes, room for over 300 characters of
// a script that takes three bytes a character in UTF-8, because one value
// over its limit fails the decoding of the whole order.
const (
	MaxBuyerNameLen       = 1024
	MaxAddressFieldLen    = 1024
	MaxPhoneLen           = 64
	MaxEmailLen           = 254 // RFC 5321 path limit
	MaxTaxInfoLen         = 4096
	MaxPersonalizationLen = 16384
	MaxGiftMessageLen     = 2048
)

// placeholderPrefix starts every placeholder. Values that contain it are
// rejected, so redacted output cannot be stored back as data.
const placeholderPrefix = "[pii:"

// placeholder returns the text that stands for a value of kind k.
func placeholder(k Kind) string {
	switch k { // constants, so printing does not allocate
	case KindBuyerName:
		return "[pii:buyer_name]"
	case KindAddress:
		return "[pii:address]"
	case KindPhone:
		return "[pii:phone]"
	case KindEmail:
		return "[pii:email]"
	case KindTaxInfo:
		return "[pii:tax_info]"
	case KindPersonalization:
		return "[pii:personalization]"
	case KindGiftMessage:
		return "[pii:gift_message]"
	}
	return placeholderPrefix + string(k) + "]"
}

// checkCommon applies the checks every kind shares to s, which must already be
// normalised. It reports the first problem found.
func checkCommon(s string, max int, allowLineBreaks bool) error {
	if s == "" {
		return ErrEmpty
	}
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	if len(s) > max {
		return fmt.Errorf("%w: %d bytes, maximum %d", ErrTooLong, len(s), max)
	}
	if strings.Contains(s, placeholderPrefix) {
		return ErrPlaceholder
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(allowLineBreaks && (r == '\n' || r == '\r' || r == '\t')) {
			return fmt.Errorf("%w (U+%04X)", ErrControlChar, r)
		}
	}
	return nil
}

// collapseSpace trims s and replaces each run of white space inside it with
// one space. Invalid UTF-8 is left for checkCommon to report.
func collapseSpace(s string) string {
	if !utf8.ValidString(s) {
		return s
	}
	if !needsCollapse(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func needsCollapse(s string) bool {
	prevSpace := true // leading space needs trimming
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && (prevSpace || r != ' ') {
			return true
		}
		prevSpace = space
	}
	return prevSpace && s != ""
}

// tooLongRaw rejects input so large that normalising it would waste memory.
// Normalisation only shrinks strings, so four times the limit is safe.
func tooLongRaw(s string, max int) error {
	if len(s) > 4*max {
		return fmt.Errorf("%w: %d bytes, maximum %d", ErrTooLong, len(s), max)
	}
	return nil
}

func normalizeName(s string) (string, error) {
	if err := tooLongRaw(s, MaxBuyerNameLen); err != nil {
		return "", err
	}
	s = collapseSpace(s)
	return s, checkCommon(s, MaxBuyerNameLen, false)
}

func normalizePhone(s string) (string, error) {
	if err := tooLongRaw(s, MaxPhoneLen); err != nil {
		return "", err
	}
	s = collapseSpace(s)
	if err := checkCommon(s, MaxPhoneLen, false); err != nil {
		return "", err
	}
	if !strings.ContainsFunc(s, isASCIIDigit) {
		return "", fmt.Errorf("%w: a phone number needs at least one digit", ErrMalformed)
	}
	return s, nil
}

func normalizeEmail(s string) (string, error) {
	if err := tooLongRaw(s, MaxEmailLen); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if err := checkCommon(s, MaxEmailLen, false); err != nil {
		return "", err
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", fmt.Errorf("%w: an e-mail address cannot contain white space", ErrMalformed)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", fmt.Errorf("%w: an e-mail address needs a local part, '@' and a domain", ErrMalformed)
	}
	// The domain is case-insensitive; the local part may not be, so it is kept.
	return s[:at+1] + strings.ToLower(s[at+1:]), nil
}

func normalizeTaxInfo(s string) (string, error) {
	if err := tooLongRaw(s, MaxTaxInfoLen); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	return s, checkCommon(s, MaxTaxInfoLen, true)
}

// normalizeVerbatim checks free text that must reach the product exactly as
// the buyer wrote it, so it is not trimmed or collapsed.
func normalizeVerbatim(max int) func(string) (string, error) {
	return func(s string) (string, error) {
		if err := tooLongRaw(s, max); err != nil {
			return "", err
		}
		if strings.TrimSpace(s) == "" {
			return "", ErrEmpty
		}
		return s, checkCommon(s, max, true)
	}
}

var (
	normalizePersonalization = normalizeVerbatim(MaxPersonalizationLen)
	normalizeGiftMessage     = normalizeVerbatim(MaxGiftMessageLen)
)

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// indexForm returns the form of a normalised value that blind indexes are
// computed over: case-folded, and for phones digits only, so that lookups
// match however a user types the value.
func indexForm(k Kind, clear []byte) []byte {
	switch k {
	case KindPhone:
		out := make([]byte, 0, len(clear))
		for _, c := range clear {
			if c >= '0' && c <= '9' {
				out = append(out, c)
			}
		}
		return out
	case KindBuyerName, KindEmail:
		return []byte(strings.ToLower(string(clear)))
	default:
		return append([]byte(nil), clear...)
	}
}
