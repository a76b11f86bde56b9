package audit_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

func TestTrailRecordChainsAndVerifies(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink})
	recordN(t, tr, gofakeit.New(1), 50)

	head, err := sink.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head.Seq != 50 {
		t.Fatalf("head seq = %d, want 50", head.Seq)
	}
	rep, err := audit.Verify(context.Background(), sink.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("Verify found a break: %v", rep.Err())
	}
	if rep.Verified != 50 {
		t.Errorf("verified %d entries, want 50", rep.Verified)
	}
}

func TestTrailConcurrentRecordsFormOneChain(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink, MaxBatch: 16})

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { recordN(t, tr, gofakeit.New(uint64(g)), 200) })
	}
	wg.Wait()

	head, _ := sink.Head(context.Background())
	rep, err := audit.Verify(context.Background(), sink.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Verified != 1600 {
		t.Fatalf("verified %d of 1600, break: %v", rep.Verified, rep.Err())
	}
}

func TestTrailPseudonymizesByDefault(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink})
	e := fakeEvent(gofakeit.New(2), audit.ActionRead)
	e.SourceIP = netip.MustParseAddr("198.51.100.77")
	if err := tr.Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}

	got := sink.Entries()[0]
	want, err := kr.Pseudonym("", e.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrderID != want {
		t.Errorf("stored order ID %q, want its pseudonym %q", got.OrderID, want)
	}
	if strings.Contains(got.OrderID, e.OrderID) {
		t.Errorf("stored order ID contains the clear order ID")
	}
	if got.Source != "198.51.100.0/24" {
		t.Errorf("stored source %q, want 198.51.100.0/24", got.Source)
	}
	if got.Actor != e.Actor {
		t.Errorf("stored actor %q, want %q", got.Actor, e.Actor)
	}
}

func TestTrailIPPolicies(t *testing.T) {
	t.Parallel()
	v6 := netip.MustParseAddr("2001:db8:1234:5678::1")
	v4mapped := netip.MustParseAddr("::ffff:192.0.2.9")
	tests := []struct {
		name   string
		policy audit.IPPolicy
		addr   netip.Addr
		want   func(kr *audit.Keyring) string
	}{
		{"truncate v6", audit.IPTruncate, v6, func(*audit.Keyring) string { return "2001:db8:1234::/48" }},
		{"truncate mapped v4", audit.IPTruncate, v4mapped, func(*audit.Keyring) string { return "192.0.2.0/24" }},
		{"keep", audit.IPKeep, v6, func(*audit.Keyring) string { return v6.String() }},
		{"pseudonymize", audit.IPPseudonymize, v4mapped, func(kr *audit.Keyring) string {
			p, _ := kr.Pseudonym("", "192.0.2.9")
			return p
		}},
		{"unknown address", audit.IPKeep, netip.Addr{}, func(*audit.Keyring) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr := newKeyring(t)
			sink := audit.NewMemorySink()
			tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink, SourceIP: tt.policy})
			e := fakeEvent(gofakeit.New(3), audit.ActionLogin)
			e.SourceIP = tt.addr
			if err := tr.Record(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if got, want := sink.Entries()[0].Source, tt.want(kr); got != want {
				t.Errorf("source = %q, want %q", got, want)
			}
		})
	}
}

func TestTrailRejectsInvalidEvent(t *testing.T) {
	t.Parallel()
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Sink: sink})
	e := fakeEvent(gofakeit.New(4), audit.ActionRead)
	e.Actor = "admin"
	err := tr.Record(context.Background(), e)
	if !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("Record(actor=admin) = %v, want ErrInvalidEvent", err)
	}
	if sink.Len() != 0 {
		t.Errorf("sink stored %d entries for a rejected event", sink.Len())
	}
}

// blockingSink never returns from Append until its context ends or release
// is closed.
type blockingSink struct {
	audit.MemorySink
	release chan struct{}
}

