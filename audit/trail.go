package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hidemont/spkit/pii"
)

// IPPolicy is the way a Trail stores source addresses.
type IPPolicy int

// The ways to store a source address.
const (
	// IPTruncate keeps the network only: an IPv4 address as its /24, an
	// IPv6 address as its /48, written as a prefix such as "192.0.2.0/24".
	// It is the default, because a full address can identify a person while
	// the network still shows where an attack comes from.
	IPTruncate IPPolicy = iota
	// IPKeep stores the full address.
	IPKeep
	// IPPseudonymize stores the keyed HMAC pseudonym of the full address.
	IPPseudonymize
)

// Defaults of Config.
const (
	DefaultWriteTimeout = 5 * time.Second
	DefaultQueueSize    = 4096
	DefaultMaxBatch     = 512
)

// Errors returned by Record.
var (
	ErrClosed  = errors.New("audit: trail is closed")
	ErrTimeout = errors.New("audit: primary sink did not store the event in time")
)

// Config configures a Trail. Keyring and Sink are required; the zero value of
// every other field selects the default given on it.
type Config struct {
	// Keyring MACs entries and makes pseudonyms. Required.
	Keyring *Keyring
	// Sink is the primary store. Record returns nil only once the sink has
	// stored the event. Required.
	Sink Sink
	// Secondaries receive copies of stored entries through a bounded queue
	// each; entries that find a queue full are dropped and counted.
	Secondaries []Secondary
	// Policy validates events; the zero Policy applies its defaults.
	Policy Policy
	// SourceIP selects how source addresses are stored. Default IPTruncate.
	SourceIP IPPolicy
	// KeepOrderIDs stores order IDs in clear. By default they are stored as
	// pseudonyms, because an order ID leads to a buyer.
	KeepOrderIDs bool
	// PseudonymizeActors stores user IDs as pseudonyms. Service actors
	// (ServicePrefix) are kept in clear. Default false: the trail must name
	// who acted.
	PseudonymizeActors bool
	// WriteTimeout bounds how long Record waits for the primary sink before
	// it fails with ErrTimeout. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// MaxBatch is the largest number of events appended to the primary sink
	// at once; concurrent Record calls are grouped up to it. Default
	// DefaultMaxBatch.
	MaxBatch int
	// QueueSize is the capacity, in entries, of each secondary's queue and of
	// the alert queue. Default DefaultQueueSize.
	QueueSize int
	// Detectors watch stored entries and raise alerts.
	Detectors []Detector
	// Notifier receives alerts from one goroutine, through a bounded queue.
	// Without it alerts are only counted.
	Notifier Notifier
	// Registerer, when set, registers the trail's Prometheus metrics. Their
	// labels are bounded: action, outcome, rule and secondary index, never
	// users or addresses. Registering two trails on one Registerer fails.
	Registerer prometheus.Registerer
	// Logger receives sink and notifier failures. Default: discard.
	Logger *slog.Logger
	// Now returns the current time, for events without a time. Default
	// time.Now.
	Now func() time.Time
}

func (c *Config) withDefaults() (Config, error) {
	cfg := *c
	if cfg.Keyring == nil {
		return cfg, errors.New("audit: Config.Keyring is required")
	}
	if cfg.Sink == nil {
		return cfg, errors.New("audit: Config.Sink is required")
	}

	if cfg.SourceIP < IPTruncate || cfg.SourceIP > IPPseudonymize {
		return cfg, fmt.Errorf("audit: Config.SourceIP %d is not an IPPolicy", cfg.SourceIP)
	}
	if cfg.WriteTimeout < 0 || cfg.MaxBatch < 0 || cfg.QueueSize < 0 {
		return cfg, errors.New("audit: Config.WriteTimeout, MaxBatch and QueueSize must not be negative")
	}

	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	for i, s := range cfg.Secondaries {
		if s == nil {
			return cfg, fmt.Errorf("audit: Config.Secondaries[%d] is nil", i)
		}
	}
	for i, d := range cfg.Detectors {
		if d == nil {
			return cfg, fmt.Errorf("audit: Config.Detectors[%d] is nil", i)
		}
	}
	return cfg, nil
}

