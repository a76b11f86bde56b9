package fulfillment_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// flakyLabels fails SaveLabel when fail returns true for the label, as a
// store that goes away right after Amazon responded.
type flakyLabels struct {
	fulfillment.Store
	mu   sync.Mutex
	fail func(l fulfillment.Label) bool
	seen []fulfillment.Label
}

func (s *flakyLabels) SaveLabel(ctx context.Context, l fulfillment.Label) error {
	s.mu.Lock()
	s.seen = append(s.seen, l)
	fail := s.fail != nil && s.fail(l)
	if fail {
		s.fail = nil // fail once
	}
	s.mu.Unlock()
	if fail {
		return errors.New("connection to the database lost")
	}
	return s.Store.SaveLabel(ctx, l)
}

// mfnOrder returns an unshipped merchant-fulfilled order of the seller.
func mfnOrder(t *testing.T, sd *spapitest.SellerData) *spapitest.Order {
	t.Helper()
	for _, o := range sd.Orders {
		if o.FulfillmentChannel == "MFN" && o.Status == spapitest.OrderUnshipped {
			return o
		}
	}
	t.Fatalf("seller %s has no unshipped MFN order", sd.ID)
	return nil
}

func labelRequest(sd *spapitest.SellerData, o *spapitest.Order, service fulfillment.LabelService) fulfillment.LabelRequest {
	var items []fulfillment.ConfirmationItem
	for _, it := range o.Items {
		items = append(items, fulfillment.ConfirmationItem{OrderItemID: it.ID, Quantity: it.Quantity})
	}
	return fulfillment.LabelRequest{
		SellerID: sd.ID, MarketplaceID: o.MarketplaceID, OrderID: o.ID, PackageRef: "1", Service: service,
		ShipFrom: fulfillment.ShipFrom{
			Name: "Synthetic Leather Works", AddressLine1: "1 Workshop Lane", City: "Springfield",
			StateOrRegion: "IL", PostalCode: "62701", CountryCode: "US", Phone: "5550100", Email: "shipping@seller.example",
		},
		Package: fulfillment.PackageSpec{Length: 20, Width: 15, Height: 5, Weight: 400, Value: fulfillment.Money{CurrencyCode: o.Currency, Amount: "59.00"}, Items: items},
	}
}

func newLabels(t *testing.T, w *world, store fulfillment.Store) *fulfillment.Labels {
	t.Helper()
	l, err := fulfillment.NewLabels(fulfillment.LabelsConfig{Client: w.client, Store: store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatalf("NewLabels: %v", err)
	}
	return l
}

func TestLabelCrashAfterPurchaseBuysOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	store := &flakyLabels{Store: w.store, fail: func(l fulfillment.Label) bool { return l.State == fulfillment.LabelPurchased }}
	labels := newLabels(t, w, store)
	req := labelRequest(sd, o, fulfillment.ServiceShippingV2)

	if _, err := labels.Buy(context.Background(), req); err == nil || !strings.Contains(err.Error(), "buy again with the same request") {
		t.Fatalf("first Buy: err = %v, want the recording failure", err)
	}
	if n := w.srv.ShipmentCount(sd.ID); n != 1 {
		t.Fatalf("shipments bought after the first attempt = %d, want 1", n)
	}

	got, err := labels.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("retried Buy: %v", err)
	}
	if n := w.srv.ShipmentCount(sd.ID); n != 1 {
		t.Errorf("shipments bought after the retry = %d, want still 1", n)
	}
	if got.State != fulfillment.LabelPurchased || got.ShipmentID == "" || got.TrackingNumber == "" {
		t.Errorf("label = %+v, want purchased with shipment and tracking", got.Label)
	}
	if !strings.HasPrefix(string(got.Document), "%PDF-") {
		t.Errorf("label document does not start as a PDF (%d bytes)", len(got.Document))
	}
	stored, err := w.store.Label(context.Background(), got.IdempotencyKey)
	if err != nil || stored.State != fulfillment.LabelPurchased || stored.ShipmentID != got.ShipmentID {
		t.Errorf("stored label = %+v, %v; want the purchased one", stored, err)
	}
	if n := w.srv.Count("shipping.getRates", http.StatusOK); n != 1 {
		t.Errorf("getRates calls = %d, want 1: the retry must repeat the recorded offer", n)
	}
}