func (s *blockingSink) Append(ctx context.Context, kr *audit.Keyring, entries []audit.Entry) error {
	select {
	case <-s.release:
		return s.MemorySink.Append(ctx, kr, entries)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestTrailFailsClosedWithinTimeout(t *testing.T) {
	t.Parallel()
	sink := &blockingSink{release: make(chan struct{})}
	defer close(sink.release)
	tr := newTrail(t, audit.Config{Sink: sink, WriteTimeout: 100 * time.Millisecond})

	start := time.Now()
	err := tr.Record(context.Background(), fakeEvent(gofakeit.New(5), audit.ActionRead))
	took := time.Since(start)
	if err == nil {
		t.Fatal("Record succeeded with a primary sink that cannot write")
	}
	if took > 2*time.Second {
		t.Errorf("Record took %v to fail, want about the 100ms write timeout", took)
	}
}

type failingSink struct{ audit.MemorySink }

var errDiskFull = errors.New("disk full")

func (s *failingSink) Append(context.Context, *audit.Keyring, []audit.Entry) error {
	return errDiskFull
}

func TestTrailReturnsSinkError(t *testing.T) {
	t.Parallel()
	tr := newTrail(t, audit.Config{Sink: &failingSink{}})
	err := tr.Record(context.Background(), fakeEvent(gofakeit.New(6), audit.ActionRead))
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Record = %v, want the sink's error", err)
	}
}

func TestTrailRecordAfterClose(t *testing.T) {
	t.Parallel()
	tr := newTrail(t, audit.Config{})
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := tr.Record(context.Background(), fakeEvent(gofakeit.New(7), audit.ActionRead))
	if !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("Record after Close = %v, want ErrClosed", err)
	}
}

func TestTrailRecordCanceledContext(t *testing.T) {
	t.Parallel()
	sink := &blockingSink{release: make(chan struct{})}
	defer close(sink.release)
	tr := newTrail(t, audit.Config{Sink: sink})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := tr.Record(ctx, fakeEvent(gofakeit.New(8), audit.ActionRead))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Record = %v, want context.DeadlineExceeded", err)
	}
}

// hangingSecondary never returns from Write.
type hangingSecondary struct{ entered chan struct{} }

func (s *hangingSecondary) Write(ctx context.Context, entries []audit.Entry) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {}
}

func TestTrailHangingSecondaryDoesNotDelayCallers(t *testing.T) {
	t.Parallel()
	hang := &hangingSecondary{entered: make(chan struct{}, 1)}
	mirror := audit.NewMemorySink()
	tr, err := audit.New(audit.Config{
		Keyring:     newKeyring(t),
		Sink:        audit.NewMemorySink(),
		Secondaries: []audit.Secondary{hang, mirror},
		QueueSize:   8,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The trail is not closed: its goroutine for the hanging secondary can
	// never stop.

	f := gofakeit.New(9)
	start := time.Now()
	const n = 500
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := tr.Record(ctx, fakeEvent(f, audit.ActionRead))
		cancel()
		if err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("%d records took %v with a hanging secondary", n, took)
	}
	select {
	case <-hang.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("hanging secondary was never called")
	}
	// The hanging secondary holds at most one batch and a full queue.
	if got := tr.Dropped(0); got < n-8-256 {
		t.Errorf("dropped %d entries for the hanging secondary, want at least %d", got, n-8-256)
	}
	waitFor(t, func() bool { return mirror.Len()+int(tr.Dropped(1)) == n })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTrailAuditReveal(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink, KeepOrderIDs: true})
	f := gofakeit.New(10)
	actor := pii.Actor{UserID: "u-" + f.Numerify("####"), SourceIP: netip.MustParseAddr("203.0.113.5")}
	subject := pii.Subject{SellerID: "A" + f.Numerify("##########"), OrderID: f.Numerify("###-#######-#######")}
	ctx := pii.WithSubject(pii.WithActor(context.Background(), actor), subject)

	var auditor pii.Auditor = tr
	if err := auditor.AuditReveal(ctx, pii.Access{Kind: pii.KindAddress, Purpose: pii.PurposeFulfillment}); err != nil {
		t.Fatalf("AuditReveal: %v", err)
	}
	got := sink.Entries()[0]
	if got.Action != audit.ActionReveal || got.Outcome != audit.OutcomeSuccess {
		t.Errorf("entry action/outcome = %s/%s, want reveal/success", got.Action, got.Outcome)
	}
	if got.Actor != actor.UserID {
		t.Errorf("actor = %q, want %q", got.Actor, actor.UserID)
	}
	if got.SellerID != subject.SellerID || got.OrderID != subject.OrderID {
		t.Errorf("seller/order = %s/%s, want %s/%s", got.SellerID, got.OrderID, subject.SellerID, subject.OrderID)
	}
	if got.Kind != pii.KindAddress || got.Purpose != string(pii.PurposeFulfillment) {
		t.Errorf("kind/purpose = %s/%s, want address/fulfillment", got.Kind, got.Purpose)
	}
	if got.Source != "203.0.113.0/24" {
		t.Errorf("source = %q, want 203.0.113.0/24", got.Source)
	}
}

