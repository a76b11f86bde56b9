package retentiontest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

// NewStoreFunc returns a new, empty store for one test. It may register
// cleanups on t.
type NewStoreFunc func(t *testing.T) retention.Store

// Run runs the whole suite against stores made by newStore: the store
// contract, then runner scenarios (downtime, restarts, concurrent runners,
// cancelled runs, daylight-saving changes, holds and notices) on a fake
// clock. Every subtest gets its own store and runs in parallel.
func Run(t *testing.T, newStore NewStoreFunc) {
	t.Run("Store", func(t *testing.T) { RunStore(t, newStore) })
	t.Run("Runner", func(t *testing.T) { RunRunner(t, newStore) })
}

// base is a fixed, microsecond-aligned time the tests count from.
var base = time.Date(2026, 3, 2, 9, 15, 30, 123456000, time.UTC)

func record(seller, order string, c retention.Class, bucket string, anchor time.Time) retention.Record {
	return retention.Record{SellerID: seller, OrderID: order, Class: c, Bucket: bucket, Anchor: anchor}
}

func ids(b retention.Batch) []string {
	out := make([]string, len(b.Records))
	for i, r := range b.Records {
		out[i] = r.OrderID
	}
	return out
}

func mustRegister(t *testing.T, s retention.Store, recs ...retention.Record) {
	t.Helper()
	if err := s.Register(context.Background(), recs); err != nil {
		t.Fatalf("Register: %v", err)
	}
}

func mustPurge(t *testing.T, s retention.Store, sel retention.Selector, now time.Time, limit int) retention.Batch {
	t.Helper()
	b, err := s.Purge(context.Background(), sel, now, limit, "test-runner", nil)
	if err != nil {
		t.Fatalf("Purge(%+v): %v", sel, err)
	}
	return b
}