func TestLabelBuyTwiceReturnsSameLabel(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.Europe)
	o := mfnOrder(t, sd)
	labels := newLabels(t, w, w.store)
	req := labelRequest(sd, o, fulfillment.ServiceShippingV2)
	req.ShipFrom.CountryCode = "DE"

	first, err := labels.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy: %v", err)
	}
	second, err := labels.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("second Buy: %v", err)
	}
	if second.ShipmentID != first.ShipmentID || string(second.Document) != string(first.Document) {
		t.Errorf("second Buy returned shipment %s, want %s with the same document", second.ShipmentID, first.ShipmentID)
	}
	if n := w.srv.ShipmentCount(sd.ID); n != 1 {
		t.Errorf("shipments bought = %d, want 1", n)
	}
	if n := w.srv.Count("shipping.purchaseShipment", 0); n != 1 {
		t.Errorf("purchaseShipment calls = %d, want 1: a recorded label is fetched, not bought", n)
	}

	// Another package of the same order gets its own label.
	req.PackageRef = "2"
	other, err := labels.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy package 2: %v", err)
	}
	if other.ShipmentID == first.ShipmentID {
		t.Error("package 2 got package 1's shipment")
	}
	if n := w.log.count("label_purchase", "success"); n != 3 {
		t.Errorf("label purchase audit events = %d, want 3", n)
	}
}

func TestLabelMerchantFulfillment(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	labels := newLabels(t, w, w.store)
	req := labelRequest(sd, o, fulfillment.ServiceMerchantFulfillment)

	first, err := labels.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy: %v", err)
	}
	if first.ShipmentID == "" || !strings.HasPrefix(string(first.Document), "%PDF-") {
		t.Fatalf("label = %+v (%d bytes), want a shipment with a PDF", first.Label, len(first.Document))
	}
	// Buying again reads the existing shipment back instead of creating one.
	second, err := labels.Buy(context.Background(), req)
	if err != nil || second.ShipmentID != first.ShipmentID {
		t.Fatalf("second Buy = %v, %v; want shipment %s", second, err, first.ShipmentID)
	}
	if n := w.srv.Count("mfn.createShipment", http.StatusOK); n != 1 {
		t.Errorf("createShipment calls = %d, want 1", n)
	}
}

func TestLabelMerchantFulfillmentUncertain(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	store := &flakyLabels{Store: w.store, fail: func(l fulfillment.Label) bool { return l.State == fulfillment.LabelPurchased }}
	labels := newLabels(t, w, store)
	req := labelRequest(sd, o, fulfillment.ServiceMerchantFulfillment)

	if _, err := labels.Buy(context.Background(), req); err == nil {
		t.Fatal("first Buy: no error although recording failed")
	}
	_, err := labels.Buy(context.Background(), req)
	var uncertain *fulfillment.UncertainPurchaseError
	if !errors.As(err, &uncertain) {
		t.Fatalf("retried Buy: err = %v, want *UncertainPurchaseError", err)
	}
	if n := w.srv.Count("mfn.createShipment", 0); n != 1 {
		t.Errorf("createShipment calls = %d, want 1: an unknown outcome is never bought again", n)
	}

	// The seller finds the shipment in Seller Central and resolves it.
	store.mu.Lock()
	shipmentID := store.seen[len(store.seen)-1].ShipmentID
	store.mu.Unlock()
	got, err := labels.Resolve(context.Background(), uncertain.IdempotencyKey, o.MarketplaceID, shipmentID)
	if err != nil || got.ShipmentID != shipmentID || got.State != fulfillment.LabelPurchased {
		t.Fatalf("Resolve = %+v, %v; want shipment %s purchased", got, err, shipmentID)
	}
	again, err := labels.Buy(context.Background(), req)
	if err != nil || again.ShipmentID != shipmentID {
		t.Errorf("Buy after Resolve = %v, %v; want shipment %s", again, err, shipmentID)
	}
}

func TestLabelInvalidRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	labels := newLabels(t, w, w.store)
	cases := map[string]func(r *fulfillment.LabelRequest){
		"UK country code": func(r *fulfillment.LabelRequest) { r.ShipFrom.CountryCode = "UK" },
		"USA":             func(r *fulfillment.LabelRequest) { r.ShipFrom.CountryCode = "USA" },
		"zero weight":     func(r *fulfillment.LabelRequest) { r.Package.Weight = 0 },
		"no items":        func(r *fulfillment.LabelRequest) { r.Package.Items = nil },
		"package 0":       func(r *fulfillment.LabelRequest) { r.PackageRef = "0" },
		"GIF format":      func(r *fulfillment.LabelRequest) { r.Format = "GIF" },
	}
	for name, mutate := range cases {
		req := labelRequest(sd, o, fulfillment.ServiceShippingV2)
		mutate(&req)
		var v *fulfillment.ValidationError
		if _, err := labels.Buy(context.Background(), req); !errors.As(err, &v) {
			t.Errorf("%s: err = %v, want *ValidationError", name, err)
		}
	}
	if n := len(w.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid label requests, want none", n)
	}
}

