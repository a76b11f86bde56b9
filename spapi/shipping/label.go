package shipping

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MaxLabelBytes is the largest decoded label DecodeLabel returns.
const MaxLabelBytes = 16 << 20

// ErrInvalidLabel is wrapped by the errors of label contents that cannot be
// decoded.
var ErrInvalidLabel = errors.New("invalid label contents")

// DecodeLabel decodes Shipping API v2 document contents, which are plain
// base64 (no compression, no checksum). Invalid or empty contents return an
// error wrapping [ErrInvalidLabel].
func DecodeLabel(d PackageDocument) ([]byte, error) {
	s := strings.TrimSpace(d.Contents)
	if base64.StdEncoding.DecodedLen(len(s)) > MaxLabelBytes {
		return nil, fmt.Errorf("shipping: %w: label exceeds %d bytes", ErrInvalidLabel, MaxLabelBytes)
	}
	doc, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("shipping: %w: %v", ErrInvalidLabel, err)
	}
	if len(doc) == 0 {
		return nil, fmt.Errorf("shipping: %w: the contents are empty", ErrInvalidLabel)
	}
	return doc, nil
}

// EncodeLabel builds document contents the way Shipping API v2 sends them.
// It is used by fakes and tests.
func EncodeLabel(doc []byte, format string) PackageDocument {
	return PackageDocument{Type: "LABEL", Format: format, Contents: base64.StdEncoding.EncodeToString(doc)}
}
