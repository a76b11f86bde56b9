package fulfillment_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/reports"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// listingsOf returns the seller's listings in its home marketplace.
func listingsOf(sd *spapitest.SellerData) []*spapitest.Listing {
	var out []*spapitest.Listing
	for _, l := range sd.Listings {
		if l.MarketplaceID == sd.Marketplaces[0] {
			out = append(out, l)
		}
	}
	return out
}

func newInventory(t *testing.T, w *world, threshold int) *fulfillment.InventorySync {
	t.Helper()
	s, err := fulfillment.NewInventorySync(fulfillment.InventoryConfig{
		Client: w.client, Recorder: w.log, FeedThreshold: threshold,
		FeedPollInterval: 5 * time.Millisecond, FeedTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("NewInventorySync: %v", err)
	}
	return s
}

func TestInventorySyncPatchesDifferences(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		threshold int
		action    fulfillment.SKUAction
		operation string
	}{
		{"patch", 50, fulfillment.ActionPatched, "listings.patchListingsItem"},
		{"feed", 1, fulfillment.ActionFeed, "feeds.createFeed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
			sd := w.ds.SellerIn(spapi.Europe)
			m := sd.Marketplaces[0]
			ls := listingsOf(sd)

			// Every other SKU differs by 5 units; the others match.
			var stock []fulfillment.StockLevel
			for i, l := range ls {
				q := l.Quantity
				if i%2 == 0 {
					q += 5
				}
				stock = append(stock, fulfillment.StockLevel{SKU: l.SKU, Quantity: q})
			}
			stock = append(stock, fulfillment.StockLevel{SKU: "NO SUCH SKU", Quantity: 1})

			out, err := newInventory(t, w, tc.threshold).Sync(context.Background(), sd.ID, m, stock)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			state := w.srv.SellerState(sd.ID)
			for i, l := range ls {
				want := fulfillment.ActionUnchanged
				if i%2 == 0 {
					want = tc.action
				}
				if out[i].Action != want || out[i].Err != nil {
					t.Errorf("SKU %q: %s (%v), want %s", l.SKU, out[i].Action, out[i].Err, want)
				}
				if got := state.Listing(l.SKU, m).Quantity; got != stock[i].Quantity {
					t.Errorf("SKU %q: Amazon's quantity %d, want %d", l.SKU, got, stock[i].Quantity)
				}
			}
			if last := out[len(out)-1]; last.Action != fulfillment.ActionFailed || last.Err == nil {
				t.Errorf("unknown SKU: %s (%v), want failed", last.Action, last.Err)
			}
			if w.srv.Count(tc.operation, 0) == 0 {
				t.Errorf("no %s call", tc.operation)
			}
		})
	}
}

func TestInventorySyncFBA(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	m := sd.Marketplaces[0]
	var stock []fulfillment.StockLevel
	var want []fulfillment.SKUAction
	for i, it := range sd.Inventory {
		if it.MarketplaceID != m {
			continue
		}
		q, action := it.FulfillableQuantity, fulfillment.ActionUnchanged
		if i%2 == 1 {
			q, action = q+1, fulfillment.ActionDiffers
		}
		stock = append(stock, fulfillment.StockLevel{SKU: it.SKU, Quantity: q, FBA: true})
		want = append(want, action)
	}
	out, err := newInventory(t, w, 0).Sync(context.Background(), sd.ID, m, stock)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	for i := range stock {
		if out[i].Action != want[i] {
			t.Errorf("SKU %q: %s (%v), want %s", stock[i].SKU, out[i].Action, out[i].Err, want[i])
		}
	}
	if n := w.srv.Count("listings.patchListingsItem", 0); n != 0 {
		t.Errorf("%d patches sent for FBA stock, want none: Amazon holds it", n)
	}
}

