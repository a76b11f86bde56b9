package redistest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/internal/redistest"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	client, prefix := redistest.New(t)
	ctx := context.Background()

	if !strings.HasPrefix(prefix, "spkit-test:") {
		t.Fatalf("prefix = %q, want spkit-test: first", prefix)
	}
	if err := client.Set(ctx, prefix+"cursor", "2026-01-02T03:04:05Z", time.Minute).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	got, err := client.Get(ctx, prefix+"cursor").Result()
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got != "2026-01-02T03:04:05Z" {
		t.Errorf("get = %q, want %q", got, "2026-01-02T03:04:05Z")
	}
}

func TestPrefixesDiffer(t *testing.T) {
	t.Parallel()
	_, a := redistest.New(t)
	_, b := redistest.New(t)
	if a == b {
		t.Errorf("two tests got the same prefix %q", a)
	}
}
