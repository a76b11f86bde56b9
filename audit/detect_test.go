package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

// fakeClock is a clock that moves only when Advance is called.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newDetector(t *testing.T, clock *fakeClock, rules []audit.Rule) *audit.ThresholdDetector {
	t.Helper()
	d, err := audit.NewDetector(audit.DetectorConfig{Rules: rules, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func failedLogin(actor, source string) *audit.Entry {
	return &audit.Entry{Actor: actor, Source: source, Action: audit.ActionLogin, Outcome: audit.OutcomeFailure, Reason: "bad_password"}
}

func TestDetectorFailedLoginsPerActor(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, nil)

	for i := range audit.DefaultFailedLoginsPerActor - 1 {
		if alerts := d.Observe(failedLogin("u-1", fmt.Sprintf("192.0.2.%d/32", i))); len(alerts) != 0 {
			t.Fatalf("alert after %d failures: %+v", i+1, alerts)
		}
		clock.Advance(time.Minute)
	}
	alerts := d.Observe(failedLogin("u-1", "192.0.2.99/32"))
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts at the threshold, want 1: %+v", len(alerts), alerts)
	}
	a := alerts[0]
	if a.Rule != "failed_logins_per_actor" || a.Key != "u-1" || a.Count != audit.DefaultFailedLoginsPerActor {
		t.Errorf("alert = %+v", a)
	}
	if !a.Time.Equal(clock.Now()) {
		t.Errorf("alert time %v, want the fake clock's %v", a.Time, clock.Now())
	}

	// No repeat within the window.
	if alerts := d.Observe(failedLogin("u-1", "192.0.2.100/32")); len(alerts) != 0 {
		t.Errorf("repeated alert within the window: %+v", alerts)
	}
}

func TestDetectorWindowSlides(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, nil)
	// Failures spread wider than the 15-minute window never reach 10 in it.
	for i := range 40 {
		if alerts := d.Observe(failedLogin("u-2", "")); len(alerts) != 0 {
			t.Fatalf("alert at failure %d with 2 minutes between failures: %+v", i+1, alerts)
		}
		clock.Advance(2 * time.Minute)
	}
}

func TestDetectorFailedLoginsPerSource(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, nil)
	var got []audit.Alert
	for i := range audit.DefaultFailedLoginsPerSource {
		got = append(got, d.Observe(failedLogin(fmt.Sprintf("u-%d", i), "198.51.100.0/24"))...)
		clock.Advance(time.Second)
	}
	if len(got) != 1 || got[0].Rule != "failed_logins_per_source" || got[0].Key != "198.51.100.0/24" {
		t.Fatalf("alerts = %+v, want one failed_logins_per_source", got)
	}
}

func TestDetectorSuccessfulLoginsIgnored(t *testing.T) {
	t.Parallel()
	d := newDetector(t, newFakeClock(), nil)
	for range 100 {
		e := failedLogin("u-3", "203.0.113.0/24")
		e.Outcome, e.Reason = audit.OutcomeSuccess, ""
		if alerts := d.Observe(e); len(alerts) != 0 {
			t.Fatalf("alert for successful logins: %+v", alerts)
		}
	}
}

func TestDetectorRevealsAndExports(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, nil)

	var reveals []audit.Alert
	for range audit.DefaultRevealsPerActor {
		reveals = append(reveals, d.Observe(&audit.Entry{Actor: "u-4", Action: audit.ActionReveal, Outcome: audit.OutcomeSuccess})...)
		clock.Advance(time.Second)
	}
	if len(reveals) != 1 || reveals[0].Rule != "reveals_per_actor" {
		t.Fatalf("reveal alerts = %+v, want one reveals_per_actor", reveals)
	}

	// Exports count records, not events.
	if a := d.Observe(&audit.Entry{Actor: "u-5", Action: audit.ActionExport, Outcome: audit.OutcomeSuccess, Count: audit.DefaultExportsPerActor - 1}); len(a) != 0 {
		t.Fatalf("alert below the export threshold: %+v", a)
	}
	clock.Advance(time.Hour)
	a := d.Observe(&audit.Entry{Actor: "u-5", Action: audit.ActionExport, Outcome: audit.OutcomeSuccess, Count: 1})
	if len(a) != 1 || a[0].Rule != "exported_records_per_actor" || a[0].Count != audit.DefaultExportsPerActor {
		t.Fatalf("export alerts = %+v, want one at %d records", a, audit.DefaultExportsPerActor)
	}

	// Service jobs read in bulk by design.
	if a := d.Observe(&audit.Entry{Actor: "svc:label-printer", Action: audit.ActionExport, Outcome: audit.OutcomeSuccess, Count: 1 << 30}); len(a) != 0 {
		t.Errorf("alert for a service actor: %+v", a)
	}
}