func TestTrailAuditRevealWithoutActorFails(t *testing.T) {
	t.Parallel()
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Sink: sink})
	err := tr.AuditReveal(context.Background(), pii.Access{Kind: pii.KindPhone, Purpose: pii.PurposeDeliverySupport})
	if !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("AuditReveal without actor = %v, want ErrInvalidEvent", err)
	}
	if sink.Len() != 0 {
		t.Errorf("sink stored %d entries", sink.Len())
	}
}

func TestFromContextWithoutActor(t *testing.T) {
	t.Parallel()
	e := audit.FromContext(context.Background(), audit.ActionPurge)
	if e.Actor != "" || e.Action != audit.ActionPurge || e.Outcome != audit.OutcomeSuccess {
		t.Errorf("FromContext = %+v, want an actorless successful purge", e)
	}
}

func TestTrailCloseWithHangingSecondary(t *testing.T) {
	t.Parallel()
	hang := &hangingSecondary{entered: make(chan struct{}, 1)}
	tr, err := audit.New(audit.Config{Keyring: newKeyring(t), Sink: audit.NewMemorySink(), Secondaries: []audit.Secondary{hang}})
	if err != nil {
		t.Fatal(err)
	}
	recordN(t, tr, gofakeit.New(14), 3)
	<-hang.entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := tr.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want context.DeadlineExceeded", err)
	}
}

func TestTrailRotationWhileRecording(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink, MaxBatch: 8})

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() { recordN(t, tr, gofakeit.New(uint64(100+g)), 100) })
	}
	for i := 2; i <= 4; i++ {
		time.Sleep(time.Millisecond)
		if err := kr.Rotate(newKey(t, fmt.Sprintf("k%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()

	head, _ := sink.Head(context.Background())
	rep, err := audit.Verify(context.Background(), sink.All(), audit.VerifyOptions{Keyring: kr, End: &head, StrictKeyIDs: true})
	if err != nil || !rep.OK() || rep.Verified != 400 {
		t.Fatalf("verified %d of 400, err %v, break %v", rep.Verified, err, rep.Err())
	}
}

func TestTrailPseudonymizeActors(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink, PseudonymizeActors: true, SourceIP: audit.IPPseudonymize})
	e := fakeEvent(gofakeit.New(15), audit.ActionLogin)
	job := e
	job.Actor = "svc:order-sync"
	for _, ev := range []audit.Event{e, job} {
		if err := tr.Record(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	got := sink.Entries()
	want, _ := kr.Pseudonym("", e.Actor)
	if got[0].Actor != want {
		t.Errorf("person's actor stored as %q, want pseudonym %q", got[0].Actor, want)
	}
	if got[1].Actor != "svc:order-sync" {
		t.Errorf("service actor stored as %q, want it in clear", got[1].Actor)
	}
	if strings.Contains(got[0].Source, e.SourceIP.String()) {
		t.Errorf("source %q holds the clear address", got[0].Source)
	}
}
