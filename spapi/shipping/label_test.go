package shipping

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeLabel(t *testing.T) {
	t.Parallel()
	doc := []byte("%PDF-1.7 synthetic")
	got, err := DecodeLabel(EncodeLabel(doc, FormatPDF))
	if err != nil {
		t.Fatalf("DecodeLabel: %v", err)
	}
	if !bytes.Equal(got, doc) {
		t.Errorf("label = %q, want %q", got, doc)
	}
}

func TestDecodeLabelInvalid(t *testing.T) {
	t.Parallel()
	for _, contents := range []string{"H4sIAAAAAAAAAOR", "***", "abc", "", " \n"} {
		if _, err := DecodeLabel(PackageDocument{Contents: contents}); !errors.Is(err, ErrInvalidLabel) {
			t.Errorf("%q: err = %v, want ErrInvalidLabel", contents, err)
		}
	}
}

func FuzzDecodeLabel(f *testing.F) {
	f.Add("JVBERi0xLjc=")
	f.Add("H4sIAAAAAAAAAOR")
	f.Fuzz(func(t *testing.T, contents string) {
		if _, err := DecodeLabel(PackageDocument{Contents: contents}); err != nil && !errors.Is(err, ErrInvalidLabel) {
			t.Fatalf("err = %v", err)
		}
	})
}
