package retentiontest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // time zones for the daylight-saving scenario on hosts without zoneinfo

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

const day = 24 * time.Hour

// bundle is one runner scenario's store, fakes and runner.
type bundle struct {
	store    retention.Store
	clock    *Clock
	recorder *Recorder
	shredder *Shredder
	notifier *Notifier
}

func newBundle(t *testing.T, s retention.Store, start time.Time) *bundle {
	t.Helper()
	return &bundle{store: s, clock: NewClock(start), recorder: &Recorder{}, shredder: &Shredder{}, notifier: &Notifier{}}
}

// runner returns a new runner on the bundle, as a restarted process would
// make one.
func (b *bundle) runner(t *testing.T, edit ...func(*retention.Config)) *retention.Runner {
	t.Helper()
	cfg := retention.Config{
		Store: b.store, Recorder: b.recorder, Shredder: b.shredder, Notifier: b.notifier,
		Now: b.clock.Now, BatchSize: 7, Interval: time.Hour,
	}
	for _, e := range edit {
		e(&cfg)
	}
	r, err := retention.NewRunner(cfg)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return r
}

func runOnce(t *testing.T, r *retention.Runner) retention.Report {
	t.Helper()
	rep, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return rep
}

// order is a registered synthetic order.
type order struct {
	seller, id string
	anchor     time.Time
}

// shipOrders registers n orders of seller shipped at times from at(i).
func shipOrders(t *testing.T, s retention.Store, seller string, n int, at func(i int) time.Time) []order {
	t.Helper()
	ctx := context.Background()
	var out []order
	for i := range n {
		o := order{seller: seller, id: OrderID(), anchor: at(i)}
		if err := retention.RegisterOrder(ctx, s, retention.Order{SellerID: seller, OrderID: o.id, Bucket: retention.OpenBucket(o.anchor.Add(-day)), OrderedAt: o.anchor.Add(-day)}); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
		if _, err := retention.MarkShipped(ctx, s, seller, o.id, o.anchor, retention.ShipmentBucket(o.anchor)); err != nil {
			t.Fatalf("MarkShipped: %v", err)
		}
		out = append(out, o)
	}
	return out
}

// checkNothingOverdue fails if a record of class c due at now is left, and
// checks that nothing passed its limit.
func checkNothingOverdue(t *testing.T, s retention.Store, c retention.Class, now time.Time) {
	t.Helper()
	rule, _ := retention.DefaultPolicy().Rule(c)
	p, err := s.Pending(context.Background(), retention.Selector{Class: c, Cutoff: rule.Cutoff(now)}, now)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if p.Due != 0 {
		t.Errorf("at %v: %d %s records due but not purged", now, p.Due, c)
	}
}

// purgedOrders returns the order IDs in purge evidence of class c, with how
// often each appears.
func purgedOrders(r *Recorder, c retention.Class) map[string]int {
	out := make(map[string]int)
	for _, e := range r.Events(audit.ActionPurge) {
		if e.Reason == string(c) {
			out[e.OrderID]++
		}
	}
	return out
}