// garbledLabels replaces the label contents in the responses to POST path
// with text that is not a label.
type garbledLabels struct {
	base     http.RoundTripper
	path     string
	contents *regexp.Regexp
}

func (g garbledLabels) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, g.path) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = g.contents.ReplaceAllFunc(body, func(m []byte) []byte {
		key := m[:bytes.IndexByte(m, ':')+1]
		return append(slices.Clone(key), `"!not a label!"`...)
	})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// garbledLabelsClient returns a client whose responses to POST path carry
// label contents that cannot be decoded.
func garbledLabelsClient(t *testing.T, w *world, path, field string) *spapi.Client {
	t.Helper()
	cfg := w.srv.ClientConfig()
	contents := regexp.MustCompile(`"` + field + `": ?"[^"]*"`)
	cfg.HTTPClient = &http.Client{Transport: garbledLabels{base: cfg.HTTPClient.Transport, path: path, contents: contents}}
	c, err := spapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLabelUndecodableDocumentKeepsPurchaseV2(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	req := labelRequest(sd, o, fulfillment.ServiceShippingV2)
	garbled := garbledLabelsClient(t, w, "/shipping/v2/shipments", "contents")
	l, err := fulfillment.NewLabels(fulfillment.LabelsConfig{Client: garbled, Store: w.store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := l.Buy(context.Background(), req); err == nil {
		t.Fatal("Buy with an undecodable label: err = nil, want an error")
	}
	key, _ := fulfillment.LabelKey(req.SellerID, req.OrderID, req.PackageRef)
	stored, err := w.store.Label(context.Background(), key)
	if err != nil {
		t.Fatalf("stored label: %v", err)
	}
	if stored.State != fulfillment.LabelPurchased || stored.ShipmentID == "" {
		t.Errorf("stored label state %s, shipment %q: want purchased with its shipment ID", stored.State, stored.ShipmentID)
	}

	got, err := newLabels(t, w, w.store).Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy after the undecodable label: %v", err)
	}
	if len(got.Document) == 0 {
		t.Error("Buy after the undecodable label returned no document")
	}
	if n := w.srv.Count("shipping.purchaseShipment", 0); n != 1 {
		t.Errorf("purchaseShipment calls = %d, want 1: the bought label is fetched, not bought again", n)
	}
}

func TestLabelUndecodableDocumentKeepsPurchaseMFN(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	req := labelRequest(sd, o, fulfillment.ServiceMerchantFulfillment)
	garbled := garbledLabelsClient(t, w, "/mfn/v0/shipments", "Contents")
	l, err := fulfillment.NewLabels(fulfillment.LabelsConfig{Client: garbled, Store: w.store, Recorder: w.log, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := l.Buy(context.Background(), req); err == nil {
		t.Fatal("Buy with an undecodable label: err = nil, want an error")
	}
	key, _ := fulfillment.LabelKey(req.SellerID, req.OrderID, req.PackageRef)
	stored, err := w.store.Label(context.Background(), key)
	if err != nil {
		t.Fatalf("stored label: %v", err)
	}
	if stored.State != fulfillment.LabelPurchased || stored.ShipmentID == "" {
		t.Errorf("stored label state %s, shipment %q: want purchased with its shipment ID", stored.State, stored.ShipmentID)
	}

	got, err := newLabels(t, w, w.store).Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy after the undecodable label: %v", err)
	}
	if got.ShipmentID != stored.ShipmentID || !strings.HasPrefix(string(got.Document), "%PDF-") {
		t.Errorf("Buy after the undecodable label = shipment %s with %d bytes, want %s with a PDF", got.ShipmentID, len(got.Document), stored.ShipmentID)
	}
	if n := w.srv.Count("mfn.createShipment", http.StatusOK); n != 1 {
		t.Errorf("createShipment calls = %d, want 1", n)
	}
}
