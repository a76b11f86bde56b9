package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hidemont/spkit/audit"
)

func TestTrailMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	tr := newTrail(t, audit.Config{Registerer: reg})
	f := gofakeit.New(31)
	recordN(t, tr, f, 3)
	bad := fakeEvent(f, audit.ActionRead)
	bad.Actor = "root"
	_ = tr.Record(context.Background(), bad)
	junk := fakeEvent(f, "drop_table")
	_ = tr.Record(context.Background(), junk)

	want := `
# HELP spkit_audit_events_total Audit events stored by the primary sink, by action and outcome.
# TYPE spkit_audit_events_total counter
spkit_audit_events_total{action="read",outcome="success"} 3
# HELP spkit_audit_rejected_events_total Audit events rejected by validation, by action ("invalid" for an unknown action).
# TYPE spkit_audit_rejected_events_total counter
spkit_audit_rejected_events_total{action="invalid"} 1
spkit_audit_rejected_events_total{action="read"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"spkit_audit_events_total", "spkit_audit_rejected_events_total"); err != nil {
		t.Error(err)
	}

	// Labels never carry users or addresses.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "action", "outcome", "cause", "rule", "secondary":
				default:
					t.Errorf("metric %s has label %s", mf.GetName(), l.GetName())
				}
			}
		}
	}
}

func TestTrailMetricsDoubleRegistrationFails(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	newTrail(t, audit.Config{Registerer: reg})
	if _, err := audit.New(audit.Config{Keyring: newKeyring(t), Sink: audit.NewMemorySink(), Registerer: reg}); err == nil {
		t.Fatal("second trail registered the same metrics")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	kr, sink := newKeyring(t), audit.NewMemorySink()
	for name, cfg := range map[string]audit.Config{
		"no keyring":       {Sink: sink},
		"no sink":          {Keyring: kr},
		"bad ip policy":    {Keyring: kr, Sink: sink, SourceIP: 7},
		"negative timeout": {Keyring: kr, Sink: sink, WriteTimeout: -1},
		"nil secondary":    {Keyring: kr, Sink: sink, Secondaries: []audit.Secondary{nil}},
		"nil detector":     {Keyring: kr, Sink: sink, Detectors: []audit.Detector{nil}},
	} {
		if tr, err := audit.New(cfg); err == nil {
			tr.Close(context.Background())
			t.Errorf("%s: New succeeded", name)
		}
	}
}