// RunRunner runs the runner scenarios.
func RunRunner(t *testing.T, newStore NewStoreFunc) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s retention.Store)
	}{
		{"ThirtyDayBoundary", testBoundary},
		{"DowntimeCatchUp", testDowntime},
		{"RestartedDaily", testRestartedDaily},
		{"ThreeConcurrentRunners", testConcurrentRunners},
		{"CancelledMidBatch", testCancelledMidBatch},
		{"DaylightSavingChange", testDaylightSaving},
		{"HoldRespected", testHoldRespected},
		{"NoticeBeforeDeadline", testNoticeBeforeDeadline},
		{"NoticeHeldRaisesAlert", testNoticeHeldAlert},
		{"RecorderDownKeepsEvidence", testRecorderDown},
		{"ShredAfterLastPurge", testShredAfterLastPurge},
		{"ShredOpenBucketAtDueTime", testShredOpenBucketAtDueTime},
		{"PlanMatchesRuns", testPlanMatchesRuns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

func testBoundary(t *testing.T, s retention.Store) {
	shipped := base
	b := newBundle(t, s, shipped)
	seller := SellerID()
	orders := shipOrders(t, s, seller, 1, func(int) time.Time { return shipped })
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	due := shipped.Add(rule.MaxAge - rule.SafetyMargin)
	r := b.runner(t)

	b.clock.Set(due.Add(-time.Nanosecond))
	if rep := runOnce(t, r); rep.Purged[retention.ClassBuyerPII] != 0 {
		t.Fatalf("run 1ns before due (limit %v minus margin %v): purged %d, want 0", rule.MaxAge, rule.SafetyMargin, rep.Purged[retention.ClassBuyerPII])
	}
	b.clock.Set(due)
	rep := runOnce(t, r)
	if rep.Purged[retention.ClassBuyerPII] != 1 || rep.Purged[retention.ClassPersonalization] != 1 {
		t.Fatalf("run at due time: purged %v, want one buyer_pii and one personalization", rep.Purged)
	}
	if rep.Purged[retention.ClassNonPII] != 0 {
		t.Errorf("run at due time purged %d non-PII records, want 0", rep.Purged[retention.ClassNonPII])
	}
	if !due.Before(shipped.Add(retention.MaxPIIAge)) {
		t.Errorf("due time %v is not before the 30-day limit", due)
	}
	if got := purgedOrders(b.recorder, retention.ClassBuyerPII); got[orders[0].id] != 1 {
		t.Errorf("purge evidence for the order = %v, want one event", got)
	}
	b.clock.Set(due.Add(time.Nanosecond))
	if rep := runOnce(t, r); rep.Purged[retention.ClassBuyerPII] != 0 {
		t.Errorf("run after the purge: purged %d, want 0", rep.Purged[retention.ClassBuyerPII])
	}
}

func testDowntime(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	// One order shipped every 6 hours for 60 days.
	shipOrders(t, s, seller, 240, func(i int) time.Time { return start.Add(time.Duration(i) * 6 * time.Hour) })
	r := b.runner(t)

	b.clock.Set(start.Add(30 * day))
	first := runOnce(t, r)
	b.clock.Add(14 * day) // down for 14 days
	rep := runOnce(t, r)
	now := b.clock.Now()
	// Orders shipped in the 14 days before the downtime's end minus 28 days are due.
	if rep.Purged[retention.ClassBuyerPII] != 14*4 {
		t.Errorf("run after 14 days of downtime purged %d, want %d", rep.Purged[retention.ClassBuyerPII], 14*4)
	}
	if first.Purged[retention.ClassBuyerPII]+rep.Purged[retention.ClassBuyerPII] != 2*4+1+14*4 {
		t.Errorf("purged in total %d, want %d", first.Purged[retention.ClassBuyerPII]+rep.Purged[retention.ClassBuyerPII], 2*4+1+14*4)
	}
	checkNothingOverdue(t, s, retention.ClassBuyerPII, now)
	checkNothingOverdue(t, s, retention.ClassPersonalization, now)
	if again := runOnce(t, r); again.Purged[retention.ClassBuyerPII] != 0 {
		t.Errorf("second run purged %d, want 0", again.Purged[retention.ClassBuyerPII])
	}
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	if age := rep.OldestAge[retention.ClassBuyerPII]; age <= 0 || age > rule.Age() {
		t.Errorf("oldest remaining age = %v, want in (0, %v]", age, rule.Age())
	}
}

func testRestartedDaily(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	orders := shipOrders(t, s, seller, 120, func(i int) time.Time { return start.Add(time.Duration(i) * 3 * time.Hour) })
	purged := 0
	for d := range 10 {
		// A new process each day, running a few times at uneven hours.
		r := b.runner(t)
		for _, h := range []time.Duration{1*time.Hour + 7*time.Minute, 9 * time.Hour, 17*time.Hour + 41*time.Minute} {
			b.clock.Set(start.Add(time.Duration(28+d)*day + h))
			purged += runOnce(t, r).Purged[retention.ClassBuyerPII]
			checkNothingOverdue(t, s, retention.ClassBuyerPII, b.clock.Now())
		}
	}
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	want := 0
	for _, o := range orders {
		if !rule.Due(o.anchor).After(b.clock.Now()) {
			want++
		}
	}
	if purged != want {
		t.Errorf("purged over 10 restarted days = %d, want %d", purged, want)
	}
	for id, n := range purgedOrders(b.recorder, retention.ClassBuyerPII) {
		if n != 1 {
			t.Errorf("order %s purged %d times, want once", id, n)
		}
	}
}

func testConcurrentRunners(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	var orders []order
	for range 3 {
		orders = append(orders, shipOrders(t, s, SellerID(), 70, func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) })...)
	}
	b.clock.Set(start.Add(40 * day))
	var wg sync.WaitGroup
	reports := make([]retention.Report, 3)
	errs := make([]error, 3)
	for i := range 3 {
		r := b.runner(t)
		wg.Go(func() { reports[i], errs[i] = r.RunOnce(context.Background()) })
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("runner %d: %v", i, errs[i])
		}
		total += reports[i].Purged[retention.ClassBuyerPII]
	}
	if total != len(orders) {
		t.Errorf("three runners purged %d buyer_pii records, want %d", total, len(orders))
	}
	got := purgedOrders(b.recorder, retention.ClassBuyerPII)
	if len(got) != len(orders) {
		t.Errorf("purge evidence names %d orders, want %d", len(got), len(orders))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("order %s has %d purge events, want 1", id, n)
		}
	}
	checkNothingOverdue(t, s, retention.ClassBuyerPII, b.clock.Now())
}

