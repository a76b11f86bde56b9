package fulfillment_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/reports"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestSettlementsDocumentServerError(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.FarEast)
	m := sd.Marketplaces[0]
	s, err := fulfillment.NewSettlements(fulfillment.SettlementsConfig{Client: w.client, Store: w.store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	w.srv.InjectFault(spapitest.Fault{Operation: "reports.getReportDocument", Status: http.StatusInternalServerError, Times: -1})

	handled := 0
	rep, err := s.Ingest(context.Background(), sd.ID, m, time.Time{}, func(context.Context, fulfillment.SettlementReport, iter.Seq2[*reports.SettlementRow, error]) error {
		handled++
		return nil
	})
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("Ingest: err = %v, want spapi.ErrServerUnavailable", err)
	}
	if rep.Ingested != 0 {
		t.Errorf("Ingested = %d, want 0", rep.Ingested)
	}
	if handled != 0 {
		t.Errorf("handler called %d times, want 0", handled)
	}
	if n := w.log.count(audit.ActionSettlementIngest, audit.OutcomeFailure); n != 1 {
		t.Errorf("failed settlement audit events = %d, want 1", n)
	}
}