// RunStore runs the store contract tests.
func RunStore(t *testing.T, newStore NewStoreFunc) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s retention.Store)
	}{
		{"RegisterTwiceChangesNothing", testRegisterTwice},
		{"RegisterRejectsInvalid", testRegisterInvalid},
		{"PurgeCutoffBoundary", testPurgeCutoffBoundary},
		{"PurgeBatchesOldestFirst", testPurgeBatches},
		{"PurgeFuncFailureKeepsRecords", testPurgeFuncFailure},
		{"PurgeCancelledKeepsRecords", testPurgeCancelled},
		{"PurgeConcurrentDisjoint", testPurgeConcurrent},
		{"PurgeSelectors", testPurgeSelectors},
		{"PurgeWritesEvidence", testPurgeEvidence},
		{"ReanchorMovesUnpurged", testReanchor},
		{"HoldSkipsCoveredRecords", testHolds},
		{"HoldExpiresAndReleases", testHoldExpiry},
		{"NoticeLifecycle", testNotices},
		{"ShredFullyPurgedBuckets", testShred},
		{"ShredFailureRetries", testShredFailure},
		{"ShredEmptiedByReanchorWhenDue", testShredEmptiedByReanchor},
		{"EvidenceDeliveryOnce", testEvidenceDelivery},
		{"EvidenceConcurrentDelivery", testEvidenceConcurrent},
		{"PlanCountsPerDay", testPlan},
		{"OldestSkipsPurgedAndHeld", testOldest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

func testRegisterTwice(t *testing.T, s retention.Store) {
	seller := SellerID()
	r := record(seller, OrderID(), retention.ClassBuyerPII, "b1", base)
	mustRegister(t, s, r)

	later := r
	later.Anchor = base.Add(time.Hour)
	mustRegister(t, s, later)
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 1 {
		t.Fatalf("purge after second register: got %d records, want 1 (the first anchor must stay)", len(got.Records))
	}
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 0 {
		t.Fatalf("second purge: got %d records, want 0", len(got.Records))
	}

	// Data stored again after its purge must be purged again.
	mustRegister(t, s, r)
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 1 {
		t.Errorf("purge after registering a purged record again: got %d records, want 1", len(got.Records))
	}
}

func testRegisterInvalid(t *testing.T, s retention.Store) {
	seller := SellerID()
	good := record(seller, OrderID(), retention.ClassBuyerPII, "b1", base)
	cases := map[string]func(r *retention.Record){
		"no seller":        func(r *retention.Record) { r.SellerID = "" },
		"no order":         func(r *retention.Record) { r.OrderID = "" },
		"unknown class":    func(r *retention.Record) { r.Class = "marketing" },
		"zero anchor":      func(r *retention.Record) { r.Anchor = time.Time{} },
		"long order ID":    func(r *retention.Record) { r.OrderID = string(make([]byte, retention.MaxIDLength+1)) },
		"control char":     func(r *retention.Record) { r.OrderID = "a\nb" },
		"empty index":      func(r *retention.Record) { r.BlindIndexes = [][]byte{{}} },
		"long index":       func(r *retention.Record) { r.BlindIndexes = [][]byte{make([]byte, retention.MaxBlindIndexLength+1)} },
		"too many indexes": func(r *retention.Record) { r.BlindIndexes = make([][]byte, retention.MaxBlindIndexes+1) },
	}
	for name, mutate := range cases {
		r := good
		mutate(&r)
		err := s.Register(context.Background(), []retention.Record{good, r})
		var ie *retention.InvalidError
		if !errors.As(err, &ie) {
			t.Errorf("%s: Register error = %v, want *retention.InvalidError", name, err)
		}
	}
	p, err := s.Pending(context.Background(), retention.Selector{Class: retention.ClassBuyerPII}, base)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if p.Due != 0 {
		t.Errorf("records stored after rejected registers: %d, want 0", p.Due)
	}
}

func testPurgeCutoffBoundary(t *testing.T, s retention.Store) {
	seller := SellerID()
	r := record(seller, OrderID(), retention.ClassBuyerPII, "b1", base)
	mustRegister(t, s, r)
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base.Add(-time.Nanosecond)}
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 0 {
		t.Fatalf("cutoff 1ns before the anchor: purged %d, want 0", len(got.Records))
	}
	sel.Cutoff = base
	got := mustPurge(t, s, sel, base, 10)
	if len(got.Records) != 1 {
		t.Fatalf("cutoff equal to the anchor: purged %d, want 1", len(got.Records))
	}
	if !got.Records[0].Anchor.Equal(base) || got.Records[0].Anchor.Location() != time.UTC {
		t.Errorf("purged anchor = %v, want %v in UTC", got.Records[0].Anchor, base)
	}
}

func testPurgeBatches(t *testing.T, s retention.Store) {
	seller := SellerID()
	var want []string
	var recs []retention.Record
	for i := range 25 {
		id := OrderID()
		want = append(want, id)
		// Registered newest first, so that insertion order differs from anchor order.
		recs = append([]retention.Record{record(seller, id, retention.ClassNonPII, "b1", base.Add(time.Duration(i)*time.Minute))}, recs...)
	}
	mustRegister(t, s, recs...)

	sel := retention.Selector{Class: retention.ClassNonPII, Cutoff: base.Add(time.Hour)}
	var got []string
	for _, wantLen := range []int{10, 10, 5, 0} {
		b := mustPurge(t, s, sel, base.Add(time.Hour), 10)
		if len(b.Records) != wantLen {
			t.Fatalf("batch size = %d, want %d", len(b.Records), wantLen)
		}
		if b.Class != retention.ClassNonPII {
			t.Errorf("batch class = %q, want %q", b.Class, retention.ClassNonPII)
		}
		got = append(got, ids(b)...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("purge order = %v, want oldest anchor first %v", got, want)
	}
}

func testPurgeFuncFailure(t *testing.T, s retention.Store) {
	seller := SellerID()
	mustRegister(t, s, record(seller, OrderID(), retention.ClassBuyerPII, "b1", base), record(seller, OrderID(), retention.ClassBuyerPII, "b1", base))
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}
	errBoom := errors.New("target table unavailable")
	calls := 0
	_, err := s.Purge(context.Background(), sel, base, 10, "test-runner", func(_ context.Context, b retention.Batch) error {
		calls++
		if len(b.Records) != 2 {
			t.Errorf("purge func got %d records, want 2", len(b.Records))
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Purge error = %v, want the purge func's error", err)
	}
	if calls != 1 {
		t.Errorf("purge func calls = %d, want 1", calls)
	}
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 2 {
		t.Errorf("purge after a failed one: got %d records, want 2", len(got.Records))
	}
}

func testPurgeCancelled(t *testing.T, s retention.Store) {
	seller := SellerID()
	mustRegister(t, s, record(seller, OrderID(), retention.ClassBuyerPII, "b1", base))
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.Purge(ctx, sel, base, 10, "test-runner", func(ctx context.Context, _ retention.Batch) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Purge error = %v, want context.Canceled", err)
	}
	if got := mustPurge(t, s, sel, base, 10); len(got.Records) != 1 {
		t.Errorf("purge after a cancelled one: got %d records, want 1", len(got.Records))
	}
}

func testPurgeConcurrent(t *testing.T, s retention.Store) {
	seller := SellerID()
	const n = 300
	var recs []retention.Record
	for i := range n {
		recs = append(recs, record(seller, OrderID(), retention.ClassBuyerPII, fmt.Sprintf("b%d", i%7), base.Add(-time.Duration(i)*time.Second)))
	}
	mustRegister(t, s, recs...)
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}

	var mu sync.Mutex
	seen := make(map[string]int)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for {
				b, err := s.Purge(context.Background(), sel, base, 7, "test-runner", func(context.Context, retention.Batch) error {
					time.Sleep(time.Millisecond) // hold the batch so that others must skip it
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				if len(b.Records) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids(b) {
					seen[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Purge: %v", err)
	}
	if len(seen) != n {
		t.Errorf("distinct records purged = %d, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("record %s purged %d times, want once", id, c)
		}
	}
}

func testPurgeSelectors(t *testing.T, s retention.Store) {
	a, b := SellerID(), SellerID()
	buyer := BlindIndex()
	o1, o2, o3 := OrderID(), OrderID(), OrderID()
	r1 := record(a, o1, retention.ClassBuyerPII, "b1", base)
	r1.BlindIndexes = [][]byte{BlindIndex(), buyer}
	r2 := record(a, o2, retention.ClassBuyerPII, "b1", base)
	r3 := record(b, o3, retention.ClassBuyerPII, "b1", base)
	r3.BlindIndexes = [][]byte{buyer} // same bytes under another seller's key mean another buyer
	mustRegister(t, s, r1, r2, r3)

	got := mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, SellerID: a, BlindIndex: buyer}, base, 10)
	if !slices.Equal(ids(got), []string{o1}) {
		t.Errorf("purge by blind index = %v, want [%s]", ids(got), o1)
	}
	got = mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, SellerID: a, OrderIDs: []string{o2, o3}}, base, 10)
	if !slices.Equal(ids(got), []string{o2}) {
		t.Errorf("purge by order IDs = %v, want [%s]", ids(got), o2)
	}
	got = mustPurge(t, s, retention.Selector{Class: retention.ClassNonPII, SellerID: b}, base, 10)
	if len(got.Records) != 0 {
		t.Errorf("purge of another class = %v, want none", ids(got))
	}
	got = mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, SellerID: b}, base, 10)
	if !slices.Equal(ids(got), []string{o3}) {
		t.Errorf("purge by seller = %v, want [%s]", ids(got), o3)
	}

	_, err := s.Purge(context.Background(), retention.Selector{Class: retention.ClassBuyerPII, OrderIDs: []string{o1}}, base, 10, "test-runner", nil)
	var ie *retention.InvalidError
	if !errors.As(err, &ie) {
		t.Errorf("order IDs without seller: error = %v, want *retention.InvalidError", err)
	}
	for _, limit := range []int{0, -1, retention.MaxBatchSize + 1} {
		_, err := s.Purge(context.Background(), retention.Selector{Class: retention.ClassBuyerPII}, base, limit, "test-runner", nil)
		if !errors.As(err, &ie) {
			t.Errorf("limit %d: error = %v, want *retention.InvalidError", limit, err)
		}
	}
}