// purgerFunc adapts a function to retention.Purger.
type purgerFunc func(ctx context.Context, b retention.Batch) error

func (f purgerFunc) Purge(ctx context.Context, b retention.Batch) error { return f(ctx, b) }

func testCancelledMidBatch(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	orders := shipOrders(t, s, SellerID(), 30, func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) })
	b.clock.Set(start.Add(40 * day))

	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	killed := b.runner(t, func(c *retention.Config) {
		c.Purger = purgerFunc(func(ctx context.Context, _ retention.Batch) error {
			batches++
			if batches == 3 {
				cancel() // the process dies while the third batch is in flight
			}
			return nil
		})
	})
	rep, err := killed.RunOnce(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce error = %v, want context.Canceled", err)
	}
	if rep.Purged[retention.ClassBuyerPII] != 2*7 {
		t.Errorf("purged before the kill = %d, want %d (two committed batches)", rep.Purged[retention.ClassBuyerPII], 2*7)
	}

	restarted := b.runner(t)
	rep = runOnce(t, restarted)
	if rep.Purged[retention.ClassBuyerPII] != len(orders)-2*7 {
		t.Errorf("restarted runner purged %d, want %d", rep.Purged[retention.ClassBuyerPII], len(orders)-2*7)
	}
	for id, n := range purgedOrders(b.recorder, retention.ClassBuyerPII) {
		if n != 1 {
			t.Errorf("order %s has %d purge events, want 1", id, n)
		}
	}
	checkNothingOverdue(t, s, retention.ClassBuyerPII, b.clock.Now())
}

