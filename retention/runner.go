package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hidemont/spkit/audit"
)

// Purger removes the data of purged records from wherever its owner keeps it,
// such as the sealed columns of fulfillment's order tables. Purge must be
// idempotent: a runner that stops between Purge and the store's commit calls
// it again for the same records on its next run.
type Purger interface {
	Purge(ctx context.Context, b Batch) error
}

// Shredder destroys the data key of a seller's retention bucket, so that every
// copy of data sealed under it, in backups included, can no longer be opened.
// vaultkms.Keyring implements it. Shred must return nil for a bucket whose key
// is already gone.
type Shredder interface {
	Shred(ctx context.Context, seller, bucket string) error
}

// Notifier receives alerts about deletion notices whose deadline is near or
// past. A runner calls it on every run while such a notice is open.
type Notifier interface {
	NoticeDeadlineNear(ctx context.Context, a NoticeAlert) error
}

// NoticeAlert describes an open deletion notice close to its deadline.
type NoticeAlert struct {
	NoticeID string
	SellerID string
	Deadline time.Time
	// TimeLeft is the time until the deadline; negative once it has passed.
	TimeLeft time.Duration
	// Held is the number of records a legal hold keeps from being deleted.
	Held int
}

// Defaults of [Config].
const (
	DefaultActor         = "spkit-retention"
	DefaultBatchSize     = 1000
	DefaultInterval      = 15 * time.Minute
	DefaultNoticeWarning = 7 * 24 * time.Hour
	evidenceBatchSize    = 100
)

// Config configures a [Runner]. Store, Recorder and Shredder are required;
// every other field has a default.
type Config struct {
	// Policy holds the retention rules. The zero value means DefaultPolicy.
	Policy Policy
	// Store holds the records. Required.
	Store Store
	// Recorder receives audit evidence of purges, shreds, holds and notices.
	// Required.
	Recorder audit.Recorder
	// Shredder destroys the data keys of fully purged buckets. Required.
	Shredder Shredder
	// Purger removes purged data kept outside the store. Optional: a store
	// such as retention/pgstore may clear the data itself.
	Purger Purger
	// Notifier receives alerts about notices close to their deadline.
	// Optional.
	Notifier Notifier
	// Actor is the user ID recorded as the actor of purges and shreds.
	// Default DefaultActor.
	Actor string
	// BatchSize is the number of records purged per store call. Default
	// DefaultBatchSize, at most MaxBatchSize.
	BatchSize int
	// Interval is the time between runs of Run. Default DefaultInterval. It
	// must be shorter than the policy's smallest safety margin, so that a
	// record cannot pass its limit between two runs.
	Interval time.Duration
	// NoticeWarning is how long before its deadline an open notice raises an
	// alert. Default DefaultNoticeWarning.
	NoticeWarning time.Duration
	// GroupedEvidence records one audit event per seller, bucket and class of
	// a purged batch, with the count. When false, the default, each purged
	// order gets its own event with its order ID.
	GroupedEvidence bool
	// Now returns the current time. Default time.Now. Tests set a fake clock.
	Now func() time.Time
	// Logger receives run summaries and errors. Default: discard.
	Logger *slog.Logger
	// Registerer receives the runner's metrics. Default: none are registered.
	Registerer prometheus.Registerer
}

// Runner purges what is due, carries out deletion notices and shreds the keys
// of fully purged buckets. Purges follow state, not timers: each run asks the
// store what is due at that moment, so a run after downtime catches up, a
// second run finds nothing to do, and runners in several processes share the
// work without doing any twice. A Runner is safe for concurrent use.
type Runner struct {
	cfg     Config
	metrics *metrics
	log     *slog.Logger
}