// purgeAll purges batches until none is left and returns the count.
func purgeAll(t *testing.T, s retention.Store, sel retention.Selector, now time.Time) int {
	t.Helper()
	n := 0
	for {
		b := mustPurge(t, s, sel, now, 100)
		if len(b.Records) == 0 {
			return n
		}
		n += len(b.Records)
	}
}

// drain delivers all pending evidence and returns it.
func drain(t *testing.T, s retention.Store) []retention.Evidence {
	t.Helper()
	var out []retention.Evidence
	for {
		n, err := s.DeliverEvidence(context.Background(), 50, func(_ context.Context, ev []retention.Evidence) error {
			out = append(out, ev...)
			return nil
		})
		if err != nil {
			t.Fatalf("DeliverEvidence: %v", err)
		}
		if n == 0 {
			return out
		}
	}
}

func testPurgeEvidence(t *testing.T, s retention.Store) {
	seller := SellerID()
	o1, o2, o3 := OrderID(), OrderID(), OrderID()
	mustRegister(t, s,
		record(seller, o1, retention.ClassPersonalization, "day1", base),
		record(seller, o2, retention.ClassPersonalization, "day1", base),
		record(seller, o3, retention.ClassPersonalization, "day2", base))
	now := base.Add(time.Hour)
	mustPurge(t, s, retention.Selector{Class: retention.ClassPersonalization, Cutoff: base}, now, 10)

	ev := drain(t, s)
	if len(ev) != 2 {
		t.Fatalf("evidence records = %d, want 2 (one per bucket): %+v", len(ev), ev)
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].Bucket < ev[j].Bucket })
	want := []struct {
		bucket string
		orders []string
	}{{"day1", []string{o1, o2}}, {"day2", []string{o3}}}
	for i, w := range want {
		e := ev[i]
		got := slices.Clone(e.OrderIDs)
		slices.Sort(got)
		slices.Sort(w.orders)
		switch {
		case e.Action != audit.ActionPurge:
			t.Errorf("evidence %d action = %q, want %q", i, e.Action, audit.ActionPurge)
		case e.Outcome != audit.OutcomeSuccess:
			t.Errorf("evidence %d outcome = %q, want success", i, e.Outcome)
		case e.SellerID != seller || e.Bucket != w.bucket:
			t.Errorf("evidence %d = seller %q bucket %q, want %q %q", i, e.SellerID, e.Bucket, seller, w.bucket)
		case e.Class != retention.ClassPersonalization:
			t.Errorf("evidence %d class = %q, want personalization", i, e.Class)
		case e.Count != len(w.orders) || !slices.Equal(got, w.orders):
			t.Errorf("evidence %d = %d orders %v, want %v", i, e.Count, got, w.orders)
		case e.Actor != "test-runner":
			t.Errorf("evidence %d actor = %q, want test-runner", i, e.Actor)
		case !e.Time.Equal(now):
			t.Errorf("evidence %d time = %v, want %v", i, e.Time, now)
		}
	}
	if again := drain(t, s); len(again) != 0 {
		t.Errorf("evidence after delivery = %d records, want 0", len(again))
	}
}

