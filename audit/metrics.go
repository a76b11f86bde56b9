package audit

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus collectors of a Trail. Every label value comes
// from a closed set, so no user ID or address can become a series.
type metrics struct {
	events            *prometheus.CounterVec
	rejectedEvents    *prometheus.CounterVec
	recordFailures    *prometheus.CounterVec
	appendSeconds     prometheus.Histogram
	appendBatch       prometheus.Histogram
	secondaryDropped  *prometheus.CounterVec
	secondaryFailures *prometheus.CounterVec
	alerts            *prometheus.CounterVec
	alertsDropped     prometheus.Counter
	notifyFailures    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "spkit", "audit"
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "events_total",
			Help: "Audit events stored by the primary sink, by action and outcome.",
		}, []string{"action", "outcome"}),
		rejectedEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "rejected_events_total",
			Help: "Audit events rejected by validation, by action (\"invalid\" for an unknown action).",
		}, []string{"action"}),
		recordFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "record_failures_total",
			Help: "Record calls that failed closed, by action and cause (timeout or sink).",
		}, []string{"action", "cause"}),
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "append_seconds",
			Help:    "Time the primary sink took to append one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 8),
		}),
		appendBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "append_batch_entries",
			Help:    "Entries per primary sink append.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 6),
		}),
		secondaryDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "secondary_dropped_total",
			Help: "Entries dropped because a secondary sink's queue was full, by the sink's index in the configuration.",
		}, []string{"secondary"}),
		secondaryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "secondary_failed_total",
			Help: "Entries a secondary sink failed to write, by the sink's index in the configuration.",
		}, []string{"secondary"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "alerts_total",
			Help: "Alerts raised by detectors, by rule.",
		}, []string{"rule"}),
		alertsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "alerts_dropped_total",
			Help: "Alerts dropped because the notifier's queue was full.",
		}),
		notifyFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "notify_failures_total",
			Help: "Alerts the notifier failed to deliver.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{
		m.events, m.rejectedEvents, m.recordFailures, m.appendSeconds, m.appendBatch,
		m.secondaryDropped, m.secondaryFailures, m.alerts, m.alertsDropped, m.notifyFailures,
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// actionLabel keeps label values within the closed set of actions.
func actionLabel(a Action) string {
	if a.Valid() {
		return string(a)
	}
	return "invalid"
}

func (m *metrics) recorded(e *Entry) {
	outcome := string(e.Outcome)
	if !e.Outcome.Valid() {
		outcome = "invalid"
	}
	m.events.WithLabelValues(actionLabel(e.Action), outcome).Inc()
}

func (m *metrics) rejected(a Action) { m.rejectedEvents.WithLabelValues(actionLabel(a)).Inc() }

func (m *metrics) failed(a Action, cause string) {
	m.recordFailures.WithLabelValues(actionLabel(a), cause).Inc()
}

func (m *metrics) appended(entries []Entry, took time.Duration, err error) {
	m.appendSeconds.Observe(took.Seconds())
	m.appendBatch.Observe(float64(len(entries)))
	if err != nil {
		for i := range entries {
			m.failed(entries[i].Action, "sink")
		}
	}
}

func (m *metrics) dropped(index int) {
	m.secondaryDropped.WithLabelValues(strconv.Itoa(index)).Inc()
}

func (m *metrics) secondaryFailed(index, n int) {
	m.secondaryFailures.WithLabelValues(strconv.Itoa(index)).Add(float64(n))
}

func (m *metrics) alert(rule string) { m.alerts.WithLabelValues(rule).Inc() }
func (m *metrics) alertDropped()     { m.alertsDropped.Inc() }
func (m *metrics) notifyFailed()     { m.notifyFailures.Inc() }
