package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunPrintsPlan(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := run(context.Background(), now, 300, 40, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	text := out.String()
	if !strings.Contains(text, "buyer_pii") {
		t.Errorf("plan lists no buyer PII:\n%s", text)
	}
	if strings.Contains(text, "; 0 more kept by a legal hold") {
		t.Errorf("plan shows no records kept by the legal hold:\n%s", text)
	}
	if strings.Contains(text, "total: 0 buyer PII") {
		t.Errorf("plan purges no buyer PII within 40 days of orders up to 60 days old:\n%s", text)
	}
}