func TestPriceUpdatesWithPreview(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.FarEast)
	m := sd.Marketplaces[0]
	ls := listingsOf(sd)
	p, err := fulfillment.NewPriceUpdates(fulfillment.PriceConfig{Client: w.client, Recorder: w.log, Preview: true})
	if err != nil {
		t.Fatal(err)
	}

	prices := []fulfillment.Price{
		{SKU: ls[0].SKU, Amount: formatPrice(ls[0].PriceCents + 100), CurrencyCode: ls[0].Currency},
		{SKU: ls[1].SKU, Amount: formatPrice(ls[1].PriceCents), CurrencyCode: ls[1].Currency},
		// A currency the marketplace does not use fails the preview.
		{SKU: ls[2].SKU, Amount: "12.00", CurrencyCode: "EUR"},
		{SKU: ls[3].SKU, Amount: "-1", CurrencyCode: ls[3].Currency},
	}
	out, err := p.Update(context.Background(), sd.ID, m, prices)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := []fulfillment.SKUAction{fulfillment.ActionPatched, fulfillment.ActionUnchanged, fulfillment.ActionFailed, fulfillment.ActionFailed}
	for i := range prices {
		if out[i].Action != want[i] {
			t.Errorf("SKU %q: %s (%v), want %s", prices[i].SKU, out[i].Action, out[i].Err, want[i])
		}
	}
	var le *fulfillment.ListingError
	if !errors.As(out[2].Err, &le) || le.Status != "INVALID" {
		t.Errorf("wrong currency: err = %v, want a *ListingError with status INVALID", out[2].Err)
	}
	state := w.srv.SellerState(sd.ID)
	if got := state.Listing(ls[0].SKU, m).PriceCents; got != ls[0].PriceCents+100 {
		t.Errorf("price of %q = %d cents, want %d", ls[0].SKU, got, ls[0].PriceCents+100)
	}
	if got := state.Listing(ls[2].SKU, m).PriceCents; got != ls[2].PriceCents {
		t.Errorf("price of %q changed to %d cents although the preview failed", ls[2].SKU, got)
	}
	previews := 0
	for _, e := range w.srv.RequestsFor("listings.patchListingsItem") {
		if e.Query.Get("mode") == "VALIDATION_PREVIEW" {
			previews++
		}
	}
	if previews != 2 {
		t.Errorf("%d validation previews, want 2 (one per changed price)", previews)
	}
}