// Trail records audit events: it validates each event, replaces identifiers
// that could point to a person with keyed pseudonyms, chains it to the entry
// before, and stores it in the primary sink before Record returns. Stored
// entries are then copied to secondary sinks and shown to detectors without
// delaying callers.
//
// Concurrent Record calls are grouped into one Sink.Append of up to
// Config.MaxBatch entries. A Trail implements Recorder and pii.Auditor and
// is safe for concurrent use. Close it to stop its goroutines.
type Trail struct {
	cfg  Config
	reqs chan *request

	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	done     chan struct{} // closed when the committer has exited

	secondaries []*secondaryQueue
	alerts      chan Alert
	workers     sync.WaitGroup

	inflight      atomic.Int64 // Record calls past validation
	droppedAlerts atomic.Uint64
	metrics       *metrics
}

type request struct {
	entry Entry
	done  chan error
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan error, 1)} }}

// New returns a running Trail.
func New(cfg Config) (*Trail, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Trail{
		cfg:    c,
		reqs:   make(chan *request, c.MaxBatch),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		alerts: make(chan Alert, c.QueueSize),
	}
	if t.metrics, err = newMetrics(c.Registerer); err != nil {
		return nil, err
	}
	for i, s := range c.Secondaries {
		q := &secondaryQueue{index: i, sink: s, entries: make(chan Entry, c.QueueSize)}
		t.secondaries = append(t.secondaries, q)
		t.workers.Add(1)
		go t.runSecondary(q)
	}
	if c.Notifier != nil {
		t.workers.Add(1)
		go t.runNotifier()
	}
	go t.runCommitter()
	return t, nil
}

// Record validates e, stores it in the primary sink and returns nil once it
// is stored. It returns a *ValidationError for an event the policy rejects,
// ErrTimeout when the primary sink has not stored the event within
// Config.WriteTimeout, the sink's error when it failed, ctx.Err() when ctx
// ended first, and ErrClosed after Close. On any error the caller must treat
// the action as not audited and fail closed. An event whose Record failed
// with ErrTimeout or ctx.Err() may still be stored later.
func (t *Trail) Record(ctx context.Context, e Event) error {
	entry, err := t.prepare(&e)
	if err != nil {
		t.metrics.rejected(e.Action)
		return err
	}

	select {
	case <-t.stop:
		return ErrClosed
	default:
	}
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	r := requestPool.Get().(*request)
	r.entry = entry
	timer := time.NewTimer(t.cfg.WriteTimeout)
	defer timer.Stop()

	select {
	case t.reqs <- r:
	case <-ctx.Done():
		requestPool.Put(r)
		return ctx.Err()
	case <-timer.C:
		requestPool.Put(r)
		t.metrics.failed(e.Action, "timeout")
		return ErrTimeout
	case <-t.stop:
		requestPool.Put(r)
		return ErrClosed
	}

	// From here the committer owns r until it sends on r.done, so r goes
	// back to the pool only after that receive.
	select {
	case err := <-r.done:
		requestPool.Put(r)
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		t.metrics.failed(e.Action, "timeout")
		return ErrTimeout
	case <-t.done:
		// The committer has exited, possibly right after sending the result.
		select {
		case err := <-r.done:
			requestPool.Put(r)
			return err
		default:
			return ErrClosed
		}
	}
}

// prepare validates e and converts it into the entry to store.
func (t *Trail) prepare(e *Event) (Entry, error) {
	if err := t.cfg.Policy.Validate(e); err != nil {
		return Entry{}, err
	}
	ts := e.Time
	if ts.IsZero() {
		ts = t.cfg.Now()
	}
	entry := Entry{
		Time:     ts.UTC().Truncate(time.Microsecond),
		Actor:    e.Actor,
		Action:   e.Action,
		Outcome:  e.Outcome,
		Reason:   e.Reason,
		SellerID: e.SellerID,
		OrderID:  e.OrderID,
		Bucket:   e.Bucket,
		Purpose:  e.Purpose,
		Kind:     e.Kind,
		Count:    e.Count,
	}

	var d *derivedKey
	pseudonym := func(v string) (string, error) {
		if d == nil {
			if d = t.cfg.Keyring.activeKey(); d == nil {
				return "", errors.New("audit: keyring has no active key")
			}
		}
		return d.pseudonym(v), nil
	}
	var err error
	if t.cfg.PseudonymizeActors && !isServiceActor(e.Actor) {
		if entry.Actor, err = pseudonym(e.Actor); err != nil {
			return Entry{}, err
		}
	}
	if e.OrderID != "" && !t.cfg.KeepOrderIDs {
		if entry.OrderID, err = pseudonym(e.OrderID); err != nil {
			return Entry{}, err
		}
	}
	if e.SourceIP.IsValid() {
		ip := e.SourceIP.Unmap()
		switch t.cfg.SourceIP {
		case IPKeep:
			entry.Source = ip.String()
		case IPTruncate:
			entry.Source = truncateIP(ip).String()
		case IPPseudonymize:
			if entry.Source, err = pseudonym(ip.String()); err != nil {
				return Entry{}, err
			}
		}
	}
	return entry, nil
}