func testDaylightSaving(t *testing.T, s retention.Store) {
	for _, zone := range []string{"Europe/Berlin", "America/New_York"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatalf("load %s: %v", zone, err)
		}
		// Shipments every 20 minutes across the spring change (one local
		// hour missing) and the autumn change (one local hour twice).
		seller := SellerID()
		var orders []order
		for _, change := range []time.Time{time.Date(2026, 3, 8, 0, 0, 0, 0, loc), time.Date(2026, 3, 29, 0, 0, 0, 0, loc), time.Date(2026, 10, 25, 0, 0, 0, 0, loc), time.Date(2026, 11, 1, 0, 0, 0, 0, loc)} {
			orders = append(orders, shipOrders(t, s, seller, 12, func(i int) time.Time { return change.Add(time.Duration(i) * 20 * time.Minute) })...)
		}
		rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
		b := newBundle(t, s, orders[0].anchor)
		r := b.runner(t)

		// The ERP's scheduler runs at every local quarter hour; wall-clock
		// jumps do not change which records are due.
		purgedAt := make(map[string]time.Time)
		for _, o := range orders {
			local := rule.Due(o.anchor).In(loc).Add(-time.Hour).Truncate(15 * time.Minute)
			for k := range 12 {
				b.clock.Set(local.Add(time.Duration(k) * 15 * time.Minute))
				runOnce(t, r)
				p, err := s.Pending(context.Background(), retention.Selector{Class: retention.ClassBuyerPII, SellerID: seller, OrderIDs: []string{o.id}}, b.clock.Now())
				if err != nil {
					t.Fatalf("Pending: %v", err)
				}
				if p.Due == 0 {
					if _, ok := purgedAt[o.id]; !ok {
						purgedAt[o.id] = b.clock.Now()
					}
					break
				}
			}
		}
		for _, o := range orders {
			at, ok := purgedAt[o.id]
			due := rule.Due(o.anchor)
			switch {
			case !ok:
				t.Errorf("%s: order shipped %v never purged", zone, o.anchor.In(loc))
			case at.Before(due):
				t.Errorf("%s: order shipped %v purged at %v, before its due time %v", zone, o.anchor.In(loc), at, due)
			case at.Sub(due) > 15*time.Minute:
				t.Errorf("%s: order shipped %v purged at %v, more than one run after %v", zone, o.anchor.In(loc), at, due)
			case !at.Before(o.anchor.Add(rule.MaxAge)):
				t.Errorf("%s: order shipped %v purged at %v, past the limit", zone, o.anchor.In(loc), at)
			}
		}
		for id, n := range purgedOrders(b.recorder, retention.ClassBuyerPII) {
			if n != 1 {
				t.Errorf("%s: order %s purged %d times, want once", zone, id, n)
			}
		}
	}
}

func testHoldRespected(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	orders := shipOrders(t, s, seller, 4, func(int) time.Time { return start })
	r := b.runner(t)
	h, err := r.PlaceHold(context.Background(), retention.Hold{SellerID: seller, OrderIDs: []string{orders[0].id}, Reason: "litigation", Actor: "legal-team"})
	if err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	if h.ID == "" || !h.PlacedAt.Equal(start) {
		t.Errorf("placed hold = %+v, want a generated ID and PlacedAt %v", h, start)
	}

	b.clock.Set(start.Add(40 * day))
	rep := runOnce(t, r)
	if rep.Purged[retention.ClassBuyerPII] != 3 || rep.Held[retention.ClassBuyerPII] != 1 {
		t.Errorf("run under hold: purged %d held %d, want 3 and 1", rep.Purged[retention.ClassBuyerPII], rep.Held[retention.ClassBuyerPII])
	}
	if got := purgedOrders(b.recorder, retention.ClassBuyerPII); got[orders[0].id] != 0 {
		t.Errorf("held order has purge evidence")
	}
	var holdEvents []audit.Event
	for _, e := range b.recorder.Events(audit.ActionLegalHold) {
		if e.SellerID == seller {
			holdEvents = append(holdEvents, e)
		}
	}
	if len(holdEvents) != 1 || holdEvents[0].OrderID != orders[0].id || holdEvents[0].Reason != "litigation" || holdEvents[0].Actor != "legal-team" {
		t.Errorf("hold audit events = %+v, want one for the held order", holdEvents)
	}
	// The open bucket that the orders left when they shipped may be
	// shredded: no record is in it and its records are all due.
	heldBucket := retention.BucketRef{SellerID: seller, Bucket: retention.ShipmentBucket(start)}
	if slices.Contains(rep.Shredded, heldBucket) {
		t.Errorf("shredded %v while a held record is left in it", heldBucket)
	}

	if _, err := r.ReleaseHold(context.Background(), h.ID, "legal-team"); err != nil {
		t.Fatalf("ReleaseHold: %v", err)
	}
	rep = runOnce(t, r)
	if rep.Purged[retention.ClassBuyerPII] != 1 {
		t.Errorf("run after release purged %d, want 1", rep.Purged[retention.ClassBuyerPII])
	}
}

