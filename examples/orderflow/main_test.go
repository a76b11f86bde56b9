package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/internal/redistest"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// buyerStrings returns every piece of synthetic buyer data in the data set
// that is long enough to be recognised in output.
func buyerStrings(ds *spapitest.Dataset) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if len(v) >= 6 {
				out = append(out, v)
			}
		}
	}
	for _, sd := range ds.Sellers {
		for _, o := range sd.Orders {
			add(o.Buyer.Name, o.Buyer.Email, o.ShipTo.Name, o.ShipTo.AddressLine1, o.ShipTo.AddressLine2, o.ShipTo.Phone)
			for _, it := range o.Items {
				add(it.GiftMessage)
				for _, p := range it.Customization {
					add(p.Text)
				}
			}
		}
	}
	return out
}

func runForTest(t *testing.T, opts options) (string, *summary) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s, err := build(ctx, opts)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	defer s.close()
	var out bytes.Buffer
	sum, err := runSteps(ctx, s, opts, &out)
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}

	text := out.String()
	for _, v := range buyerStrings(s.dataset) {
		if strings.Contains(text, v) {
			t.Fatalf("output contains synthetic buyer data of length %d", len(v))
		}
	}
	return text, sum
}

func defaultOptions(t *testing.T) options {
	t.Helper()
	opts, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("parse default flags: %v", err)
	}
	return opts
}

func TestRunInMemory(t *testing.T) {
	t.Parallel()
	opts := defaultOptions(t)
	opts.orders = 30
	text, sum := runForTest(t, opts)

	if sum.orders == 0 {
		t.Error("no orders synced")
	}
	if sum.personalizations == 0 {
		t.Error("no personalisation linked")
	}
	if sum.labels == 0 || sum.labels != sum.shipments {
		t.Errorf("labels = %d, shipments = %d: want the same non-zero count", sum.labels, sum.shipments)
	}
	if sum.purged == 0 {
		t.Error("no records purged after the clock moved")
	}
	if sum.auditEntries == 0 || sum.auditVerified != sum.auditEntries {
		t.Errorf("audit: %d of %d entries verified", sum.auditVerified, sum.auditEntries)
	}
	if !strings.Contains(text, "summary") {
		t.Errorf("output has no summary table:\n%s", text)
	}
}

func TestRunShortDays(t *testing.T) {
	t.Parallel()
	for _, days := range []int{1, 10} {
		opts := defaultOptions(t)
		opts.orders = 30
		opts.days = days
		opts.showSandbox = false
		text, _ := runForTest(t, opts)
		if !strings.Contains(text, "backup copy") {
			t.Errorf("-days %d: output does not say what became of the backup copy:\n%s", days, text)
		}
	}
}

func TestRunWithPostgresAndRedis(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	_, _ = redistest.New(t)

	opts := defaultOptions(t)
	opts.orders = 20
	opts.postgres = dsn
	opts.redis = redistest.Addr()
	text, sum := runForTest(t, opts)

	if sum.orders == 0 || sum.auditVerified == 0 {
		t.Errorf("orders = %d, audit entries verified = %d: want both non-zero", sum.orders, sum.auditVerified)
	}
	if !strings.Contains(text, "stores in PostgreSQL") || !strings.Contains(text, "rate limits in Redis") {
		t.Errorf("output does not name the real services:\n%s", text)
	}
}

func TestSameSeedSameCounts(t *testing.T) {
	t.Parallel()
	opts := defaultOptions(t)
	opts.orders = 10
	opts.showSandbox = false
	_, a := runForTest(t, opts)
	_, b := runForTest(t, opts)
	if a.orders != b.orders || a.personalizations != b.personalizations || a.labels != b.labels {
		t.Errorf("two runs with seed %d differ: %+v and %+v", opts.seed, *a, *b)
	}
}

func TestFlagsRejectBadValues(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"-orders", "0"},
		{"-days", "0"},
		{"-vault-addr", "http://127.0.0.1:1"},
		{"-vault-token", "t"},
		{"-time-scale", "0.5"},
		{"-orders", "5", "extra"},
	}
	for _, args := range tests {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) returned no error", args)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); err != flag.ErrHelp {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}
