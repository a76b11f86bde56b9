package retention_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/retentiontest"
)

var start = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	store    *retention.MemoryStore
	clock    *retentiontest.Clock
	recorder *retentiontest.Recorder
	shredder *retentiontest.Shredder
	reg      *prometheus.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{
		store:    retention.NewMemoryStore(),
		clock:    retentiontest.NewClock(start),
		recorder: &retentiontest.Recorder{},
		shredder: &retentiontest.Shredder{},
		reg:      prometheus.NewRegistry(),
	}
}

func (f *fixture) config() retention.Config {
	return retention.Config{Store: f.store, Recorder: f.recorder, Shredder: f.shredder, Now: f.clock.Now, Registerer: f.reg}
}

func (f *fixture) runner(t *testing.T, edit ...func(*retention.Config)) *retention.Runner {
	t.Helper()
	cfg := f.config()
	for _, e := range edit {
		e(&cfg)
	}
	r, err := retention.NewRunner(cfg)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return r
}

func (f *fixture) ship(t *testing.T, seller string, n int, at time.Time) []string {
	t.Helper()
	var ids []string
	for range n {
		id := retentiontest.OrderID()
		if err := retention.RegisterOrder(context.Background(), f.store, retention.Order{SellerID: seller, OrderID: id, Bucket: retention.OpenBucket(at), OrderedAt: at}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
		if _, err := retention.MarkShipped(context.Background(), f.store, seller, id, at, retention.ShipmentBucket(at)); err != nil {
			t.Fatalf("MarkShipped: %v", err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestNewRunnerRejectsConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := map[string]func(c *retention.Config){
		"no store":              func(c *retention.Config) { c.Store = nil },
		"no recorder":           func(c *retention.Config) { c.Recorder = nil },
		"no shredder":           func(c *retention.Config) { c.Shredder = nil },
		"batch too large":       func(c *retention.Config) { c.BatchSize = retention.MaxBatchSize + 1 },
		"negative batch":        func(c *retention.Config) { c.BatchSize = -1 },
		"interval above margin": func(c *retention.Config) { c.Interval = 2 * day },
		"negative interval":     func(c *retention.Config) { c.Interval = -time.Minute },
		"negative warning":      func(c *retention.Config) { c.NoticeWarning = -time.Hour },
		"actor with newline":    func(c *retention.Config) { c.Actor = "retention\nrunner" },
		"looser policy": func(c *retention.Config) {
			c.Policy = editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.MaxAge = 60 * day })
		},
	}
	for name, edit := range tests {
		cfg := f.config()
		cfg.Registerer = nil
		edit(&cfg)
		if _, err := retention.NewRunner(cfg); err == nil {
			t.Errorf("%s: NewRunner succeeded, want an error", name)
		}
	}
	f.runner(t)
	if _, err := retention.NewRunner(f.config()); err == nil || !strings.Contains(err.Error(), "registerer") {
		t.Errorf("second runner on one registry: error = %v, want one about the registerer", err)
	}
}

func TestRunnerMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seller := retentiontest.SellerID()
	f.ship(t, seller, 3, start)
	f.ship(t, seller, 2, start.Add(5*day))
	r := f.runner(t)
	ctx := context.Background()
	if _, err := r.SubmitNotice(ctx, retention.Notice{SellerID: retentiontest.SellerID(), Deadline: start.Add(10 * day)}); err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if _, err := r.PlaceHold(ctx, retention.Hold{SellerID: seller, OrderIDs: []string{"held-order"}, Reason: "tax_audit"}); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}

	f.clock.Set(start.Add(28 * day))
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	purged := metricValue(t, f.reg, "spkit_retention_purged_records_total", "buyer_pii")
	if purged != 3 {
		t.Errorf("purged_records_total{buyer_pii} = %v, want 3", purged)
	}
	oldest := metricValue(t, f.reg, "spkit_retention_oldest_unpurged_age_seconds", "buyer_pii")
	if want := (23 * day).Seconds(); oldest != want {
		t.Errorf("oldest_unpurged_age_seconds{buyer_pii} = %v, want %v", oldest, want)
	}
	// The notice named a seller without records, so the run completed it.
	if got := gauge(t, f.reg, "spkit_retention_open_notices"); got != 0 {
		t.Errorf("open_notices = %v, want 0", got)
	}
	if got := gauge(t, f.reg, "spkit_retention_notice_deadline_seconds"); !math.IsInf(got, 1) {
		t.Errorf("notice_deadline_seconds with no open notice = %v, want +Inf", got)
	}
	if got := gauge(t, f.reg, "spkit_retention_last_success_timestamp_seconds"); got != float64(start.Add(28*day).Unix()) {
		t.Errorf("last_success_timestamp_seconds = %v, want the run's start", got)
	}

	// A notice held back by a hold stays open; the gauge shows its time left.
	n, err := r.SubmitNotice(ctx, retention.Notice{SellerID: seller, OrderIDs: []string{"held-order"}, Deadline: f.clock.Now().Add(5 * day)})
	if err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if err := f.store.Register(ctx, []retention.Record{{SellerID: seller, OrderID: "held-order", Class: retention.ClassBuyerPII, Bucket: "b", Anchor: start}}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	rep, err := r.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if len(rep.Notices) != 1 || rep.Notices[0].ID != n.ID || rep.Notices[0].Status != retention.NoticeOpen {
		t.Fatalf("report notices = %+v, want the held notice open", rep.Notices)
	}
	if got := gauge(t, f.reg, "spkit_retention_notice_deadline_seconds"); got != (5 * day).Seconds() {
		t.Errorf("notice_deadline_seconds = %v, want %v", got, (5 * day).Seconds())
	}
	if got := metricValue(t, f.reg, "spkit_retention_held_records", "buyer_pii"); got != 1 {
		t.Errorf("held_records{buyer_pii} = %v, want 1", got)
	}

	// No label or help text names a seller or an order.
	out, err := f.reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range out {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), seller) || strings.Contains(l.GetValue(), "held-order") {
					t.Errorf("metric %s has a label naming a seller or order", mf.GetName())
				}
			}
		}
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	out, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range out {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// metricValue returns the value of the series of a gathered counter or gauge
// whose class label is class.
func metricValue(t *testing.T, reg *prometheus.Registry, name, class string) float64 {
	t.Helper()
	out, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range out {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "class" && l.GetValue() == class {
					return m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("metric %s{class=%q} not found", name, class)
	return 0
}

func TestRunnerEvidenceEvents(t *testing.T) {
	t.Parallel()
	for _, grouped := range []bool{false, true} {
		f := newFixture(t)
		seller := retentiontest.SellerID()
		ids := f.ship(t, seller, 3, start)
		r := f.runner(t, func(c *retention.Config) { c.GroupedEvidence = grouped; c.Registerer = nil; c.Actor = "retention-job" })
		f.clock.Set(start.Add(28 * day))
		if _, err := r.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		var events []audit.Event
		for _, e := range f.recorder.Events(audit.ActionPurge) {
			if e.Reason == string(retention.ClassBuyerPII) {
				events = append(events, e)
			}
		}
		if grouped {
			if len(events) != 1 || events[0].Count != 3 || events[0].OrderID != "" || events[0].Bucket != retention.ShipmentBucket(start) {
				t.Errorf("grouped events = %+v, want one with count 3 and the bucket", events)
			}
		} else if len(events) != 3 {
			t.Errorf("per-order events = %d, want 3", len(events))
		}
		for _, e := range events {
			if e.Actor != "retention-job" || e.SellerID != seller || e.Outcome != audit.OutcomeSuccess || !e.Time.Equal(start.Add(28*day)) {
				t.Errorf("event = %+v, want actor retention-job, seller, success, the run's time", e)
			}
			if !grouped && !containsString(ids, e.OrderID) {
				t.Errorf("event names order %q, not one of the purged orders", e.OrderID)
			}
		}
		// Both the shipment bucket and the open bucket the orders left are
		// shredded.
		if n := len(f.recorder.Events(audit.ActionShred)); n != 2 {
			t.Errorf("shred events = %d, want 2", n)
		}
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestRunnerShredFailureRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seller := retentiontest.SellerID()
	f.ship(t, seller, 2, start)
	r := f.runner(t, func(c *retention.Config) { c.Registerer = nil })
	f.clock.Set(start.Add(28 * day))
	f.shredder.Fail(errors.New("vault sealed"))
	rep, err := r.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "vault sealed") {
		t.Errorf("RunOnce with the shredder failing: error = %v, want the shredder's error", err)
	}
	if rep.Purged[retention.ClassBuyerPII] != 2 {
		t.Errorf("purged = %d, want 2 (a shred failure does not stop purges)", rep.Purged[retention.ClassBuyerPII])
	}
	f.shredder.Fail(nil)
	rep, err = r.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if len(rep.Shredded) != 2 {
		t.Errorf("retry shredded %v, want the shipment and open buckets", rep.Shredded)
	}
	for _, bucket := range []string{retention.ShipmentBucket(start), retention.OpenBucket(start)} {
		if n := f.shredder.Count(seller, bucket); n != 1 {
			t.Errorf("shredder calls for %s = %d, want 1", bucket, n)
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.ship(t, retentiontest.SellerID(), 2, start)
	f.clock.Set(start.Add(28 * day))
	r := f.runner(t, func(c *retention.Config) { c.Interval = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	deadline := time.Now().Add(5 * time.Second)
	for metricValue(t, f.reg, "spkit_retention_purged_records_total", "buyer_pii") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not purge within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not stop within 5s of cancellation")
	}
}

func TestRunnerHoldValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.runner(t, func(c *retention.Config) { c.Registerer = nil })
	ctx := context.Background()
	if _, err := r.PlaceHold(ctx, retention.Hold{SellerID: "A1", Reason: "customer asked on the phone"}); err == nil {
		t.Errorf("PlaceHold with a free-text reason succeeded")
	}
	if _, err := r.PlaceHold(ctx, retention.Hold{SellerID: "A1", Reason: "litigation", Expires: start.Add(-time.Hour)}); err == nil {
		t.Errorf("PlaceHold expiring before it starts succeeded")
	}
	if _, err := r.ReleaseHold(ctx, "unknown", ""); !errors.Is(err, retention.ErrNotFound) {
		t.Errorf("ReleaseHold of an unknown hold: error = %v, want ErrNotFound", err)
	}
	h, err := r.PlaceHold(ctx, retention.Hold{SellerID: "A1", Reason: "litigation", Expires: start.Add(day)})
	if err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	holds, err := r.Holds(ctx)
	if err != nil || len(holds) != 1 || holds[0].ID != h.ID {
		t.Errorf("Holds = %v, %v; want the hold", holds, err)
	}
	f.clock.Add(day)
	if holds, _ := r.Holds(ctx); len(holds) != 0 {
		t.Errorf("Holds after expiry = %v, want none", holds)
	}
	if _, err := r.Notice(ctx, "unknown"); !errors.Is(err, retention.ErrNotFound) {
		t.Errorf("Notice of an unknown ID: error = %v, want ErrNotFound", err)
	}
}