func testReanchor(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	o := OrderID()
	ordered := base
	mustRegister(t, s,
		record(seller, o, retention.ClassBuyerPII, "open", ordered),
		record(seller, o, retention.ClassNonPII, "open", ordered),
		record(seller, o, retention.ClassPersonalization, "open", ordered))
	mustPurge(t, s, retention.Selector{Class: retention.ClassPersonalization, Cutoff: ordered}, ordered, 10)

	shipped := ordered.Add(50 * time.Hour)
	n, err := s.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: o, Anchor: shipped, Bucket: "ship"})
	if err != nil {
		t.Fatalf("Reanchor: %v", err)
	}
	if n != 2 {
		t.Errorf("Reanchor moved %d records, want 2 (the purged one stays)", n)
	}
	if got := mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: shipped.Add(-time.Microsecond)}, shipped, 10); len(got.Records) != 0 {
		t.Errorf("purge before the new anchor: got %d records, want 0", len(got.Records))
	}
	got := mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: shipped}, shipped, 10)
	if len(got.Records) != 1 || got.Records[0].Bucket != "ship" || !got.Records[0].Anchor.Equal(shipped) {
		t.Errorf("purge at the new anchor = %+v, want one record in bucket ship anchored at %v", got.Records, shipped)
	}

	n, err = s.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: OrderID(), Anchor: shipped})
	if err != nil || n != 0 {
		t.Errorf("Reanchor of an unknown order = %d, %v; want 0, nil", n, err)
	}
	_, err = s.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: o})
	var ie *retention.InvalidError
	if !errors.As(err, &ie) {
		t.Errorf("Reanchor without anchor: error = %v, want *retention.InvalidError", err)
	}
}

func hold(seller string, placed time.Time) retention.Hold {
	return retention.Hold{ID: OrderID(), SellerID: seller, Reason: "tax_audit", Actor: "compliance-officer", PlacedAt: placed}
}

func testHolds(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller, other := SellerID(), SellerID()
	o1, o2 := OrderID(), OrderID()
	mustRegister(t, s,
		record(seller, o1, retention.ClassBuyerPII, "b", base),
		record(seller, o2, retention.ClassBuyerPII, "b", base),
		record(seller, o1, retention.ClassTaxArchive, "b", base),
		record(other, OrderID(), retention.ClassBuyerPII, "b", base))

	h := hold(seller, base)
	h.OrderIDs = []string{o1}
	h.Classes = []retention.Class{retention.ClassBuyerPII}
	placed, err := s.PlaceHold(ctx, h)
	if err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	again := h
	again.Reason = "other_reason"
	if p2, err := s.PlaceHold(ctx, again); err != nil || p2.Reason != placed.Reason {
		t.Errorf("PlaceHold with an existing ID = %+v, %v; want the stored hold", p2, err)
	}

	now := base.Add(time.Hour)
	sel := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: now}
	p, err := s.Pending(ctx, sel, now)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if p.Due != 2 || p.Held != 1 {
		t.Errorf("Pending = %+v, want Due 2 Held 1", p)
	}
	got := mustPurge(t, s, sel, now, 10)
	if len(got.Records) != 2 || slices.Contains(ids(got), o1) {
		t.Errorf("purge under hold = %v, want two records without %s", ids(got), o1)
	}
	if got := mustPurge(t, s, retention.Selector{Class: retention.ClassTaxArchive, Cutoff: now}, now, 10); len(got.Records) != 1 {
		t.Errorf("purge of a class outside the hold = %d records, want 1", len(got.Records))
	}

	holds, err := s.Holds(ctx, now)
	if err != nil || len(holds) != 1 || holds[0].ID != h.ID {
		t.Errorf("Holds = %+v, %v; want the one hold", holds, err)
	}

	var ev []retention.Evidence
	for _, e := range drain(t, s) {
		if e.Action == audit.ActionLegalHold {
			ev = append(ev, e)
		}
	}
	if len(ev) != 1 || ev[0].Reason != "tax_audit" || ev[0].SellerID != seller || ev[0].Actor != "compliance-officer" {
		t.Errorf("hold evidence = %+v, want one event with reason tax_audit", ev)
	}

	bad := hold(seller, base)
	bad.Reason = "Buyer asked, see e-mail"
	_, err = s.PlaceHold(ctx, bad)
	var ie *retention.InvalidError
	if !errors.As(err, &ie) {
		t.Errorf("PlaceHold with a free-text reason: error = %v, want *retention.InvalidError", err)
	}
}

