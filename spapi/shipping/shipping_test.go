package shipping_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/shipping"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	ds  *spapitest.Dataset
	api *spapi.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(11, spapitest.DatasetOptions{})
	srv.Load(ds)
	return bundle{srv: srv, ds: ds, api: srv.NewClient(t)}
}

// unshippedMFN returns an unshipped merchant order of a seller in a
// marketplace that Amazon Shipping serves.
func unshippedMFN(t *testing.T, ds *spapitest.Dataset) (*spapitest.SellerData, *spapitest.Order) {
	t.Helper()
	for _, sd := range ds.Sellers {
		for _, o := range sd.Orders {
			if _, ok := shipping.BusinessID(o.MarketplaceID); ok && o.Status == spapitest.OrderUnshipped && o.FulfillmentChannel == "MFN" {
				return sd, o
			}
		}
	}
	t.Fatal("no unshipped merchant order in an Amazon Shipping marketplace")
	return nil, nil
}

func ratesRequest(o *spapitest.Order) shipping.RatesRequest {
	return shipping.RatesRequest{
		ShipFrom: shipping.Address{Name: "Workshop", AddressLine1: "1 Lane", City: "Springfield", StateOrRegion: "CA", PostalCode: "12345", CountryCode: "US"},
		Packages: []shipping.Package{{
			Dimensions:               shipping.Dimensions{Length: 20, Width: 15, Height: 5, Unit: shipping.UnitCentimeter},
			Weight:                   shipping.Weight{Value: 400, Unit: shipping.UnitGram},
			InsuredValue:             shipping.Currency{Value: 0, Unit: o.Currency},
			PackageClientReferenceID: o.ID + "-1",
			Items:                    []shipping.Item{{Quantity: 1, ItemIdentifier: o.Items[0].ID}},
		}},
		ChannelDetails: shipping.ChannelDetails{ChannelType: shipping.ChannelAmazon, AmazonOrderDetails: &shipping.AmazonOrderDetails{OrderID: o.ID}},
	}
}

func purchaseRequest(rates *shipping.RatesResult) shipping.PurchaseRequest {
	return shipping.PurchaseRequest{
		RequestToken: rates.RequestToken,
		RateID:       rates.Rates[0].RateID,
		RequestedDocumentSpecification: shipping.RequestedDocumentSpecification{
			Format: shipping.FormatPDF, Size: shipping.DocumentSize{Width: 4, Length: 6, Unit: shipping.UnitInch},
			RequestedDocumentTypes: []string{"LABEL"},
		},
	}
}

func TestPurchaseLabelFlow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd, o := unshippedMFN(t, b.ds)
	c, err := shipping.New(b.api, sd.ID, o.MarketplaceID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rates, err := c.GetRates(ctx, ratesRequest(o))
	if err != nil {
		t.Fatalf("GetRates: %v", err)
	}
	if len(rates.Rates) == 0 || rates.RequestToken == "" {
		t.Fatalf("rates = %+v", rates)
	}
	key := o.ID + "/1"
	bought, err := c.PurchaseShipment(ctx, purchaseRequest(rates), key)
	if err != nil {
		t.Fatalf("PurchaseShipment: %v", err)
	}
	label, err := shipping.DecodeLabel(bought.PackageDocumentDetails[0].PackageDocuments[0])
	if err != nil {
		t.Fatalf("DecodeLabel: %v", err)
	}
	if !bytes.HasPrefix(label, []byte("%PDF")) {
		t.Errorf("label does not start with %%PDF: %q", label[:10])
	}

	again, err := c.PurchaseShipment(ctx, purchaseRequest(rates), key)
	if err != nil {
		t.Fatalf("second PurchaseShipment: %v", err)
	}
	if again.ShipmentID != bought.ShipmentID {
		t.Errorf("same key bought shipment %s, then %s", bought.ShipmentID, again.ShipmentID)
	}
	if n := b.srv.ShipmentCount(sd.ID); n != 1 {
		t.Errorf("shipments bought = %d, want 1", n)
	}

	docs, err := c.GetShipmentDocuments(ctx, bought.ShipmentID, o.ID+"-1", "")
	if err != nil {
		t.Fatalf("GetShipmentDocuments: %v", err)
	}
	if docs.PackageDocumentDetail.TrackingID != bought.PackageDocumentDetails[0].TrackingID {
		t.Errorf("tracking ID = %s", docs.PackageDocumentDetail.TrackingID)
	}
	tr, err := c.GetTracking(ctx, docs.PackageDocumentDetail.TrackingID, rates.Rates[0].CarrierID)
	if err != nil {
		t.Fatalf("GetTracking: %v", err)
	}
	if tr.Summary.Status != "InTransit" {
		t.Errorf("tracking status = %s", tr.Summary.Status)
	}
	if err := c.CancelShipment(ctx, bought.ShipmentID); err != nil {
		t.Fatalf("CancelShipment: %v", err)
	}
	if err := c.CancelShipment(ctx, bought.ShipmentID); !errors.Is(err, spapi.ErrInvalidInput) {
		t.Errorf("second cancel: err = %v, want ErrInvalidInput", err)
	}

	want, _ := shipping.BusinessID(o.MarketplaceID)
	for _, e := range b.srv.Requests() {
		if !strings.HasPrefix(e.Operation, "shipping.") {
			continue
		}
		if got := e.Header.Get("x-amzn-shipping-business-id"); got != want {
			t.Errorf("%s: business ID = %q, want %q", e.Operation, got, want)
		}
	}
}