func testNoticeBeforeDeadline(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	buyer := BlindIndex()
	ctx := context.Background()
	// Two orders of the buyer, not yet shipped, one of another buyer.
	var mine []string
	for i := range 3 {
		o := retention.Order{SellerID: seller, OrderID: OrderID(), Bucket: retention.OpenBucket(start), OrderedAt: start}
		if i < 2 {
			o.BlindIndexes = [][]byte{buyer}
			mine = append(mine, o.OrderID)
		} else {
			o.BlindIndexes = [][]byte{BlindIndex()}
		}
		if err := retention.RegisterOrder(ctx, s, o); err != nil {
			t.Fatalf("RegisterOrder: %v", err)
		}
	}
	r := b.runner(t)
	b.clock.Add(time.Hour)
	n, err := r.SubmitNotice(ctx, retention.Notice{SellerID: seller, BlindIndex: buyer, Deadline: b.clock.Now().Add(3 * day)})
	if err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if n.Status != retention.NoticeOpen {
		t.Errorf("submitted notice status = %q, want open", n.Status)
	}
	if _, err := r.SubmitNotice(ctx, retention.Notice{SellerID: seller, BlindIndex: buyer, Deadline: b.clock.Now().Add(31 * day)}); err == nil {
		t.Errorf("SubmitNotice with a 31-day deadline succeeded, want an error")
	}
	def, err := r.SubmitNotice(ctx, retention.Notice{SellerID: SellerID()})
	if err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if got := def.Deadline.Sub(def.ReceivedAt); got != retention.MaxNoticeDeadline {
		t.Errorf("default deadline = %v after receipt, want %v", got, retention.MaxNoticeDeadline)
	}

	b.clock.Add(time.Hour)
	rep := runOnce(t, r)
	var nr *retention.NoticeReport
	for i := range rep.Notices {
		if rep.Notices[i].ID == n.ID {
			nr = &rep.Notices[i]
		}
	}
	if nr == nil {
		t.Fatalf("report has no entry for the notice: %+v", rep.Notices)
	}
	// buyer_pii, personalization and non_pii of two orders.
	if nr.Status != retention.NoticeDone || nr.Purged != 6 {
		t.Errorf("notice report = %+v, want done with 6 purged", *nr)
	}
	got, err := r.Notice(ctx, n.ID)
	if err != nil {
		t.Fatalf("Notice: %v", err)
	}
	if got.Status != retention.NoticeDone || !got.CompletedAt.Before(got.Deadline) {
		t.Errorf("notice = %+v, want done before its deadline", got)
	}
	purged := purgedOrders(b.recorder, retention.ClassBuyerPII)
	for _, id := range mine {
		if purged[id] != 1 {
			t.Errorf("order %s of the buyer: %d purge events, want 1", id, purged[id])
		}
	}
	if len(purged) != 2 {
		t.Errorf("orders purged = %d, want the buyer's 2", len(purged))
	}
	var completed int
	for _, e := range b.recorder.Events(audit.ActionDeletionNotice) {
		if e.Reason == retention.NoticeCompleted && e.SellerID == seller {
			completed++
		}
	}
	if completed != 1 {
		t.Errorf("notice completion events = %d, want 1", completed)
	}
}

