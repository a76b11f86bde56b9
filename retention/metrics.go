package retention

import (
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the runner's Prometheus metrics. Labels hold class names and
// outcomes only, never seller, order or buyer data.
type metrics struct {
	oldest           *prometheus.GaugeVec
	held             *prometheus.GaugeVec
	purged           *prometheus.CounterVec
	shredded         prometheus.Counter
	noticeDeadline   prometheus.Gauge
	openNotices      prometheus.Gauge
	runs             *prometheus.CounterVec
	lastSuccess      prometheus.Gauge
	evidenceFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		oldest: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spkit_retention_oldest_unpurged_age_seconds",
			Help: "Age in seconds, at the last run, of the oldest unpurged record per class that no legal hold covers; 0 when there is none.",
		}, []string{"class"}),
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spkit_retention_held_records",
			Help: "Due records per class kept by legal holds at the last run.",
		}, []string{"class"}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spkit_retention_purged_records_total",
			Help: "Records purged per class.",
		}, []string{"class"}),
		shredded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spkit_retention_shredded_buckets_total",
			Help: "Retention buckets whose data key was shredded.",
		}),
		noticeDeadline: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "spkit_retention_notice_deadline_seconds",
			Help: "Seconds from the last run to the nearest deadline of an open deletion notice; negative when passed, +Inf when no notice is open.",
		}),
		openNotices: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "spkit_retention_open_notices",
			Help: "Deletion notices still open after the last run.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spkit_retention_runs_total",
			Help: "Retention runs by outcome (success or failure).",
		}, []string{"outcome"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "spkit_retention_last_success_timestamp_seconds",
			Help: "Unix time of the start of the last run that finished without error.",
		}),
		evidenceFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spkit_retention_evidence_delivery_failures_total",
			Help: "Failed deliveries of audit evidence to the recorder; the evidence stays in the store.",
		}),
	}
	m.noticeDeadline.Set(math.Inf(1))
	for _, c := range Classes {
		m.purged.WithLabelValues(string(c))
		m.oldest.WithLabelValues(string(c))
		m.held.WithLabelValues(string(c))
	}
	m.runs.WithLabelValues("success")
	m.runs.WithLabelValues("failure")
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.oldest, m.held, m.purged, m.shredded, m.noticeDeadline, m.openNotices, m.runs, m.lastSuccess, m.evidenceFailures} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("retention: register metrics: %w; give each runner its own registerer, or wrap it with prometheus.WrapRegistererWith", err)
			}
			return nil, fmt.Errorf("retention: register metrics: %w", err)
		}
	}
	return m, nil
}

// observe updates the gauges from a run's report.
func (m *metrics) observe(rep Report, ok bool) {
	for _, c := range Classes {
		m.oldest.WithLabelValues(string(c)).Set(rep.OldestAge[c].Seconds())
		m.held.WithLabelValues(string(c)).Set(float64(rep.Held[c]))
	}

	open := 0
	nearest := math.Inf(1)
	for _, n := range rep.Notices {
		if n.Status != NoticeOpen {
			continue
		}
		open++
		nearest = math.Min(nearest, n.TimeLeft.Seconds())
	}
	m.openNotices.Set(float64(open))
	m.noticeDeadline.Set(nearest)

	if ok {
		m.runs.WithLabelValues("success").Inc()
		m.lastSuccess.Set(float64(rep.Start.UnixNano()) / 1e9)
	} else {
		m.runs.WithLabelValues("failure").Inc()
	}
}
