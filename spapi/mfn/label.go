package mfn

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLabelBytes is the largest decoded label DecodeLabel returns. Carrier
// labels are a few hundred kilobytes; the bound stops a gzip bomb.
const MaxLabelBytes = 16 << 20

// ErrInvalidLabel is wrapped by every [*LabelError].
var ErrInvalidLabel = errors.New("invalid label contents")

// LabelError reports label contents that cannot be decoded. Step is
// "base64", "gzip", "checksum", "size" or "empty".
type LabelError struct {
	Step string
	Err  error
}

func (e *LabelError) Error() string {
	if e.Err == nil {
		return "mfn: invalid label contents: " + e.Step
	}
	return fmt.Sprintf("mfn: invalid label contents: %s: %v", e.Step, e.Err)
}

func (e *LabelError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidLabel}
	}
	return []error{ErrInvalidLabel, e.Err}
}

// DecodeLabel decodes Merchant Fulfillment label contents: base64 of a gzip
// stream, whose checksum is the base64 MD5 of the gzip stream. Amazon's
// documentation does not pin which bytes the MD5 covers, so a checksum
// matching the decompressed document is accepted too. An empty checksum
// skips the check. Truncated, corrupt or empty contents return a
// [*LabelError].
func DecodeLabel(fc FileContents) ([]byte, error) {
	compressed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(fc.Contents))
	if err != nil {
		return nil, &LabelError{Step: "base64", Err: err}
	}

	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, &LabelError{Step: "gzip", Err: err}
	}
	doc, err := io.ReadAll(io.LimitReader(zr, MaxLabelBytes+1))
	if err != nil {
		return nil, &LabelError{Step: "gzip", Err: err}
	}
	if len(doc) > MaxLabelBytes {
		return nil, &LabelError{Step: "size", Err: fmt.Errorf("decompressed label exceeds %d bytes", MaxLabelBytes)}
	}
	if len(doc) == 0 {
		return nil, &LabelError{Step: "empty", Err: errors.New("the gzip stream holds no document")}
	}

	if fc.Checksum != "" {
		want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(fc.Checksum))
		if err != nil {
			return nil, &LabelError{Step: "checksum", Err: fmt.Errorf("checksum is not base64: %w", err)}
		}
		sumCompressed := md5.Sum(compressed)
		sumDoc := md5.Sum(doc)
		if !bytes.Equal(want, sumCompressed[:]) && !bytes.Equal(want, sumDoc[:]) {
			return nil, &LabelError{Step: "checksum", Err: errors.New("MD5 mismatch")}
		}
	}
	return doc, nil
}

// EncodeLabel builds label contents the way Merchant Fulfillment sends
// them: base64 of gzip, with the base64 MD5 of the gzip stream. It is used
// by fakes and tests.
func EncodeLabel(doc []byte, fileType string) FileContents {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(doc) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	sum := md5.Sum(buf.Bytes())
	return FileContents{
		Contents: base64.StdEncoding.EncodeToString(buf.Bytes()),
		FileType: fileType,
		Checksum: base64.StdEncoding.EncodeToString(sum[:]),
	}
}