func testNoticeHeldAlert(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	ctx := context.Background()
	orders := shipOrders(t, s, seller, 2, func(int) time.Time { return start })
	r := b.runner(t)
	if _, err := r.PlaceHold(ctx, retention.Hold{SellerID: seller, OrderIDs: []string{orders[0].id}, Reason: "tax_audit", Actor: "legal-team"}); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	n, err := r.SubmitNotice(ctx, retention.Notice{SellerID: seller, Deadline: start.Add(10 * day)})
	if err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}

	rep := runOnce(t, r)
	if len(rep.Notices) != 1 || rep.Notices[0].Status != retention.NoticeOpen || rep.Notices[0].Held != 3 || rep.Notices[0].Purged != 3 {
		t.Fatalf("notice report = %+v, want open with 3 held and 3 purged", rep.Notices)
	}
	if len(b.notifier.Alerts()) != 0 {
		t.Errorf("alerts 10 days before the deadline = %d, want 0", len(b.notifier.Alerts()))
	}
	b.clock.Set(start.Add(4 * day))
	runOnce(t, r)
	alerts := b.notifier.Alerts()
	if len(alerts) != 1 || alerts[0].NoticeID != n.ID || alerts[0].TimeLeft != 6*day || alerts[0].Held != 3 {
		t.Errorf("alerts 6 days before the deadline = %+v, want one with 3 held", alerts)
	}
}

func testRecorderDown(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	orders := shipOrders(t, s, SellerID(), 5, func(int) time.Time { return start })
	r := b.runner(t)
	b.clock.Set(start.Add(40 * day))
	b.recorder.Fail(errors.New("audit sink down"))

	rep, err := r.RunOnce(context.Background())
	var ee *retention.EvidenceError
	if !errors.As(err, &ee) {
		t.Fatalf("RunOnce with the recorder down: error = %v, want *retention.EvidenceError", err)
	}
	if rep.Purged[retention.ClassBuyerPII] != 5 {
		t.Errorf("purged with the recorder down = %d, want 5 (purges go on)", rep.Purged[retention.ClassBuyerPII])
	}

	b.recorder.Fail(nil)
	rep = runOnce(t, r)
	if rep.EvidenceDelivered == 0 {
		t.Errorf("next run delivered no evidence")
	}
	got := purgedOrders(b.recorder, retention.ClassBuyerPII)
	for _, o := range orders {
		if got[o.id] != 1 {
			t.Errorf("order %s: %d purge events after recovery, want 1", o.id, got[o.id])
		}
	}
}

func testShredAfterLastPurge(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	seller := SellerID()
	// Two shipment days; the second day's bucket keeps non-PII records.
	shipOrders(t, s, seller, 3, func(int) time.Time { return start })
	r := b.runner(t, func(c *retention.Config) {
		// A policy that purges non-PII with PII, so that buckets empty.
		p := retention.DefaultPolicy()
		for i := range p.Rules {
			if p.Rules[i].Class == retention.ClassNonPII {
				p.Rules[i].MaxAge, p.Rules[i].SafetyMargin = 30*day, 2*day
			}
		}
		c.Policy = p
	})
	b.clock.Set(start.Add(28 * day))
	rep := runOnce(t, r)
	shipBucket := retention.ShipmentBucket(start)
	openBucket := retention.OpenBucket(start.Add(-day))
	if !slices.Contains(rep.Shredded, retention.BucketRef{SellerID: seller, Bucket: shipBucket}) {
		t.Errorf("shredded = %v, want the shipment bucket %s", rep.Shredded, shipBucket)
	}
	// The orders left the open bucket when they shipped, and the records
	// that were in it were due at start + 27 days, one day after ordering
	// plus 28 days.
	if !slices.Contains(rep.Shredded, retention.BucketRef{SellerID: seller, Bucket: openBucket}) {
		t.Errorf("shredded = %v, want the open bucket %s, emptied by shipping and past its records' due time", rep.Shredded, openBucket)
	}
	for _, bucket := range []string{shipBucket, openBucket} {
		if n := b.shredder.Count(seller, bucket); n != 1 {
			t.Errorf("shredder calls for %s = %d, want 1", bucket, n)
		}
	}
	runOnce(t, r)
	for _, bucket := range []string{shipBucket, openBucket} {
		if n := b.shredder.Count(seller, bucket); n != 1 {
			t.Errorf("shredder calls for %s after a second run = %d, want 1", bucket, n)
		}
	}
	if n := len(b.recorder.Events(audit.ActionShred)); n != 2 {
		t.Errorf("shred audit events = %d, want 2", n)
	}
}