func isServiceActor(actor string) bool {
	return len(actor) > len(ServicePrefix) && actor[:len(ServicePrefix)] == ServicePrefix
}

func truncateIP(ip netip.Addr) netip.Prefix {
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.WithZone("").Prefix(bits)
	return p
}

// runCommitter appends queued requests to the primary sink in batches, one
// batch at a time, and hands stored entries on.
func (t *Trail) runCommitter() {
	defer close(t.done)
	batch := make([]*request, 0, t.cfg.MaxBatch)
	entries := make([]Entry, 0, t.cfg.MaxBatch)
	for {
		select {
		case r := <-t.reqs:
			batch = append(batch[:0], r)
		case <-t.stop:
			t.failQueued()
			return
		}
		// When other callers are waiting, those woken by the last batch are
		// about to queue again. Yielding once lets them join this batch
		// instead of each starting its own.
		if t.inflight.Load() > 1 {
			runtime.Gosched()
		}
	fill:
		for len(batch) < t.cfg.MaxBatch {
			select {
			case r := <-t.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}

		entries = entries[:0]
		for _, r := range batch {
			entries = append(entries, r.entry)
		}
		ctx, cancel := context.WithTimeout(context.Background(), t.cfg.WriteTimeout)
		start := time.Now()
		err := t.cfg.Sink.Append(ctx, t.cfg.Keyring, entries)
		cancel()
		t.metrics.appended(entries, time.Since(start), err)
		if err != nil {
			t.cfg.Logger.LogAttrs(context.Background(), slog.LevelError, "audit: primary sink append failed",
				slog.Int("entries", len(entries)), slog.String("error", err.Error()))
		}
		if err == nil {
			// Counted before the callers return, so that the metrics
			// include every event a caller saw stored.
			for i := range entries {
				t.metrics.recorded(&entries[i])
			}
		}
		for _, r := range batch {
			r.done <- err
		}
		if err == nil {
			t.afterStore(entries)
		}
	}
}

func (t *Trail) failQueued() {
	for {
		select {
		case r := <-t.reqs:
			r.done <- ErrClosed
		default:
			return
		}
	}
}

// afterStore feeds detectors and queues copies for secondary sinks. Queues
// that are full drop the copy, so a slow secondary never blocks it.
func (t *Trail) afterStore(entries []Entry) {
	for i := range entries {
		e := &entries[i]
		for _, d := range t.cfg.Detectors {
			for _, a := range d.Observe(e) {
				t.raise(a)
			}
		}
		for _, q := range t.secondaries {
			select {
			case q.entries <- *e:
			default:
				q.dropped.Add(1)
				t.metrics.dropped(q.index)
			}
		}
	}
}

func (t *Trail) raise(a Alert) {
	t.metrics.alert(a.Rule)
	if t.cfg.Notifier == nil {
		return
	}
	select {
	case t.alerts <- a:
	default:
		t.droppedAlerts.Add(1)
		t.metrics.alertDropped()
	}
}

type secondaryQueue struct {
	index   int
	sink    Secondary
	entries chan Entry
	dropped atomic.Uint64
}

const secondaryBatch = 256

func (t *Trail) runSecondary(q *secondaryQueue) {
	defer t.workers.Done()
	batch := make([]Entry, 0, secondaryBatch)
	for {
		select {
		case e := <-q.entries:
			batch = append(batch[:0], e)
		case <-t.done:
			// The committer has exited, so nothing more is queued: write
			// what is left, then stop.
			for {
				batch = batch[:0]
				for len(batch) < secondaryBatch {
					select {
					case e := <-q.entries:
						batch = append(batch, e)
						continue
					default:
					}
					break
				}
				if len(batch) == 0 {
					return
				}
				t.writeSecondary(q, batch)
			}
		}
	fill:
		for len(batch) < secondaryBatch {
			select {
			case e := <-q.entries:
				batch = append(batch, e)
			default:
				break fill
			}
		}
		t.writeSecondary(q, batch)
	}
}

func (t *Trail) writeSecondary(q *secondaryQueue, batch []Entry) {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.WriteTimeout)
	defer cancel()
	if err := q.sink.Write(ctx, batch); err != nil {
		t.metrics.secondaryFailed(q.index, len(batch))
		t.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "audit: secondary sink write failed",
			slog.Int("secondary", q.index), slog.Int("entries", len(batch)), slog.String("error", err.Error()))
	}
}