// NewRunner validates cfg and returns a runner. It returns a *PolicyError for
// a policy looser than the data policy and an *InvalidError for other fields,
// and an error if the metrics cannot be registered.
func NewRunner(cfg Config) (*Runner, error) {
	if len(cfg.Policy.Rules) == 0 && cfg.Policy.NoticeDeadline == 0 {
		cfg.Policy = DefaultPolicy()
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	switch {
	case cfg.Store == nil:
		return nil, &InvalidError{Field: "Config.Store", Reason: "missing"}
	case cfg.Recorder == nil:
		return nil, &InvalidError{Field: "Config.Recorder", Reason: "missing; purges must leave audit evidence"}
	case cfg.Shredder == nil:
		return nil, &InvalidError{Field: "Config.Shredder", Reason: "missing; without it purges do not reach backups"}
	}
	if cfg.Actor == "" {
		cfg.Actor = DefaultActor
	}
	if err := checkID("Config.Actor", cfg.Actor); err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > MaxBatchSize {
		return nil, &InvalidError{Field: "Config.BatchSize", Reason: fmt.Sprintf("%d is not between 1 and %d", cfg.BatchSize, MaxBatchSize)}
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if m := cfg.Policy.MinSafetyMargin(); cfg.Interval <= 0 || cfg.Interval >= m {
		return nil, &InvalidError{Field: "Config.Interval", Reason: fmt.Sprintf("%v must be positive and shorter than the smallest safety margin %v", cfg.Interval, m)}
	}
	if cfg.NoticeWarning == 0 {
		cfg.NoticeWarning = DefaultNoticeWarning
	}
	if cfg.NoticeWarning < 0 {
		return nil, &InvalidError{Field: "Config.NoticeWarning", Reason: fmt.Sprintf("%v is negative", cfg.NoticeWarning)}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, metrics: m, log: log}, nil
}

func (r *Runner) now() time.Time { return r.cfg.Now().UTC() }

// Report is the outcome of one run.
type Report struct {
	// Start and End are the run's times, in UTC. Every due test in the run
	// uses Start.
	Start, End time.Time
	// Purged is the number of records purged per class, deletion notices
	// included.
	Purged map[Class]int
	// Held is the number of due records per class kept by legal holds.
	Held map[Class]int
	// OldestAge is the age, at Start, of the oldest unpurged record per
	// class that no hold covers. Classes without such a record are absent.
	OldestAge map[Class]time.Duration
	// Notices lists the notices open at the start of the run, with their
	// state after it.
	Notices []NoticeReport
	// Shredded lists the buckets whose keys were shredded.
	Shredded []BucketRef
	// EvidenceDelivered is the number of evidence records passed to the
	// audit recorder.
	EvidenceDelivered int
}

// NoticeReport is the state of one deletion notice after a run.
type NoticeReport struct {
	ID       string
	SellerID string
	Status   NoticeStatus
	Deadline time.Time
	// TimeLeft is the time from the run's start to the deadline; negative
	// once it has passed.
	TimeLeft time.Duration
	// Purged is the number of records purged for the notice in the run.
	Purged int
	// Held is the number of the notice's records kept by legal holds.
	Held int
}

// EvidenceError reports audit evidence that could not be delivered. The
// purges it describes happened and the evidence stays in the store, to be
// delivered by a later run.
type EvidenceError struct {
	Err error
}

func (e *EvidenceError) Error() string {
	return fmt.Sprintf("retention: audit evidence kept for the next run, delivery failed: %v", e.Err)
}

func (e *EvidenceError) Unwrap() error { return e.Err }

// RunOnce purges everything due now, carries out open deletion notices,
// shreds the keys of fully purged buckets and delivers audit evidence.
//
// A failure in one step does not stop the others: RunOnce returns the report
// of what it did and every error joined. An *EvidenceError means that
// purges happened but their audit evidence is still waiting in the store. If
// ctx ends, RunOnce stops between batches and returns ctx.Err(); work in a
// batch that did not commit is redone by the next run.
func (r *Runner) RunOnce(ctx context.Context) (Report, error) {
	now := r.now()
	rep := Report{
		Start:     now,
		Purged:    make(map[Class]int),
		Held:      make(map[Class]int),
		OldestAge: make(map[Class]time.Duration),
	}
	var errs []error

	// Evidence left by an earlier run goes first, so that a recorder that has
	// come back sees events in order.
	n, err := r.deliverEvidence(ctx)
	rep.EvidenceDelivered += n
	if err != nil {
		errs = append(errs, err)
	}

	if err := r.runNotices(ctx, now, &rep); err != nil {
		errs = append(errs, err)
	}
	if err := r.runClasses(ctx, now, &rep); err != nil {
		errs = append(errs, err)
	}
	if err := r.shred(ctx, now, &rep); err != nil {
		errs = append(errs, err)
	}

	n, err = r.deliverEvidence(ctx)
	rep.EvidenceDelivered += n
	if err != nil {
		errs = append(errs, err)
	}
	rep.End = r.now()

	r.metrics.observe(rep, len(errs) == 0)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	err = errors.Join(errs...)
	r.logRun(ctx, rep, err)
	return rep, err
}

func (r *Runner) logRun(ctx context.Context, rep Report, err error) {
	total := 0
	for _, n := range rep.Purged {
		total += n
	}
	attrs := []slog.Attr{
		slog.Int("purged", total),
		slog.Int("shredded", len(rep.Shredded)),
		slog.Int("open_notices", len(rep.Notices)),
		slog.Int("evidence_delivered", rep.EvidenceDelivered),
		slog.Duration("duration", rep.End.Sub(rep.Start)),
	}
	if err != nil {
		r.log.LogAttrs(ctx, slog.LevelError, "retention run failed", append(attrs, slog.Any("error", err))...)
		return
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "retention run done", attrs...)
}

// purgeAll purges batches matching sel until none is left and returns how
// many records it purged.
func (r *Runner) purgeAll(ctx context.Context, sel Selector, now time.Time) (int, error) {
	var fn PurgeFunc
	if r.cfg.Purger != nil {
		fn = r.cfg.Purger.Purge
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		b, err := r.cfg.Store.Purge(ctx, sel, now, r.cfg.BatchSize, r.cfg.Actor, fn)
		if err != nil {
			return total, fmt.Errorf("retention: purge %s: %w", sel.Class, err)
		}
		if len(b.Records) == 0 {
			return total, nil
		}
		total += len(b.Records)
		r.metrics.purged.WithLabelValues(string(sel.Class)).Add(float64(len(b.Records)))
	}
}

// runClasses purges the records of every class that are due at now.
func (r *Runner) runClasses(ctx context.Context, now time.Time, rep *Report) error {
	var errs []error
	for _, c := range Classes {
		rule, _ := r.cfg.Policy.Rule(c)
		sel := Selector{Class: c, Cutoff: rule.Cutoff(now)}
		n, err := r.purgeAll(ctx, sel, now)
		rep.Purged[c] += n
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
			continue
		}

		p, err := r.cfg.Store.Pending(ctx, sel, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("retention: count held %s: %w", c, err))
		}
		rep.Held[c] = p.Held

		oldest, ok, err := r.cfg.Store.Oldest(ctx, c, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("retention: find oldest %s: %w", c, err))
		} else if ok {
			rep.OldestAge[c] = now.Sub(oldest)
		}
	}
	return errors.Join(errs...)
}