func testHoldExpiry(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	mustRegister(t, s, record(seller, OrderID(), retention.ClassBuyerPII, "b", base), record(seller, OrderID(), retention.ClassNonPII, "b", base))

	expiring := hold(seller, base)
	expiring.Classes = []retention.Class{retention.ClassBuyerPII}
	expiring.Expires = base.Add(48 * time.Hour)
	if _, err := s.PlaceHold(ctx, expiring); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	released := hold(seller, base)
	released.Classes = []retention.Class{retention.ClassNonPII}
	if _, err := s.PlaceHold(ctx, released); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}

	pii := retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}
	nonPII := retention.Selector{Class: retention.ClassNonPII, Cutoff: base}
	if got := mustPurge(t, s, pii, expiring.Expires.Add(-time.Microsecond), 10); len(got.Records) != 0 {
		t.Errorf("purge 1µs before the hold expires: %d records, want 0", len(got.Records))
	}
	if got := mustPurge(t, s, pii, expiring.Expires, 10); len(got.Records) != 1 {
		t.Errorf("purge when the hold expires: %d records, want 1", len(got.Records))
	}

	at := base.Add(time.Hour)
	if got := mustPurge(t, s, nonPII, at, 10); len(got.Records) != 0 {
		t.Errorf("purge before release: %d records, want 0", len(got.Records))
	}
	h, err := s.ReleaseHold(ctx, released.ID, at, "compliance-officer")
	if err != nil {
		t.Fatalf("ReleaseHold: %v", err)
	}
	if !h.ReleasedAt.Equal(at) {
		t.Errorf("ReleasedAt = %v, want %v", h.ReleasedAt, at)
	}
	if h2, err := s.ReleaseHold(ctx, released.ID, at.Add(time.Hour), "compliance-officer"); err != nil || !h2.ReleasedAt.Equal(at) {
		t.Errorf("second ReleaseHold = %v, %v; want the first release time", h2.ReleasedAt, err)
	}
	if got := mustPurge(t, s, nonPII, at, 10); len(got.Records) != 1 {
		t.Errorf("purge after release: %d records, want 1", len(got.Records))
	}
	if _, err := s.ReleaseHold(ctx, "no-such-hold", at, "compliance-officer"); !errors.Is(err, retention.ErrNotFound) {
		t.Errorf("ReleaseHold of an unknown ID: error = %v, want ErrNotFound", err)
	}

	var released2 int
	for _, e := range drain(t, s) {
		if e.Action == audit.ActionLegalHold && e.Reason == retention.HoldReleased {
			released2++
		}
	}
	if released2 != 1 {
		t.Errorf("release evidence records = %d, want 1", released2)
	}
}

func testNotices(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	n := retention.Notice{
		ID: OrderID(), SellerID: seller, BlindIndex: BlindIndex(), Actor: "amazon-notification",
		ReceivedAt: base, Deadline: base.Add(10 * 24 * time.Hour),
	}
	got, err := s.SubmitNotice(ctx, n)
	if err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if got.Status != retention.NoticeOpen || !got.Deadline.Equal(n.Deadline) {
		t.Errorf("submitted notice = %+v, want open with deadline %v", got, n.Deadline)
	}
	other := n
	other.ID = OrderID()
	other.Deadline = base.Add(5 * 24 * time.Hour)
	if _, err := s.SubmitNotice(ctx, other); err != nil {
		t.Fatalf("SubmitNotice: %v", err)
	}
	if _, err := s.SubmitNotice(ctx, n); err != nil {
		t.Fatalf("SubmitNotice again: %v", err)
	}

	open, err := s.OpenNotices(ctx)
	if err != nil {
		t.Fatalf("OpenNotices: %v", err)
	}
	if len(open) != 2 || open[0].ID != other.ID || open[1].ID != n.ID {
		t.Errorf("OpenNotices = %d notices, want two, earliest deadline first", len(open))
	}

	done, err := s.CompleteNotice(ctx, n.ID, base.Add(time.Hour), 3, "test-runner")
	if err != nil {
		t.Fatalf("CompleteNotice: %v", err)
	}
	if done.Status != retention.NoticeDone || done.Purged != 3 || !done.CompletedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("completed notice = %+v, want done with 3 purged", done)
	}
	stored, err := s.Notice(ctx, n.ID)
	if err != nil || stored.Status != retention.NoticeDone || !slices.Equal(stored.BlindIndex, n.BlindIndex) {
		t.Errorf("Notice = %+v, %v; want the completed notice with its blind index", stored, err)
	}
	if again, err := s.CompleteNotice(ctx, n.ID, base.Add(2*time.Hour), 9, "test-runner"); err != nil || again.Purged != 3 {
		t.Errorf("second CompleteNotice = %+v, %v; want the first completion", again, err)
	}
	if _, err := s.Notice(ctx, "no-such-notice"); !errors.Is(err, retention.ErrNotFound) {
		t.Errorf("Notice of an unknown ID: error = %v, want ErrNotFound", err)
	}

	late := n
	late.ID = OrderID()
	late.Deadline = base.Add(retention.MaxNoticeDeadline + time.Nanosecond)
	_, err = s.SubmitNotice(ctx, late)
	var ie *retention.InvalidError
	if !errors.As(err, &ie) {
		t.Errorf("notice with a deadline past 30 days: error = %v, want *retention.InvalidError", err)
	}
	both := n
	both.ID = OrderID()
	both.OrderIDs = []string{OrderID()}
	if _, err := s.SubmitNotice(ctx, both); !errors.As(err, &ie) {
		t.Errorf("notice with orders and a blind index: error = %v, want *retention.InvalidError", err)
	}

	var received, completed int
	for _, e := range drain(t, s) {
		if e.Action != audit.ActionDeletionNotice {
			continue
		}
		switch e.Reason {
		case retention.NoticeReceived:
			received++
		case retention.NoticeCompleted:
			completed++
		}
	}
	if received != 2 || completed != 1 {
		t.Errorf("notice evidence = %d received, %d completed; want 2 and 1", received, completed)
	}
}

