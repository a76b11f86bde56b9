package retention

import (
	"context"
	"fmt"
	"time"
)

// PlaceHold places a legal hold. An empty ID is generated, a zero PlacedAt
// becomes now and an empty Actor becomes the runner's actor. The hold is
// stored with its audit evidence, which is then delivered at once if the
// recorder is up, and otherwise by the next run.
func (r *Runner) PlaceHold(ctx context.Context, h Hold) (Hold, error) {
	if h.ID == "" {
		h.ID = newID()
	}
	if h.PlacedAt.IsZero() {
		h.PlacedAt = r.now()
	}
	if h.Actor == "" {
		h.Actor = r.cfg.Actor
	}
	out, err := r.cfg.Store.PlaceHold(ctx, h)
	if err != nil {
		return Hold{}, fmt.Errorf("retention: place hold: %w", err)
	}
	r.deliverSoon(ctx)
	return out, nil
}

// ReleaseHold releases a legal hold now, by actor (the runner's actor when
// empty). Records it held become due at the next run if their time has come.
// It returns ErrNotFound for an unknown ID.
func (r *Runner) ReleaseHold(ctx context.Context, id, actor string) (Hold, error) {
	if actor == "" {
		actor = r.cfg.Actor
	}
	out, err := r.cfg.Store.ReleaseHold(ctx, id, r.now(), actor)
	if err != nil {
		return Hold{}, fmt.Errorf("retention: release hold %q: %w", id, err)
	}
	r.deliverSoon(ctx)
	return out, nil
}

// Holds returns the legal holds active now.
func (r *Runner) Holds(ctx context.Context) ([]Hold, error) {
	return r.cfg.Store.Holds(ctx, r.now())
}

// SubmitNotice stores a deletion notice for the next run to carry out. An
// empty ID is generated, a zero ReceivedAt becomes now, a zero Deadline
// becomes ReceivedAt plus the policy's notice deadline, and an empty Actor
// becomes the runner's actor. A deadline shorter than the default is kept; a
// later one than ReceivedAt + MaxNoticeDeadline is rejected with an
// *InvalidError. Submitting a notice whose ID exists returns the stored one.
func (r *Runner) SubmitNotice(ctx context.Context, n Notice) (Notice, error) {
	if n.ID == "" {
		n.ID = newID()
	}
	if n.ReceivedAt.IsZero() {
		n.ReceivedAt = r.now()
	}
	if n.Deadline.IsZero() {
		n.Deadline = n.ReceivedAt.Add(r.cfg.Policy.NoticeDeadline)
	}
	if n.Actor == "" {
		n.Actor = r.cfg.Actor
	}
	out, err := r.cfg.Store.SubmitNotice(ctx, n)
	if err != nil {
		return Notice{}, fmt.Errorf("retention: submit notice: %w", err)
	}
	r.deliverSoon(ctx)
	return out, nil
}

// Notice returns the stored state of a deletion notice, or ErrNotFound.
func (r *Runner) Notice(ctx context.Context, id string) (Notice, error) {
	return r.cfg.Store.Notice(ctx, id)
}

// deliverSoon delivers pending evidence, leaving failures to the next run.
func (r *Runner) deliverSoon(ctx context.Context) {
	if _, err := r.deliverEvidence(ctx); err != nil {
		r.log.WarnContext(ctx, "retention evidence left for the next run", "error", err)
	}
}

// MaxPlanDays is the longest plan Runner.Plan makes.
const MaxPlanDays = 3660

// Plan is a dry run: what would be purged on each UTC day of a period if
// nothing changed in between. Records already overdue count on the first day.
type Plan struct {
	// From is the plan's start (now) and Until its end, in UTC.
	From, Until time.Time
	// Days holds one entry per class and day that has records, ordered by
	// day and then by class.
	Days []PlanDay
}

// Total returns the number of records the plan would purge for class c,
// leaving out held ones.
func (p Plan) Total(c Class) int {
	n := 0
	for _, d := range p.Days {
		if d.Class == c {
			n += d.Count
		}
	}
	return n
}

// Plan returns what runs would purge over the next days days, without
// purging anything. Holds are taken as they are now. days must be between 1
// and MaxPlanDays.
func (r *Runner) Plan(ctx context.Context, days int) (Plan, error) {
	if days < 1 || days > MaxPlanDays {
		return Plan{}, &InvalidError{Field: "days", Reason: fmt.Sprintf("%d is not between 1 and %d", days, MaxPlanDays)}
	}
	now := r.now()
	p := Plan{From: now, Until: now.Add(time.Duration(days) * 24 * time.Hour)}
	byDay := make(map[time.Time][]PlanDay)
	var order []time.Time
	for _, c := range Classes {
		rule, _ := r.cfg.Policy.Rule(c)
		ds, err := r.cfg.Store.Plan(ctx, c, rule.Age(), now, p.Until)
		if err != nil {
			return Plan{}, fmt.Errorf("retention: plan %s: %w", c, err)
		}
		for _, d := range ds {
			if _, ok := byDay[d.Day]; !ok {
				order = append(order, d.Day)
			}
			byDay[d.Day] = append(byDay[d.Day], d)
		}
	}
	sortTimes(order)
	for _, day := range order {
		p.Days = append(p.Days, byDay[day]...)
	}
	return p, nil
}