func (t *Trail) runNotifier() {
	defer t.workers.Done()
	for {
		select {
		case a := <-t.alerts:
			t.notify(a)
		case <-t.done:
			for {
				select {
				case a := <-t.alerts:
					t.notify(a)
				default:
					return
				}
			}
		}
	}
}

func (t *Trail) notify(a Alert) {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.WriteTimeout)
	defer cancel()
	if err := t.cfg.Notifier.Notify(ctx, a); err != nil {
		t.metrics.notifyFailed()
		t.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "audit: alert notification failed",
			slog.String("rule", a.Rule), slog.String("error", err.Error()))
	}
}

// Dropped returns the number of entries dropped so far because the queue of
// the secondary sink at index i (in Config.Secondaries) was full.
func (t *Trail) Dropped(i int) uint64 {
	if i < 0 || i >= len(t.secondaries) {
		return 0
	}
	return t.secondaries[i].dropped.Load()
}

// DroppedAlerts returns the number of alerts dropped because the notifier's
// queue was full.
func (t *Trail) DroppedAlerts() uint64 { return t.droppedAlerts.Load() }

// Close stops accepting events, fails those still queued with ErrClosed, and
// waits until the secondary sinks and the notifier have written what was
// queued for them, or until ctx ends. A secondary sink that never returns
// makes Close return ctx.Err(). Close does not close the sinks; their owner
// closes them after Close returns.
func (t *Trail) Close(ctx context.Context) error {
	t.stopOnce.Do(func() { close(t.stop) })
	finished := make(chan struct{})
	go func() {
		<-t.done
		t.workers.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AuditReveal records a reveal of personal data, so that a Trail can serve
// as the pii.Auditor of a pii.Revealer. The actor comes from a.Actor or,
// when its UserID is empty, from pii.ActorFromContext; the seller and order
// likewise from a.Subject or pii.SubjectFromContext. It returns the error of
// Record, and the reveal must then be denied.
func (t *Trail) AuditReveal(ctx context.Context, a pii.Access) error {
	e := FromContext(ctx, ActionReveal)
	if a.Actor.UserID != "" {
		e.Actor = a.Actor.UserID
		e.SourceIP = a.Actor.SourceIP
	}
	if a.Subject.SellerID != "" || a.Subject.OrderID != "" {
		e.SellerID = a.Subject.SellerID
		e.OrderID = a.Subject.OrderID
	}
	e.Purpose = string(a.Purpose)
	e.Kind = a.Kind
	e.Count = 1
	return t.Record(ctx, e)
}

// FromContext returns a successful event for action, with the actor and
// source address from pii.ActorFromContext and the seller and order from
// pii.SubjectFromContext. The caller sets the other fields, and the outcome
// and reason when the action failed.
func FromContext(ctx context.Context, action Action) Event {
	e := Event{Action: action, Outcome: OutcomeSuccess}
	if a, ok := pii.ActorFromContext(ctx); ok {
		e.Actor = a.UserID
		e.SourceIP = a.SourceIP
	}
	if s, ok := pii.SubjectFromContext(ctx); ok {
		e.SellerID = s.SellerID
		e.OrderID = s.OrderID
	}
	return e
}

var (
	_ Recorder    = (*Trail)(nil)
	_ pii.Auditor = (*Trail)(nil)
)