func shredAll(t *testing.T, s retention.Store, now time.Time, fn retention.ShredFunc) []retention.BucketRef {
	t.Helper()
	refs, err := s.Shred(context.Background(), now, nil, 100, "test-runner", fn)
	if err != nil {
		t.Fatalf("Shred: %v", err)
	}
	return refs
}

func testShred(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	mustRegister(t, s,
		record(seller, OrderID(), retention.ClassBuyerPII, "full", base),
		record(seller, OrderID(), retention.ClassBuyerPII, "full", base),
		record(seller, OrderID(), retention.ClassBuyerPII, "part", base),
		record(seller, OrderID(), retention.ClassBuyerPII, "part", base.Add(time.Hour)),
		record(seller, OrderID(), retention.ClassNonPII, "full", base.Add(time.Hour)))
	now := base.Add(2 * time.Hour)
	var called []retention.BucketRef
	fn := func(_ context.Context, b retention.BucketRef) error {
		called = append(called, b)
		return nil
	}
	if refs := shredAll(t, s, now, fn); len(refs) != 0 {
		t.Fatalf("shred before any purge = %v, want none", refs)
	}

	mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}, now, 10)
	if refs := shredAll(t, s, now, fn); len(refs) != 0 {
		t.Fatalf("shred with a non-PII record left in bucket full = %v, want none", refs)
	}
	mustPurge(t, s, retention.Selector{Class: retention.ClassNonPII, Cutoff: now}, now, 10)
	refs := shredAll(t, s, now, fn)
	want := []retention.BucketRef{{SellerID: seller, Bucket: "full"}}
	if !slices.Equal(refs, want) || !slices.Equal(called, want) {
		t.Fatalf("shred = %v (called %v), want %v", refs, called, want)
	}
	if refs := shredAll(t, s, now, fn); len(refs) != 0 {
		t.Errorf("second shred = %v, want none", refs)
	}

	err := s.Register(ctx, []retention.Record{record(seller, OrderID(), retention.ClassBuyerPII, "full", now)})
	var bse *retention.BucketShreddedError
	if !errors.As(err, &bse) || bse.Bucket != "full" {
		t.Errorf("Register into a shredded bucket: error = %v, want *retention.BucketShreddedError", err)
	}
	_, err = s.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: OrderID(), Anchor: now, Bucket: "full"})
	if !errors.As(err, &bse) {
		t.Errorf("Reanchor into a shredded bucket: error = %v, want *retention.BucketShreddedError", err)
	}

	var shredEv int
	for _, e := range drain(t, s) {
		if e.Action == audit.ActionShred {
			shredEv++
			if e.Bucket != "full" || e.SellerID != seller {
				t.Errorf("shred evidence = %+v, want bucket full", e)
			}
		}
	}
	if shredEv != 1 {
		t.Errorf("shred evidence records = %d, want 1", shredEv)
	}
}