func TestPurchaseRetriedWithOneLabel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd, o := unshippedMFN(t, b.ds)
	c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
	ctx := context.Background()
	rates, err := c.GetRates(ctx, ratesRequest(o))
	if err != nil {
		t.Fatal(err)
	}
	b.srv.InjectFault(spapitest.Fault{Operation: "shipping.purchaseShipment", Status: http.StatusServiceUnavailable, Times: 2})
	bought, err := c.PurchaseShipment(ctx, purchaseRequest(rates), "key-"+o.ID)
	if err != nil {
		t.Fatalf("PurchaseShipment after two 503s: %v", err)
	}
	if bought.ShipmentID == "" {
		t.Fatal("no shipment ID")
	}
	if n := b.srv.ShipmentCount(sd.ID); n != 1 {
		t.Errorf("shipments bought = %d, want 1", n)
	}
	keys := map[string]bool{}
	for _, e := range b.srv.RequestsFor("shipping.purchaseShipment") {
		keys[e.Header.Get("x-amzn-IdempotencyKey")] = true
	}
	if len(keys) != 1 || !keys["key-"+o.ID] {
		t.Errorf("idempotency keys sent = %v, want one", keys)
	}
}

func TestPurchaseEmptyResponse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd, o := unshippedMFN(t, b.ds)
	c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
	ctx := context.Background()
	rates, err := c.GetRates(ctx, ratesRequest(o))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"", "{}", `{"payload":{}}`, "null"} {
		b.srv.InjectFault(spapitest.Fault{Operation: "shipping.purchaseShipment", Status: http.StatusOK, Body: body, ContentType: "application/json"})
		bought, err := c.PurchaseShipment(ctx, purchaseRequest(rates), "key-"+o.ID)
		if !errors.Is(err, shipping.ErrInvalidResponse) {
			t.Errorf("body %q: PurchaseShipment = %+v, %v; want ErrInvalidResponse", body, bought, err)
		}
	}
}

func TestPurchaseRequiresKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd, o := unshippedMFN(t, b.ds)
	c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
	_, err := c.PurchaseShipment(context.Background(), shipping.PurchaseRequest{RequestToken: "t", RateID: "r"}, " ")
	if !errors.Is(err, shipping.ErrMissingIdempotencyKey) {
		t.Errorf("err = %v, want ErrMissingIdempotencyKey", err)
	}
}

func TestGetRatesValidates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd, o := unshippedMFN(t, b.ds)
	c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
	bad := ratesRequest(o)
	bad.Packages[0].Weight.Unit = "KG"
	if _, err := c.GetRates(context.Background(), bad); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("unit KG: err = %v, want ErrInvalidRequest", err)
	}
	if n := len(b.srv.RequestsFor("shipping.getRates")); n != 0 {
		t.Errorf("requests sent = %d, want 0", n)
	}
}

func TestGetRatesFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault spapitest.Fault
		want  error
	}{
		{"server error", spapitest.Fault{Status: 500, Times: -1}, spapi.ErrServerUnavailable},
		{"throttled", spapitest.Fault{Status: 429, Times: -1}, spapi.ErrThrottled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			sd, o := unshippedMFN(t, b.ds)
			c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
			tc.fault.Operation = "shipping.getRates"
			b.srv.InjectFault(tc.fault)
			if _, err := c.GetRates(context.Background(), ratesRequest(o)); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sd, o := unshippedMFN(t, b.ds)
		c, _ := shipping.New(b.api, sd.ID, o.MarketplaceID)
		b.srv.InjectFault(spapitest.Fault{Operation: "shipping.getRates", Latency: 2 * time.Second, Times: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := c.GetRates(ctx, ratesRequest(o)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
	})
}

func TestNewUnknownMarketplace(t *testing.T) {
	t.Parallel()
	if _, err := shipping.New(nil, "A1", "NOTAMARKETPLACE"); !errors.Is(err, spapi.ErrUnknownMarketplace) {
		t.Errorf("err = %v, want ErrUnknownMarketplace", err)
	}
}

// TestSandboxExamples replays the example responses of Amazon's Shipping
// API v2 model, which has no sandbox parameters.
func TestSandboxExamples(t *testing.T) {
	t.Parallel()
	ops := map[string]func(c *shipping.Client) error{
		"shipping.getRates": func(c *shipping.Client) error {
			r, err := c.GetRates(context.Background(), ratesRequest(&spapitest.Order{ID: "1", Currency: "GBP", Items: []*spapitest.OrderItem{{ID: "1"}}}))
			if err == nil && (r.RequestToken == "" || len(r.Rates) == 0 || r.Rates[0].RateID == "") {
				return errors.New("rates not decoded")
			}
			return err
		},
		"shipping.purchaseShipment": func(c *shipping.Client) error {
			r, err := c.PurchaseShipment(context.Background(), shipping.PurchaseRequest{RequestToken: "t", RateID: "r"}, "k")
			if err == nil && (r.ShipmentID == "" || len(r.PackageDocumentDetails) == 0) {
				return errors.New("purchase not decoded")
			}
			return err
		},
		"shipping.getShipmentDocuments": func(c *shipping.Client) error {
			r, err := c.GetShipmentDocuments(context.Background(), "s", "p", "")
			if err == nil && r.ShipmentID == "" {
				return errors.New("documents not decoded")
			}
			return err
		},
		"shipping.getTracking": func(c *shipping.Client) error {
			r, err := c.GetTracking(context.Background(), "t", "c")
			if err == nil && (r.TrackingID == "" || len(r.EventHistory) == 0) {
				return errors.New("tracking not decoded")
			}
			return err
		},
		"shipping.cancelShipment": func(c *shipping.Client) error {
			return c.CancelShipment(context.Background(), "s")
		},
	}
	for op, call := range ops {
		for _, v := range spapitest.SandboxVectorsFor(op) {
			t.Run(v.Name, func(t *testing.T) {
				t.Parallel()
				srv := spapitest.NewServer(t, spapitest.Options{})
				srv.AddSeller(spapitest.Seller{ID: "A1"})
				srv.SelectExample(op, v.Name)
				c, _ := shipping.New(srv.NewClient(t), "A1", "A1F83G8C2ARO7P")
				checkOutcome(t, v, call(c))
			})
		}
	}

	for _, v := range spapitest.SandboxVectorsFor("shipping.getAdditionalInputs") {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			srv := spapitest.NewServer(t, spapitest.Options{})
			srv.AddSeller(spapitest.Seller{ID: "A1"})
			srv.EnableSandbox()
			c, _ := shipping.New(srv.NewClient(t), "A1", "A1F83G8C2ARO7P")
			var token, rate string
			_ = json.Unmarshal(v.Parameters["requestToken"].Value, &token)
			_ = json.Unmarshal(v.Parameters["rateId"].Value, &rate)
			_, err := c.GetAdditionalInputs(context.Background(), token, rate)
			checkOutcome(t, v, err)
		})
	}
}

func checkOutcome(t *testing.T, v spapitest.Vector, err error) {
	t.Helper()
	if v.Status < 300 {
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		return
	}
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: err = %v, want *spapi.Error", v.Name, err)
	}
	if apiErr.StatusCode != v.Status {
		t.Errorf("status = %d, want %d", apiErr.StatusCode, v.Status)
	}
	var body struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	_ = json.Unmarshal(v.Response, &body)
	if len(body.Errors) > 0 && !apiErr.HasCode(body.Errors[0].Code) {
		t.Errorf("codes = %+v, want %s", apiErr.Errors, body.Errors[0].Code)
	}
}
