package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// syncSeller syncs every marketplace of a seller and returns the stored
// orders by ID with the problems yielded.
func syncSeller(t *testing.T, s *fulfillment.OrderSync, sd *spapitest.SellerData) (map[string]*fulfillment.Order, map[string]error) {
	t.Helper()
	got := map[string]*fulfillment.Order{}
	problems := map[string]error{}
	for _, m := range sd.Marketplaces {
		for o, err := range s.Sync(context.Background(), sd.ID, m) {
			if o == nil {
				t.Fatalf("Sync of seller %s in %s: %v", sd.ID, m, err)
			}
			got[o.OrderID] = o
			if err != nil {
				problems[o.OrderID] = err
			}
		}
	}
	return got, problems
}

// piiExpired reports whether an order shipped so long ago that order sync
// stores none of its buyer data.
func piiExpired(o *spapitest.Order, shippedStatus bool, now time.Time) bool {
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	return shippedStatus && now.Sub(o.LastUpdateDate) >= rule.Age()
}

func checkSyncedSeller(t *testing.T, w *world, sd *spapitest.SellerData, api fulfillment.OrdersAPI, got map[string]*fulfillment.Order) {
	t.Helper()
	ctx := actorContext()
	if len(got) != len(sd.Orders) {
		t.Errorf("seller %s: %d orders synced, want %d", sd.ID, len(got), len(sd.Orders))
	}
	for _, want := range sd.Orders {
		o, err := w.store.Order(context.Background(), sd.ID, want.ID)
		if err != nil {
			t.Errorf("order %s (%s, purchased %v, updated %v, now %v): %v", want.ID, want.MarketplaceID, want.PurchaseDate, want.LastUpdateDate, w.now, err)
			continue
		}
		shipped := want.Status == spapitest.OrderShipped || (api != fulfillment.OrdersAPIV0 && want.Status == spapitest.OrderInvoiceUnconfirmed)
		expired := piiExpired(want, shipped, w.now)
		wantBuyer := fulfillment.BuyerDataNotProvided
		if want.HasBuyerData && !expired {
			wantBuyer = fulfillment.BuyerDataAvailable
		}
		if expired {
			wantBuyer = fulfillment.BuyerDataPurged
		}
		if o.BuyerData != wantBuyer {
			t.Errorf("order %s (%s, %s): buyer data %q, want %q", want.ID, want.Status, want.FulfillmentChannel, o.BuyerData, wantBuyer)
		}
		if wantBuyer == fulfillment.BuyerDataAvailable {
			name, err := pii.Open[pii.BuyerName](ctx, w.ring, fulfillment.BuyerBinding(sd.ID, o.OrderID, fulfillment.ColumnBuyerName), o.Buyer.Name)
			if err != nil {
				t.Errorf("order %s: open buyer name: %v", want.ID, err)
			} else if clear, err := w.revealer.Reveal(ctx, pii.PurposeFulfillment, name); err != nil || clear != want.Buyer.Name {
				t.Errorf("order %s: buyer name does not match the data set (err %v)", want.ID, err)
			}
			if want.FulfillmentChannel == "MFN" && o.Buyer.ShippingAddress.IsZero() {
				t.Errorf("order %s: MFN order stored without a shipping address", want.ID)
			}
		}
		if len(o.Items) != len(want.Items) {
			t.Errorf("order %s: %d items, want %d", want.ID, len(o.Items), len(want.Items))
			continue
		}
		for _, wi := range want.Items {
			item, ok := o.Item(wi.ID)
			if !ok {
				t.Errorf("order %s: item %s missing", want.ID, wi.ID)
				continue
			}
			checkItem(t, w, o, item, wi, wantBuyer)
		}
	}
}

func checkItem(t *testing.T, w *world, o *fulfillment.Order, item *fulfillment.OrderItem, wi *spapitest.OrderItem, buyer fulfillment.BuyerDataStatus) {
	t.Helper()
	if item.SKU != wi.SKU || item.ASIN != wi.ASIN || item.Quantity != wi.Quantity {
		t.Errorf("order %s item %s: SKU %q ASIN %q quantity %d, want %q %q %d", o.OrderID, wi.ID, item.SKU, item.ASIN, item.Quantity, wi.SKU, wi.ASIN, wi.Quantity)
	}
	switch {
	case buyer == fulfillment.BuyerDataPurged:
		return
	case len(wi.Customization) == 0:
		if item.Customization != fulfillment.CustomizationNone || len(item.Personalizations) != 0 {
			t.Errorf("order %s item %s (URL %s): customization %q with %d personalisations, want none", o.OrderID, wi.ID, wi.URLForm, item.Customization, len(item.Personalizations))
		}
		return
	case item.Customization != fulfillment.CustomizationLinked:
		t.Errorf("order %s item %s: customization %q, want linked", o.OrderID, wi.ID, item.Customization)
		return
	}

	// Each unit has its own text, in unit order.
	ctx := actorContext()
	for u, p := range wi.Customization {
		i := slices.IndexFunc(item.Personalizations, func(x fulfillment.Personalization) bool { return x.Unit == u+1 && x.Part == "Monogram" })
		if i < 0 {
			t.Errorf("order %s item %s: no monogram for unit %d", o.OrderID, wi.ID, u+1)
			continue
		}
		var text string
		err := fulfillment.RevealPersonalization(ctx, w.ring, w.revealer, o, item.Personalizations[i], func(b []byte) error {
			text = string(b)
			return nil
		})
		if err != nil || text != p.Text {
			t.Errorf("order %s item %s unit %d: personalisation does not match the data set (err %v)", o.OrderID, wi.ID, u+1, err)
		}
	}
}