// testShredEmptiedByReanchor empties a bucket by re-anchoring alone, as
// shipping empties an open bucket, and checks that Shred takes it only once
// every record that was ever in it is due at the given cutoffs.
func testShredEmptiedByReanchor(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	first, second, cancelled, late := OrderID(), OrderID(), OrderID(), OrderID()
	mustRegister(t, s,
		record(seller, first, retention.ClassBuyerPII, "open", base),
		record(seller, first, retention.ClassPersonalization, "open", base),
		record(seller, second, retention.ClassBuyerPII, "open", base.Add(time.Hour)),
		record(seller, cancelled, retention.ClassBuyerPII, "open", base))
	reanchor := func(order string, at time.Time, bucket string) {
		t.Helper()
		if _, err := s.Reanchor(ctx, retention.Reanchor{SellerID: seller, OrderID: order, Anchor: at, Bucket: bucket}); err != nil {
			t.Fatalf("Reanchor %s to %q: %v", order, bucket, err)
		}
	}
	// Re-anchoring in place raises the bucket's latest anchor too.
	reanchor(cancelled, base.Add(2*time.Hour), "")
	shipped := base.Add(3 * time.Hour)
	for _, order := range []string{first, second, cancelled} {
		reanchor(order, shipped, "ship")
	}
	cutoffs := func(buyerPII, personalization time.Time) retention.Cutoffs {
		return retention.Cutoffs{retention.ClassBuyerPII: buyerPII, retention.ClassPersonalization: personalization}
	}
	var called []retention.BucketRef
	fn := func(_ context.Context, b retention.BucketRef) error {
		called = append(called, b)
		return nil
	}
	shred := func(c retention.Cutoffs) []retention.BucketRef {
		t.Helper()
		refs, err := s.Shred(ctx, shipped, c, 100, "test-runner", fn)
		if err != nil {
			t.Fatalf("Shred: %v", err)
		}
		return refs
	}

	latest := base.Add(2 * time.Hour)
	if refs := shred(nil); len(refs) != 0 {
		t.Errorf("shred without cutoffs = %v, want none", refs)
	}
	if refs := shred(cutoffs(latest.Add(-time.Microsecond), latest)); len(refs) != 0 {
		t.Errorf("shred one microsecond before the latest buyer_pii record is due = %v, want none", refs)
	}
	if refs := shred(cutoffs(latest, base.Add(-time.Microsecond))); len(refs) != 0 {
		t.Errorf("shred before the personalization record is due = %v, want none", refs)
	}
	if refs := shred(retention.Cutoffs{retention.ClassBuyerPII: latest}); len(refs) != 0 {
		t.Errorf("shred without a personalization cutoff = %v, want none", refs)
	}

	// An order of the same day that arrives late can still be registered
	// into the bucket, and it moves the bucket's due time.
	mustRegister(t, s, record(seller, late, retention.ClassBuyerPII, "open", base.Add(4*time.Hour)))
	if refs := shred(cutoffs(latest, latest)); len(refs) != 0 {
		t.Errorf("shred with a record in the bucket = %v, want none", refs)
	}
	reanchor(late, base.Add(5*time.Hour), "ship")
	if refs := shred(cutoffs(latest, latest)); len(refs) != 0 {
		t.Errorf("shred before the late order is due = %v, want none", refs)
	}
	if len(called) != 0 {
		t.Fatalf("shred func called for %v before the bucket was due", called)
	}

	// The bucket becomes due once its records' latest anchor (the late
	// order's 4 hours) is at the cutoff. The shipment bucket keeps its
	// records.
	refs := shred(cutoffs(base.Add(4*time.Hour), latest))
	want := []retention.BucketRef{{SellerID: seller, Bucket: "open"}}
	if !slices.Equal(refs, want) {
		t.Fatalf("shred at the latest due time = %v, want %v", refs, want)
	}
	if !slices.Equal(called, want) {
		t.Errorf("shred func called for %v, want %v", called, want)
	}
	if refs := shred(cutoffs(shipped.Add(time.Hour), shipped.Add(time.Hour))); len(refs) != 0 {
		t.Errorf("second shred = %v, want none (the shipment bucket still holds records)", refs)
	}

	err := s.Register(ctx, []retention.Record{record(seller, OrderID(), retention.ClassBuyerPII, "open", base)})
	var bse *retention.BucketShreddedError
	if !errors.As(err, &bse) || bse.Bucket != "open" {
		t.Errorf("Register into the shredded open bucket: error = %v, want *retention.BucketShreddedError", err)
	}
	var shredEv []retention.Evidence
	for _, e := range drain(t, s) {
		if e.Action == audit.ActionShred {
			shredEv = append(shredEv, e)
		}
	}
	if len(shredEv) != 1 || shredEv[0].Bucket != "open" || shredEv[0].SellerID != seller {
		t.Errorf("shred evidence = %+v, want one record for the open bucket", shredEv)
	}
}

func testShredFailure(t *testing.T, s retention.Store) {
	seller := SellerID()
	mustRegister(t, s, record(seller, OrderID(), retention.ClassBuyerPII, "b1", base), record(seller, OrderID(), retention.ClassBuyerPII, "b2", base))
	mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}, base, 10)

	errVault := errors.New("vault sealed")
	refs, err := s.Shred(context.Background(), base, nil, 100, "test-runner", func(_ context.Context, b retention.BucketRef) error {
		if b.Bucket == "b1" {
			return errVault
		}
		return nil
	})
	if !errors.Is(err, errVault) {
		t.Errorf("Shred error = %v, want the shred func's error", err)
	}
	if len(refs) != 1 || refs[0].Bucket != "b2" {
		t.Errorf("Shred with one failure = %v, want only b2", refs)
	}
	refs = shredAll(t, s, base, func(context.Context, retention.BucketRef) error { return nil })
	if len(refs) != 1 || refs[0].Bucket != "b1" {
		t.Errorf("Shred retry = %v, want b1", refs)
	}
}

