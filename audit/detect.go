package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Alert reports that a rule's threshold was reached.
type Alert struct {
	// Rule is the name of the rule, such as "failed_logins_per_actor".
	Rule string
	// Key is the value the rule counts by, as stored in the trail: an actor
	// (or its pseudonym) or a source network (or its pseudonym).
	Key string
	// Count is the weight counted within Window when the alert was raised.
	Count     int
	Threshold int
	Window    time.Duration
	// Time is the detector's clock when the alert was raised.
	Time time.Time
}

// Notifier delivers alerts, for example to Zabbix.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, a Alert) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, a Alert) error { return f(ctx, a) }

// Detector watches stored entries. A Trail calls Observe from one goroutine,
// after the primary sink stored the entry; Observe must not block.
type Detector interface {
	Observe(e *Entry) []Alert
}

// Rule counts matching entries per key within a sliding window and raises an
// alert when the count reaches Threshold.
type Rule struct {
	// Name identifies the rule in alerts and metrics. It must be a reason
	// code ([a-z0-9_.]{1,64}).
	Name string
	// Window is the length of the sliding window, at least one second.
	Window time.Duration
	// Threshold is the count that raises an alert, at least 1.
	Threshold int
	// Match selects the entries the rule counts. Required.
	Match func(e *Entry) bool
	// Key returns what to count by; an empty key is not counted. Required.
	Key func(e *Entry) string
	// Weight returns how much an entry counts. Nil counts each entry as 1.
	Weight func(e *Entry) int
}

// Default thresholds of DefaultRules. They are starting points: tune them to
// the volume of each deployment.
const (
	DefaultFailedLoginsPerActor  = 10
	DefaultFailedLoginsPerSource = 30
	DefaultRevealsPerActor       = 300
	DefaultExportsPerActor       = 5000
)

// DefaultRules returns the rules for brute force and bulk reads:
//
//   - failed_logins_per_actor: 10 failed or denied logins by one actor in 15 minutes
//   - failed_logins_per_source: 30 failed or denied logins from one source in 15 minutes
//   - reveals_per_actor: 300 successful reveals by one person in an hour
//   - exported_records_per_actor: 5000 exported records (the sum of Count) by one person in a day
//
// The reveal and export rules skip service actors (ServicePrefix), because
// their jobs read in bulk by design. Add a rule with a higher threshold to
// watch them.
func DefaultRules() []Rule {
	failedLogin := func(e *Entry) bool {
		return e.Action == ActionLogin && e.Outcome != OutcomeSuccess
	}
	actor := func(e *Entry) string { return e.Actor }
	person := func(e *Entry) string {
		if isServiceActor(e.Actor) {
			return ""
		}
		return e.Actor
	}
	return []Rule{
		{
			Name: "failed_logins_per_actor", Window: 15 * time.Minute, Threshold: DefaultFailedLoginsPerActor,
			Match: failedLogin, Key: actor,
		},
		{
			Name: "failed_logins_per_source", Window: 15 * time.Minute, Threshold: DefaultFailedLoginsPerSource,
			Match: failedLogin, Key: func(e *Entry) string { return e.Source },
		},
		{
			Name: "reveals_per_actor", Window: time.Hour, Threshold: DefaultRevealsPerActor,
			Match: func(e *Entry) bool { return e.Action == ActionReveal && e.Outcome == OutcomeSuccess },
			Key:   person,
		},
		{
			Name: "exported_records_per_actor", Window: 24 * time.Hour, Threshold: DefaultExportsPerActor,
			Match:  func(e *Entry) bool { return e.Action == ActionExport && e.Outcome == OutcomeSuccess },
			Key:    person,
			Weight: func(e *Entry) int { return max(e.Count, 1) },
		},
	}
}

// DetectorConfig configures a ThresholdDetector.
type DetectorConfig struct {
	// Rules to apply. Nil means DefaultRules().
	Rules []Rule
	// MaxKeys bounds the keys tracked per rule, so that a flood of distinct
	// sources cannot exhaust memory. When a rule is full, expired keys are
	// dropped first, and then new keys are ignored until some expire.
	// Default 100000.
	MaxKeys int
	// Now is the detector's clock. Default time.Now.
	Now func() time.Time
}

// windowSlots is the number of buckets a window is split into. A count is
// exact to within one bucket (a tenth of the window) at the trailing edge.
const windowSlots = 10