// runNotices carries out every open deletion notice and raises alerts for
// those still open near their deadline.
func (r *Runner) runNotices(ctx context.Context, now time.Time, rep *Report) error {
	notices, err := r.cfg.Store.OpenNotices(ctx)
	if err != nil {
		return fmt.Errorf("retention: list open notices: %w", err)
	}
	var errs []error
	for _, n := range notices {
		nr, err := r.runNotice(ctx, n, now, rep)
		rep.Notices = append(rep.Notices, nr)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
		if nr.Status == NoticeOpen && nr.TimeLeft <= r.cfg.NoticeWarning && r.cfg.Notifier != nil {
			a := NoticeAlert{NoticeID: n.ID, SellerID: n.SellerID, Deadline: n.Deadline, TimeLeft: nr.TimeLeft, Held: nr.Held}
			if err := r.cfg.Notifier.NoticeDeadlineNear(ctx, a); err != nil {
				errs = append(errs, fmt.Errorf("retention: alert for notice %s: %w", n.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Runner) runNotice(ctx context.Context, n Notice, now time.Time, rep *Report) (NoticeReport, error) {
	nr := NoticeReport{ID: n.ID, SellerID: n.SellerID, Status: n.Status, Deadline: n.Deadline, TimeLeft: n.Deadline.Sub(now)}
	for _, c := range n.ClassesOrDefault() {
		sel := n.Selector(c)
		k, err := r.purgeAll(ctx, sel, now)
		nr.Purged += k
		rep.Purged[c] += k
		if err != nil {
			return nr, fmt.Errorf("retention: notice %s: %w", n.ID, err)
		}
		p, err := r.cfg.Store.Pending(ctx, sel, now)
		if err != nil {
			return nr, fmt.Errorf("retention: notice %s: count remaining: %w", n.ID, err)
		}
		nr.Held += p.Held + p.Due
	}
	if nr.Held > 0 {
		return nr, nil
	}
	done, err := r.cfg.Store.CompleteNotice(ctx, n.ID, now, nr.Purged, r.cfg.Actor)
	if err != nil {
		return nr, fmt.Errorf("retention: complete notice %s: %w", n.ID, err)
	}
	nr.Status = done.Status
	return nr, nil
}

// shred destroys the keys of buckets that no unpurged record is in, once
// one of their records was purged or all of them are due.
func (r *Runner) shred(ctx context.Context, now time.Time, rep *Report) error {
	fn := func(ctx context.Context, b BucketRef) error {
		return r.cfg.Shredder.Shred(ctx, b.SellerID, b.Bucket)
	}
	cutoffs := r.cfg.Policy.Cutoffs(now)
	for {
		refs, err := r.cfg.Store.Shred(ctx, now, cutoffs, r.cfg.BatchSize, r.cfg.Actor, fn)
		rep.Shredded = append(rep.Shredded, refs...)
		r.metrics.shredded.Add(float64(len(refs)))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("retention: shred: %w", err)
		}
		if len(refs) == 0 {
			return nil
		}
	}
}

// deliverEvidence passes pending evidence to the audit recorder until none is
// left or delivery fails.
func (r *Runner) deliverEvidence(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := r.cfg.Store.DeliverEvidence(ctx, evidenceBatchSize, r.record)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			r.metrics.evidenceFailures.Inc()
			return total, &EvidenceError{Err: err}
		}
		if n == 0 {
			return total, nil
		}
	}
}

// record turns evidence into audit events. Delivery is at least once: when a
// Record call fails, the whole evidence batch stays pending and the events
// recorded before the failure are recorded again by the next delivery.
func (r *Runner) record(ctx context.Context, evs []Evidence) error {
	for _, ev := range evs {
		base := audit.Event{
			Time: ev.Time, Actor: ev.Actor, Action: ev.Action, Outcome: ev.Outcome, Reason: ev.Reason,
			SellerID: ev.SellerID, Bucket: ev.Bucket, Count: ev.Count,
		}
		if r.cfg.GroupedEvidence || len(ev.OrderIDs) == 0 {
			if err := r.cfg.Recorder.Record(ctx, base); err != nil {
				return err
			}
			continue
		}
		for _, id := range ev.OrderIDs {
			e := base
			e.OrderID, e.Count = id, 1
			if err := r.cfg.Recorder.Record(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run calls RunOnce at once and then every Interval until ctx ends, and
// returns ctx.Err(). Errors of single runs are logged and counted in the
// metrics; the next run retries. Runs do not overlap: a run that takes longer
// than Interval delays the next one.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		_, _ = r.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
