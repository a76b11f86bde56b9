package fulfillment_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
)

// eventLog collects audit events and reveals.
type eventLog struct {
	mu      sync.Mutex
	events  []audit.Event
	reveals []pii.Access
}

func (l *eventLog) Record(_ context.Context, e audit.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	return nil
}

func (l *eventLog) AuditReveal(_ context.Context, a pii.Access) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reveals = append(l.reveals, a)
	return nil
}

func (l *eventLog) count(action audit.Action, outcome audit.Outcome) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.Action == action && e.Outcome == outcome {
			n++
		}
	}
	return n
}

// world is a fake Amazon loaded with a synthetic data set, and everything
// the workflows need around it, in memory.
type world struct {
	srv       *spapitest.Server
	ds        *spapitest.Dataset
	client    *spapi.Client
	ring      *vaultkms.Keyring
	store     fulfillment.Store
	retention *retention.MemoryStore
	log       *eventLog
	revealer  *pii.Revealer
	now       time.Time
}

func newWorld(t testing.TB, opts spapitest.Options, ds spapitest.DatasetOptions) *world {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = 1000
	}
	w := &world{
		srv:       spapitest.NewServer(t, opts),
		ds:        spapitest.NewDataset(7, ds),
		store:     fulfillment.NewMemoryStore(),
		retention: retention.NewMemoryStore(),
		log:       &eventLog{},
	}
	w.srv.Load(w.ds)
	// The data set's last updates reach up to two days past its Now.
	w.now = w.ds.Now.Add(49 * time.Hour)
	var err error
	if w.ring, err = vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()}); err != nil {
		t.Fatal(err)
	}
	if w.revealer, err = pii.NewRevealer(pii.DefaultPolicy(), w.log); err != nil {
		t.Fatal(err)
	}
	w.client = w.newClient(t)
	return w
}

func (w *world) newClient(t testing.TB) *spapi.Client {
	t.Helper()
	cfg := w.srv.ClientConfig()
	c, err := spapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *world) clock() time.Time { return w.now }

func (w *world) orderSync(t testing.TB, api fulfillment.OrdersAPI) *fulfillment.OrderSync {
	t.Helper()
	s, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client: w.client, Store: w.store, Sealer: w.ring, Indexer: w.ring, Retention: w.retention, Recorder: w.log,
		Customizations:  &fulfillment.CustomFetcher{Revealer: w.revealer, HTTPClient: w.srv.Client()},
		API:             api,
		InitialLookback: 90 * 24 * time.Hour,
		Now:             w.clock,
	})
	if err != nil {
		t.Fatalf("NewOrderSync: %v", err)
	}
	return s
}

// actorContext returns a context carrying a synthetic warehouse user.
func actorContext() context.Context {
	return pii.WithActor(context.Background(), pii.Actor{UserID: "u-4711", SourceIP: netip.MustParseAddr("192.0.2.10")})
}