func TestDetectorAlertsAgainAfterWindow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, []audit.Rule{{
		Name: "logins", Window: time.Minute, Threshold: 2,
		Match: func(e *audit.Entry) bool { return e.Action == audit.ActionLogin },
		Key:   func(e *audit.Entry) string { return e.Actor },
	}})
	count := func() int {
		n := 0
		for range 3 {
			n += len(d.Observe(failedLogin("u-6", "")))
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("first burst raised %d alerts, want 1", n)
	}
	clock.Advance(30 * time.Second)
	if n := count(); n != 0 {
		t.Fatalf("burst within the window raised %d alerts, want 0", n)
	}
	clock.Advance(2 * time.Minute)
	if n := count(); n != 1 {
		t.Fatalf("burst after the window raised %d alerts, want 1", n)
	}
}

func TestDetectorBoundsKeys(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d, err := audit.NewDetector(audit.DetectorConfig{Now: clock.Now, MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		d.Observe(failedLogin(fmt.Sprintf("u-%d", i), ""))
	}
	if got := d.Ignored("failed_logins_per_actor"); got != 40 {
		t.Errorf("ignored %d entries past MaxKeys, want 40", got)
	}
	// Once the window has passed, old keys make room for new ones.
	clock.Advance(time.Hour)
	d.Observe(failedLogin("u-new", ""))
	if got := d.Ignored("failed_logins_per_actor"); got != 40 {
		t.Errorf("ignored %d after expiry, want still 40", got)
	}
}

func TestNewDetectorRejectsBadRules(t *testing.T) {
	t.Parallel()
	match := func(*audit.Entry) bool { return true }
	key := func(*audit.Entry) string { return "k" }
	for name, r := range map[string]audit.Rule{
		"bad name":       {Name: "Bad Name", Window: time.Minute, Threshold: 1, Match: match, Key: key},
		"no match":       {Name: "r", Window: time.Minute, Threshold: 1, Key: key},
		"no key":         {Name: "r", Window: time.Minute, Threshold: 1, Match: match},
		"short window":   {Name: "r", Window: time.Millisecond, Threshold: 1, Match: match, Key: key},
		"zero threshold": {Name: "r", Window: time.Minute, Match: match, Key: key},
	} {
		if _, err := audit.NewDetector(audit.DetectorConfig{Rules: []audit.Rule{r}}); err == nil {
			t.Errorf("%s: NewDetector succeeded", name)
		}
	}
	if _, err := audit.NewDetector(audit.DetectorConfig{Rules: []audit.Rule{}}); err == nil {
		t.Error("NewDetector with no rules succeeded")
	}
}

// alertRecorder is a Notifier that keeps what it receives.
type alertRecorder struct {
	mu     sync.Mutex
	alerts []audit.Alert
}

func (r *alertRecorder) Notify(ctx context.Context, a audit.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *alertRecorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.alerts)
}

func TestTrailFeedsDetectorsAndNotifier(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newDetector(t, clock, nil)
	notes := &alertRecorder{}
	tr := newTrail(t, audit.Config{Detectors: []audit.Detector{d}, Notifier: notes, Now: clock.Now})

	f := gofakeit.New(12)
	for range audit.DefaultFailedLoginsPerActor {
		e := fakeEvent(f, audit.ActionLogin)
		e.Actor, e.Outcome, e.Reason = "u-77", audit.OutcomeFailure, "bad_password"
		if err := tr.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return notes.Len() == 1 })
	if got := notes.alerts[0]; got.Rule != "failed_logins_per_actor" || got.Key != "u-77" {
		t.Errorf("alert = %+v", got)
	}
}