func TestOrderSyncEachRegion(t *testing.T) {
	t.Parallel()
	for _, region := range spapi.Regions {
		t.Run(string(region), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
			sd := w.ds.SellerIn(region)
			s := w.orderSync(t, fulfillment.OrdersAPIAuto)
			got, problems := syncSeller(t, s, sd)
			if len(problems) != 0 {
				t.Errorf("problems: %v", problems)
			}
			checkSyncedSeller(t, w, sd, fulfillment.OrdersAPIAuto, got)
			if n := w.srv.Count("orders.getOrders", http.StatusOK); n != 0 {
				t.Errorf("%d v0 getOrders calls, want none while the 2026-01-01 API serves", n)
			}

			// A second sync right after finds nothing new.
			w.now = w.now.Add(10 * time.Minute)
			again, _ := syncSeller(t, s, sd)
			if len(again) != 0 {
				t.Errorf("second sync yielded %d orders, want 0", len(again))
			}
		})
	}
}

func TestOrderSyncV0(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	s := w.orderSync(t, fulfillment.OrdersAPIV0)
	got, problems := syncSeller(t, s, sd)
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	checkSyncedSeller(t, w, sd, fulfillment.OrdersAPIV0, got)
	if n := w.srv.Count("orders20260101.searchOrders", http.StatusOK); n != 0 {
		t.Errorf("%d searchOrders calls, want none with OrdersAPIV0", n)
	}
}

func TestOrderSyncBuyerDataWithheld(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	w.srv.AddSeller(spapitest.Seller{ID: sd.ID, Regions: []spapi.Region{sd.Region}, NoRestrictedRole: true})
	s := w.orderSync(t, fulfillment.OrdersAPIV0)

	got, problems := syncSeller(t, s, sd)
	if len(got) != len(sd.Orders) {
		t.Fatalf("%d orders synced, want all %d although buyer data is withheld", len(got), len(sd.Orders))
	}
	withheld := 0
	for _, o := range got {
		if o.BuyerData == fulfillment.BuyerDataPurged {
			continue // shipped too long ago to keep buyer data at all
		}
		withheld++
		if o.BuyerData != fulfillment.BuyerDataWithheld {
			t.Errorf("order %s: buyer data %q, want withheld", o.OrderID, o.BuyerData)
		}
		var bde *fulfillment.BuyerDataError
		if err := problems[o.OrderID]; !errors.As(err, &bde) || !errors.Is(err, spapi.ErrMissingRole) {
			t.Errorf("order %s: problem %v, want a *BuyerDataError wrapping ErrMissingRole", o.OrderID, err)
		}
		if !o.Buyer.Name.IsZero() || !o.Buyer.ShippingAddress.IsZero() {
			t.Errorf("order %s: buyer data stored although withheld", o.OrderID)
		}
	}

	// The role is granted: the next sync fetches the withheld orders again.
	w.srv.AddSeller(spapitest.Seller{ID: sd.ID, Regions: []spapi.Region{sd.Region}})
	w.client = w.newClient(t)
	s = w.orderSync(t, fulfillment.OrdersAPIV0)
	w.now = w.now.Add(10 * time.Minute)
	refetched := 0
	for _, m := range sd.Marketplaces {
		for o, err := range s.SyncSince(context.Background(), sd.ID, m, w.now.Add(-90*24*time.Hour)) {
			if err != nil {
				t.Errorf("SyncSince after the grant: order %v: %v", o != nil, err)
				continue
			}
			refetched++
		}
	}
	if refetched != withheld {
		t.Errorf("after the grant: %d orders fetched again, want the %d withheld", refetched, withheld)
	}
}