// ThresholdDetector applies rules with sliding windows. Each key's window is
// a ring of windowSlots buckets, so memory per key is fixed however many
// entries arrive. After an alert, a key raises no new alert for that rule
// until one window has passed. It is safe for concurrent use.
type ThresholdDetector struct {
	mu      sync.Mutex
	rules   []ruleState
	maxKeys int
	now     func() time.Time
}

type ruleState struct {
	Rule
	slot    time.Duration
	keys    map[string]*window
	ignored uint64
}

type window struct {
	slots      [windowSlots]slot
	lastAlert  time.Time
	lastUpdate time.Time
}

type slot struct {
	index int64 // absolute slot number: time / slot width
	count int
}

// NewDetector returns a ThresholdDetector. It rejects rules with a missing
// Match or Key, a window under one second, a threshold under 1, or a name
// that is not a reason code.
func NewDetector(cfg DetectorConfig) (*ThresholdDetector, error) {
	rules := cfg.Rules
	if rules == nil {
		rules = DefaultRules()
	}
	d := &ThresholdDetector{maxKeys: cfg.MaxKeys, now: cfg.Now}
	if d.maxKeys <= 0 {
		d.maxKeys = 100000
	}
	if d.now == nil {
		d.now = time.Now
	}
	for i, r := range rules {
		switch {
		case !IsReasonCode(r.Name):
			return nil, fmt.Errorf("audit: rule %d: name %q must match [a-z0-9_.]{1,64}", i, clip(r.Name))
		case r.Match == nil || r.Key == nil:
			return nil, fmt.Errorf("audit: rule %s: Match and Key are required", r.Name)
		case r.Window < time.Second:
			return nil, fmt.Errorf("audit: rule %s: window %v is under one second", r.Name, r.Window)
		case r.Threshold < 1:
			return nil, fmt.Errorf("audit: rule %s: threshold %d must be at least 1", r.Name, r.Threshold)
		}
		d.rules = append(d.rules, ruleState{Rule: r, slot: r.Window / windowSlots, keys: make(map[string]*window)})
	}
	if len(d.rules) == 0 {
		return nil, errors.New("audit: detector has no rules")
	}
	return d, nil
}

// Observe counts e under every rule it matches and returns the alerts it
// raises.
func (d *ThresholdDetector) Observe(e *Entry) []Alert {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	var alerts []Alert
	for i := range d.rules {
		r := &d.rules[i]
		if !r.Match(e) {
			continue
		}
		key := r.Key(e)
		if key == "" {
			continue
		}
		weight := 1
		if r.Weight != nil {
			weight = r.Weight(e)
		}
		if weight <= 0 {
			continue
		}
		w := r.window(key, now, d.maxKeys)
		if w == nil {
			continue
		}
		count := w.add(now, r.slot, weight)
		if count >= r.Threshold && (w.lastAlert.IsZero() || now.Sub(w.lastAlert) >= r.Window) {
			w.lastAlert = now
			alerts = append(alerts, Alert{
				Rule: r.Name, Key: key, Count: count, Threshold: r.Threshold, Window: r.Window, Time: now,
			})
		}
	}
	return alerts
}

// Ignored returns how many entries the rule with the given name could not
// count because it tracked MaxKeys keys already.
func (d *ThresholdDetector) Ignored(rule string) uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.rules {
		if d.rules[i].Name == rule {
			return d.rules[i].ignored
		}
	}
	return 0
}

// window returns the key's window, making one if there is room.
func (r *ruleState) window(key string, now time.Time, maxKeys int) *window {
	if w, ok := r.keys[key]; ok {
		return w
	}
	if len(r.keys) >= maxKeys {
		for k, w := range r.keys {
			if now.Sub(w.lastUpdate) >= r.Window && now.Sub(w.lastAlert) >= r.Window {
				delete(r.keys, k)
			}
		}
		if len(r.keys) >= maxKeys {
			r.ignored++
			return nil
		}
	}
	w := &window{}
	r.keys[key] = w
	return w
}

// add counts weight at now and returns the total within the window.
func (w *window) add(now time.Time, width time.Duration, weight int) int {
	w.lastUpdate = now
	idx := now.UnixNano() / int64(width)
	s := &w.slots[((idx%windowSlots)+windowSlots)%windowSlots]
	if s.index != idx {
		*s = slot{index: idx}
	}
	s.count += weight
	total := 0
	for _, s := range w.slots {
		if s.index > idx-windowSlots && s.index <= idx {
			total += s.count
		}
	}
	return total
}