func formatPrice(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func TestSettlementsIngestOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	m := sd.Marketplaces[0]
	s, err := fulfillment.NewSettlements(fulfillment.SettlementsConfig{Client: w.client, Store: w.store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	wantReports, wantRows := 0, 0
	totals := map[string]int64{}
	for _, r := range sd.Settlements {
		if r.MarketplaceID == m {
			wantReports++
			wantRows += r.Rows
			totals[r.SettlementID] = r.TotalCents
		}
	}

	rows := 0
	handler := func(_ context.Context, r fulfillment.SettlementReport, seq iter.Seq2[*reports.SettlementRow, error]) error {
		if want, ok := totals[r.Settlement.ID]; !ok || int64(r.Settlement.TotalAmount) != want {
			t.Errorf("report %s: settlement %s total %s, want %d cents", r.ReportID, r.Settlement.ID, r.Settlement.TotalAmount, want)
		}
		for row, err := range seq {
			if err != nil {
				return err
			}
			if row.Line < 3 {
				t.Errorf("report %s: a row at line %d, before the header and summary", r.ReportID, row.Line)
			}
			rows++
		}
		return nil
	}
	rep, err := s.Ingest(context.Background(), sd.ID, m, time.Time{}, handler)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if rep.Ingested != wantReports || rep.Rows != wantRows || rows != wantRows {
		t.Errorf("Ingest = %+v with %d rows handled, want %d reports and %d rows", rep, rows, wantReports, wantRows)
	}

	rep, err = s.Ingest(context.Background(), sd.ID, m, time.Time{}, handler)
	if err != nil || rep.Ingested != 0 || rep.Skipped != wantReports {
		t.Errorf("second Ingest = %+v, %v; want every report skipped", rep, err)
	}
	if n := w.srv.Count("reports.createReport", 0); n != 0 {
		t.Errorf("createReport calls = %d; settlement reports cannot be requested", n)
	}
	if n := w.srv.Count("reports.getReportDocument", http.StatusOK); n != wantReports {
		t.Errorf("documents downloaded = %d, want %d (each report once)", n, wantReports)
	}
}

func TestSettlementsHandlerFailureRetries(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	m := sd.Marketplaces[0]
	s, err := fulfillment.NewSettlements(fulfillment.SettlementsConfig{Client: w.client, Store: w.store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	fail := errors.New("ERP ledger unavailable")
	_, err = s.Ingest(context.Background(), sd.ID, m, time.Time{}, func(context.Context, fulfillment.SettlementReport, iter.Seq2[*reports.SettlementRow, error]) error {
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatalf("Ingest: err = %v, want the handler's error", err)
	}
	rep, err := s.Ingest(context.Background(), sd.ID, m, time.Time{}, func(_ context.Context, _ fulfillment.SettlementReport, seq iter.Seq2[*reports.SettlementRow, error]) error {
		for _, err := range seq {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || rep.Ingested == 0 || rep.Skipped != 0 {
		t.Errorf("Ingest after the failure = %+v, %v; want the failed report ingested now", rep, err)
	}
}

func TestInventorySyncRejectsDuplicateSKUs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	m := sd.Marketplaces[0]
	ls := listingsOf(sd)
	stock := []fulfillment.StockLevel{
		{SKU: ls[0].SKU, Quantity: ls[0].Quantity + 5},
		{SKU: ls[1].SKU, Quantity: ls[1].Quantity + 1},
		{SKU: ls[0].SKU, Quantity: ls[0].Quantity + 9},
	}

	out, err := newInventory(t, w, 50).Sync(context.Background(), sd.ID, m, stock)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	for _, i := range []int{0, 2} {
		var ve *fulfillment.ValidationError
		if out[i].Action != fulfillment.ActionFailed || !errors.As(out[i].Err, &ve) {
			t.Errorf("stock level %d of a repeated SKU: %s (%v), want failed with a *ValidationError", i, out[i].Action, out[i].Err)
		}
	}
	if out[1].Action != fulfillment.ActionPatched {
		t.Errorf("other SKU: %s (%v), want patched", out[1].Action, out[1].Err)
	}
	if got := w.srv.SellerState(sd.ID).Listing(ls[0].SKU, m).Quantity; got != ls[0].Quantity {
		t.Errorf("quantity of the repeated SKU = %d, want it unchanged at %d", got, ls[0].Quantity)
	}
}

func TestPriceUpdatesRejectDuplicateSKUs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.FarEast)
	m := sd.Marketplaces[0]
	ls := listingsOf(sd)
	p, err := fulfillment.NewPriceUpdates(fulfillment.PriceConfig{Client: w.client, Recorder: w.log})
	if err != nil {
		t.Fatal(err)
	}
	prices := []fulfillment.Price{
		{SKU: ls[0].SKU, Amount: formatPrice(ls[0].PriceCents + 100), CurrencyCode: ls[0].Currency},
		{SKU: ls[0].SKU, Amount: formatPrice(ls[0].PriceCents + 200), CurrencyCode: ls[0].Currency},
	}

	out, err := p.Update(context.Background(), sd.ID, m, prices)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for i := range prices {
		if out[i].Action != fulfillment.ActionFailed {
			t.Errorf("price %d of a repeated SKU: %s (%v), want failed", i, out[i].Action, out[i].Err)
		}
	}
	if got := w.srv.SellerState(sd.ID).Listing(ls[0].SKU, m).PriceCents; got != ls[0].PriceCents {
		t.Errorf("price of the repeated SKU = %d cents, want it unchanged at %d", got, ls[0].PriceCents)
	}
}
