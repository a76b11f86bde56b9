package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunWithLocalKEK(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), "", "", "transit", &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"KEK: local development key",
		"prints as [pii:buyer_name]",
		"equal to the original: true",
		"copied to another row: does not open",
		"after shredding the bucket: does not open",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