func TestOrderSyncThrottleStorm(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{OrdersPerSeller: 30})
	sd := w.ds.SellerIn(spapi.FarEast)

	// The server allows 2 searches a second with a burst of 2, while the
	// client believes it may send 100: most calls meet a 429 until the
	// rate header slows the client down.
	const op = "orders20260101.searchOrders"
	w.srv.SetPlan(op, spapi.Plan{Rate: 0.002, Burst: 2})
	cfg := w.srv.ClientConfig()
	cfg.Plans[op] = spapi.Plan{Rate: 100, Burst: 100}
	client, err := spapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client: client, Store: w.store, Sealer: w.ring, Retention: w.retention, Recorder: w.log,
		Customizations: &fulfillment.CustomFetcher{Revealer: w.revealer, HTTPClient: w.srv.Client()},
		PageSize:       2, InitialLookback: 90 * 24 * time.Hour, Now: w.clock,
	})
	if err != nil {
		t.Fatal(err)
	}

	// A run that gives up under throttling leaves its cursor; the next run
	// repeats the window. No order may be lost or stored twice.
	created := 0
	for _, m := range sd.Marketplaces {
		done := false
		for attempt := 0; attempt < 20 && !done; attempt++ {
			rep, err := s.Run(context.Background(), sd.ID, m, nil)
			created += rep.Created
			switch {
			case err == nil:
				done = true
			case !errors.Is(err, spapi.ErrThrottled):
				t.Fatalf("Run: %v", err)
			}
		}
		if !done {
			t.Fatalf("marketplace %s: no run finished in 20 attempts", m)
		}
	}
	if created != len(sd.Orders) {
		t.Errorf("%d orders created under throttling, want each of the %d once", created, len(sd.Orders))
	}
	for _, o := range sd.Orders {
		if _, err := w.store.Order(context.Background(), sd.ID, o.ID); err != nil {
			t.Errorf("order %s lost: %v", o.ID, err)
		}
	}
	if n := w.srv.Count(op, http.StatusTooManyRequests); n == 0 {
		t.Error("no 429 was served; the storm did not happen")
	}
}

func TestOrderSyncResumesAfterFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{OrdersPerSeller: 60})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	m := sd.Marketplaces[0]
	s, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client: w.client, Store: w.store, Sealer: w.ring, Retention: w.retention, Recorder: w.log,
		Customizations: &fulfillment.CustomFetcher{Revealer: w.revealer, HTTPClient: w.srv.Client()},
		PageSize:       5, InitialLookback: 90 * 24 * time.Hour, Now: w.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	// After two pages, searches fail for longer than the client retries.
	var rep fulfillment.SyncReport
	pages := 0
	rep, err = s.Run(context.Background(), sd.ID, m, func(*fulfillment.Order, error) error {
		pages++
		if pages == 10 {
			w.srv.InjectFault(spapitest.Fault{Operation: "orders20260101.searchOrders", Status: http.StatusServiceUnavailable, Times: -1})
		}
		return nil
	})
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("Run error = %v, want ErrServerUnavailable", err)
	}
	if _, cerr := w.store.Cursor(context.Background(), sd.ID, m); !errors.Is(cerr, fulfillment.ErrNotFound) {
		t.Errorf("cursor saved after a failed run: %v", cerr)
	}
	stored := rep.Created

	w.srv.ClearFaults()
	rep, err = s.Run(context.Background(), sd.ID, m, nil)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	want := 0
	for _, o := range sd.Orders {
		if o.MarketplaceID == m {
			want++
		}
	}
	if stored+rep.Created != want || rep.Unchanged != stored {
		t.Errorf("first run stored %d, second created %d and skipped %d; want %d in all, each once", stored, rep.Created, rep.Unchanged, want)
	}
}

func TestOrderSyncRevealsAudited(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	syncSeller(t, w.orderSync(t, fulfillment.OrdersAPIAuto), sd)
	customItems := 0
	for _, o := range sd.Orders {
		for _, it := range o.Items {
			if len(it.Customization) > 0 {
				customItems++
			}
		}
	}
	w.log.mu.Lock()
	reveals := len(w.log.reveals)
	for _, a := range w.log.reveals {
		if a.Purpose != pii.PurposeFulfillment || a.Kind != pii.KindPersonalization || a.Subject.SellerID != sd.ID {
			t.Errorf("reveal %+v, want personalisation for fulfilment of seller %s", a, sd.ID)
		}
	}
	w.log.mu.Unlock()
	if reveals != customItems {
		t.Errorf("%d audited reveals during sync, want one per customised item (%d)", reveals, customItems)
	}
	if n := w.log.count("order_sync", "success"); n != len(sd.Marketplaces) {
		t.Errorf("%d order sync audit events, want %d", n, len(sd.Marketplaces))
	}
}