func testEvidenceDelivery(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	for i := range 3 {
		mustRegister(t, s, record(seller, OrderID(), retention.ClassBuyerPII, fmt.Sprintf("b%d", i), base))
	}
	if got := mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}, base, 10); len(got.Records) != 3 {
		t.Fatalf("purge = %d records, want 3", len(got.Records))
	}

	errDown := errors.New("audit sink down")
	n, err := s.DeliverEvidence(ctx, 10, func(context.Context, []retention.Evidence) error { return errDown })
	if !errors.Is(err, errDown) || n != 0 {
		t.Fatalf("DeliverEvidence with failing fn = %d, %v; want 0 and the fn's error", n, err)
	}
	var first []retention.Evidence
	n, err = s.DeliverEvidence(ctx, 2, func(_ context.Context, ev []retention.Evidence) error {
		first = ev
		return nil
	})
	if err != nil || n != 2 || len(first) != 2 {
		t.Fatalf("DeliverEvidence(limit 2) = %d, %v; want 2", n, err)
	}
	if first[0].ID >= first[1].ID {
		t.Errorf("evidence IDs %d, %d are not in increasing order", first[0].ID, first[1].ID)
	}
	rest := drain(t, s)
	if len(rest) != 1 {
		t.Errorf("remaining evidence = %d, want 1", len(rest))
	}
}

func testEvidenceConcurrent(t *testing.T, s retention.Store) {
	seller := SellerID()
	var recs []retention.Record
	for i := range 60 {
		recs = append(recs, record(seller, OrderID(), retention.ClassBuyerPII, fmt.Sprintf("b%d", i), base))
	}
	mustRegister(t, s, recs...)
	if n := purgeAll(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base}, base); n != 60 {
		t.Fatalf("purged %d records, want 60", n)
	}

	var mu sync.Mutex
	seen := make(map[int64]int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				n, err := s.DeliverEvidence(context.Background(), 3, func(_ context.Context, ev []retention.Evidence) error {
					time.Sleep(time.Millisecond)
					mu.Lock()
					defer mu.Unlock()
					for _, e := range ev {
						seen[e.ID]++
					}
					return nil
				})
				if err != nil {
					t.Errorf("DeliverEvidence: %v", err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Errorf("evidence delivered = %d records, want 60", len(seen))
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("evidence %d delivered %d times, want once", id, c)
		}
	}
}

func testPlan(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	age := 28 * 24 * time.Hour
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 5, 10+d, 0, 0, 0, 0, time.UTC) }
	held := OrderID()
	mustRegister(t, s,
		record(seller, OrderID(), retention.ClassBuyerPII, "b", now.Add(-age-48*time.Hour)),   // overdue: counts today
		record(seller, OrderID(), retention.ClassBuyerPII, "b", now.Add(-age+time.Hour)),      // due today at 13:00
		record(seller, OrderID(), retention.ClassBuyerPII, "b", now.Add(-age+30*time.Hour)),   // due tomorrow
		record(seller, held, retention.ClassBuyerPII, "b", now.Add(-age+30*time.Hour)),        // due tomorrow, held
		record(seller, OrderID(), retention.ClassBuyerPII, "b", now.Add(-age+5*24*time.Hour)), // after the plan
		record(seller, OrderID(), retention.ClassNonPII, "b", now.Add(-age)))                  // another class
	h := hold(seller, base)
	h.OrderIDs = []string{held}
	if _, err := s.PlaceHold(ctx, h); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}

	got, err := s.Plan(ctx, retention.ClassBuyerPII, age, now, now.Add(3*24*time.Hour))
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	want := []retention.PlanDay{
		{Day: day(0), Class: retention.ClassBuyerPII, Count: 2},
		{Day: day(1), Class: retention.ClassBuyerPII, Count: 1, Held: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("Plan = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].Class != want[i].Class || got[i].Count != want[i].Count || got[i].Held != want[i].Held {
			t.Errorf("Plan day %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	p, err := s.Pending(ctx, retention.Selector{Class: retention.ClassBuyerPII}, now)
	if err != nil || p.Due+p.Held != 5 {
		t.Errorf("records left after Plan = %+v, %v; want all 5 (a plan purges nothing)", p, err)
	}
}

func testOldest(t *testing.T, s retention.Store) {
	ctx := context.Background()
	seller := SellerID()
	if _, ok, err := s.Oldest(ctx, retention.ClassBuyerPII, base); err != nil || ok {
		t.Fatalf("Oldest of an empty store = ok %v, %v; want false", ok, err)
	}
	heldOrder := OrderID()
	mustRegister(t, s,
		record(seller, heldOrder, retention.ClassBuyerPII, "b", base.Add(-3*time.Hour)),
		record(seller, OrderID(), retention.ClassBuyerPII, "b", base.Add(-2*time.Hour)),
		record(seller, OrderID(), retention.ClassBuyerPII, "b", base.Add(-time.Hour)))
	h := hold(seller, base.Add(-time.Hour))
	h.OrderIDs = []string{heldOrder}
	if _, err := s.PlaceHold(ctx, h); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
	mustPurge(t, s, retention.Selector{Class: retention.ClassBuyerPII, Cutoff: base.Add(-2 * time.Hour)}, base, 10)
	oldest, ok, err := s.Oldest(ctx, retention.ClassBuyerPII, base)
	if err != nil || !ok || !oldest.Equal(base.Add(-time.Hour)) {
		t.Errorf("Oldest = %v, %v, %v; want %v", oldest, ok, err, base.Add(-time.Hour))
	}
}
