package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunDetectsEdit(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok=true") {
		t.Errorf("intact trail not reported as verified:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "tampering found at entry 6") {
		t.Errorf("edit of the last entry not reported:\n%s", out.String())
	}
}
