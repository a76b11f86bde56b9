package mfn

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"testing"
)

func TestDecodeLabelRoundTrip(t *testing.T) {
	t.Parallel()
	doc := []byte("%PDF-1.4 synthetic label")
	fc := EncodeLabel(doc, "application/pdf")
	got, err := DecodeLabel(fc)
	if err != nil {
		t.Fatalf("DecodeLabel: %v", err)
	}
	if !bytes.Equal(got, doc) {
		t.Errorf("label = %q, want %q", got, doc)
	}
}

func TestDecodeLabelChecksumOfDocument(t *testing.T) {
	t.Parallel()
	doc := []byte("^XA^FDlabel^FS^XZ")
	fc := EncodeLabel(doc, "application/zpl")
	sum := md5.Sum(doc)
	fc.Checksum = base64.StdEncoding.EncodeToString(sum[:])
	if _, err := DecodeLabel(fc); err != nil {
		t.Errorf("DecodeLabel with a checksum of the document: %v", err)
	}
}

func TestDecodeLabelSandboxTruncated(t *testing.T) {
	t.Parallel()
	// Amazon's Merchant Fulfillment sandbox returns this truncated gzip.
	for _, contents := range []string{"H4sIAAAAAAAAAOR", "H4sIAAAAAAAAAOS6dV"} {
		_, err := DecodeLabel(FileContents{Contents: contents, FileType: "application/pdf"})
		var le *LabelError
		if !errors.As(err, &le) {
			t.Fatalf("%s: err = %v, want *LabelError", contents, err)
		}
		if !errors.Is(err, ErrInvalidLabel) {
			t.Errorf("%s: err does not wrap ErrInvalidLabel", contents)
		}
	}
}

func TestDecodeLabelErrors(t *testing.T) {
	t.Parallel()
	good := EncodeLabel([]byte("label"), "application/pdf")
	var truncated bytes.Buffer
	zw := gzip.NewWriter(&truncated)
	_, _ = zw.Write(bytes.Repeat([]byte("label "), 100))
	_ = zw.Close()
	cases := []struct {
		name string
		fc   FileContents
		step string
	}{
		{"not base64", FileContents{Contents: "!!!"}, "base64"},
		{"not gzip", FileContents{Contents: base64.StdEncoding.EncodeToString([]byte("%PDF"))}, "gzip"},
		{"cut gzip", FileContents{Contents: base64.StdEncoding.EncodeToString(truncated.Bytes()[:truncated.Len()-6])}, "gzip"},
		{"wrong checksum", FileContents{Contents: good.Contents, Checksum: base64.StdEncoding.EncodeToString(make([]byte, 16))}, "checksum"},
		{"checksum not base64", FileContents{Contents: good.Contents, Checksum: "%%"}, "checksum"},
		{"empty document", EncodeLabel(nil, "application/pdf"), "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeLabel(tc.fc)
			var le *LabelError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LabelError", err)
			}
			if le.Step != tc.step {
				t.Errorf("Step = %q, want %q", le.Step, tc.step)
			}
		})
	}
}

func TestDecodeLabelBomb(t *testing.T) {
	t.Parallel()
	fc := EncodeLabel(make([]byte, MaxLabelBytes+1), "application/pdf")
	fc.Checksum = ""
	_, err := DecodeLabel(fc)
	var le *LabelError
	if !errors.As(err, &le) || le.Step != "size" {
		t.Errorf("err = %v, want a size *LabelError", err)
	}
}

func FuzzDecodeLabel(f *testing.F) {
	good := EncodeLabel([]byte("label"), "application/pdf")
	f.Add(good.Contents, good.Checksum)
	f.Add("H4sIAAAAAAAAAOR", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, contents, checksum string) {
		doc, err := DecodeLabel(FileContents{Contents: contents, Checksum: checksum})
		if err == nil && len(doc) > MaxLabelBytes {
			t.Fatal("label over the limit")
		}
		if err != nil && !errors.Is(err, ErrInvalidLabel) {
			t.Fatalf("err = %v, want ErrInvalidLabel", err)
		}
	})
}