// testShredOpenBucketAtDueTime ships every order of one day, which empties
// the day's open bucket without purging anything in it, and checks that runs
// shred the bucket no earlier than its latest order is due and no later than
// the first run at or after that.
func testShredOpenBucketAtDueTime(t *testing.T, s retention.Store) {
	ctx := context.Background()
	ordered := base
	b := newBundle(t, s, ordered)
	seller := SellerID()
	openBucket := retention.OpenBucket(ordered)
	openRef := retention.BucketRef{SellerID: seller, Bucket: openBucket}
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)

	register := func(at time.Time) error {
		o := retention.Order{SellerID: seller, OrderID: OrderID(), Bucket: openBucket, OrderedAt: at}
		if err := retention.RegisterOrder(ctx, s, o); err != nil {
			return err
		}
		shipped := at.Add(day)
		_, err := retention.MarkShipped(ctx, s, seller, o.OrderID, shipped, retention.ShipmentBucket(shipped))
		return err
	}
	for _, hours := range []time.Duration{0, 2, 5} {
		if err := register(ordered.Add(hours * time.Hour)); err != nil {
			t.Fatalf("register and ship an order: %v", err)
		}
	}
	r := b.runner(t)
	checkOpen := func(want bool) {
		t.Helper()
		rep := runOnce(t, r)
		if got := slices.Contains(rep.Shredded, openRef); got != want {
			t.Errorf("at %v: open bucket shredded = %v, want %v (shredded %v)", b.clock.Now(), got, want, rep.Shredded)
		}
	}

	b.clock.Set(ordered.Add(day))
	checkOpen(false)
	due := rule.Due(ordered.Add(5 * time.Hour))
	b.clock.Set(due.Add(-time.Microsecond))
	checkOpen(false)

	// A late order of the same day still registers into the open bucket
	// before it is due, and moves its due time.
	if err := register(ordered.Add(6 * time.Hour)); err != nil {
		t.Fatalf("register a late order into the open bucket: %v", err)
	}
	b.clock.Set(due)
	checkOpen(false)
	due = rule.Due(ordered.Add(6 * time.Hour))
	b.clock.Set(due.Add(-time.Microsecond))
	checkOpen(false)
	b.clock.Set(due)
	checkOpen(true)
	if n := b.shredder.Count(seller, openBucket); n != 1 {
		t.Errorf("shredder calls for %s = %d, want 1", openBucket, n)
	}
	if rep := runOnce(t, r); rep.Purged[retention.ClassBuyerPII] != 0 {
		t.Errorf("purged %d buyer_pii records, want 0 (the orders shipped a day later are not due)", rep.Purged[retention.ClassBuyerPII])
	}
	if n := b.shredder.Count(seller, openBucket); n != 1 {
		t.Errorf("shredder calls for %s after another run = %d, want 1", openBucket, n)
	}

	err := register(ordered.Add(7 * time.Hour))
	var bse *retention.BucketShreddedError
	if !errors.As(err, &bse) || bse.Bucket != openBucket {
		t.Errorf("register into the shredded open bucket: error = %v, want *retention.BucketShreddedError", err)
	}
}

func testPlanMatchesRuns(t *testing.T, s retention.Store) {
	start := base
	b := newBundle(t, s, start)
	shipOrders(t, s, SellerID(), 50, func(i int) time.Time { return start.Add(time.Duration(i) * 11 * time.Hour) })
	r := b.runner(t)
	b.clock.Set(start.Add(27 * day))
	plan, err := r.Plan(context.Background(), 10)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	want := plan.Total(retention.ClassBuyerPII)
	if want == 0 {
		t.Fatalf("plan purges nothing over 10 days: %+v", plan)
	}
	got := 0
	for range 10 * 24 {
		b.clock.Add(time.Hour)
		got += runOnce(t, r).Purged[retention.ClassBuyerPII]
	}
	if got != want {
		t.Errorf("hourly runs over 10 days purged %d, plan said %d", got, want)
	}
	if _, err := r.Plan(context.Background(), 0); err == nil {
		t.Errorf("Plan(0 days) succeeded, want an error")
	}
}
