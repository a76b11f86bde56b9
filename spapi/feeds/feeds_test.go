package feeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/feeds"
	"github.com/hidemont/spkit/spapi/listings"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	ds  *spapitest.Dataset
	sd  *spapitest.SellerData
	c   *feeds.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(21, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[1]
	return bundle{srv: srv, ds: ds, sd: sd, c: feeds.New(srv.NewClient(t), sd.ID, sd.Region)}
}

const poll = 10 * time.Millisecond

func TestListingsFeedDone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mid := b.sd.Marketplaces[0]
	first := b.sd.Listings[0]
	qty, _ := listings.QuantityPatch(first.Quantity + 5)
	f := &feeds.ListingsFeed{SellerID: b.sd.ID}
	f.Patch(first.SKU, first.ProductType, qty)
	f.Patch("NO SUCH/SKU", "WALLET", qty)

	id, err := b.c.SubmitListings(ctx, f, []string{mid})
	if err != nil {
		t.Fatalf("SubmitListings: %v", err)
	}
	feed, report, err := b.c.Wait(ctx, id, poll)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if feed.ProcessingStatus != feeds.StatusDone {
		t.Errorf("status = %s", feed.ProcessingStatus)
	}
	if report.MessagesProcessed != 2 || report.MessagesAccepted != 1 {
		t.Errorf("report = %+v", report)
	}
	if got := report.FailedMessages(); len(got) != 1 || got[0] != 2 {
		t.Errorf("failed messages = %v, want [2]", got)
	}
	if got := b.srv.SellerState(b.sd.ID).Listing(first.SKU, mid).Quantity; got != first.Quantity+5 {
		t.Errorf("quantity = %d, want %d", got, first.Quantity+5)
	}
	for _, e := range b.srv.RequestsFor(spapitest.DocumentOperation) {
		if e.Method == "PUT" && e.Header.Get("Content-Type") != feeds.ContentTypeJSON {
			t.Errorf("upload content type = %q", e.Header.Get("Content-Type"))
		}
	}
}

func unshipped(t *testing.T, sd *spapitest.SellerData) []*spapitest.Order {
	t.Helper()
	var out []*spapitest.Order
	for _, o := range sd.Orders {
		if o.Status == spapitest.OrderUnshipped && o.FulfillmentChannel == "MFN" {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		t.Fatal("no unshipped merchant order")
	}
	return out
}

func TestFulfillmentFeedShipsOrders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	orders := unshipped(t, b.sd)
	f := &feeds.FulfillmentFeed{MerchantIdentifier: b.sd.ID}
	for _, o := range orders {
		var items []feeds.FulfillmentItem
		for _, it := range o.Items {
			items = append(items, feeds.FulfillmentItem{OrderItemID: it.ID, Quantity: it.Quantity})
		}
		f.Add(feeds.FulfillmentShipment{AmazonOrderID: o.ID, FulfillmentDate: time.Now().Add(-time.Hour), CarrierCode: "DHL", TrackingNumber: "JJD" + o.ID[:3], Items: items})
	}
	f.Add(feeds.FulfillmentShipment{AmazonOrderID: "999-9999999-9999999", FulfillmentDate: time.Now(), CarrierCode: "DHL"})

	id, err := b.c.SubmitFulfillment(ctx, f, b.sd.Marketplaces[:1])
	if err != nil {
		t.Fatalf("SubmitFulfillment: %v", err)
	}
	_, report, err := b.c.Wait(ctx, id, poll)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	failed := report.Failed()
	if len(failed) != 1 || failed[0].MessageID != len(orders)+1 || failed[0].AmazonOrderID != "999-9999999-9999999" {
		t.Errorf("failed = %+v, want the unknown order's message", failed)
	}
	state := b.srv.SellerState(b.sd.ID)
	for _, o := range orders {
		if got := state.Order(o.ID).Status; got != spapitest.OrderShipped {
			t.Errorf("%s: status = %s, want Shipped", o.ID, got)
		}
	}
}

func TestFulfillmentFeedWrongFeedType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	o := unshipped(t, b.sd)[0]
	f := &feeds.FulfillmentFeed{MerchantIdentifier: b.sd.ID}
	f.Add(feeds.FulfillmentShipment{AmazonOrderID: o.ID, FulfillmentDate: time.Now(), CarrierCode: "UPS"})
	content, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.c.Submit(ctx, feeds.TypeOrderAcknowledgement, b.sd.Marketplaces[:1], feeds.ContentTypeXML, content)
	if err != nil {
		t.Fatal(err)
	}
	_, report, err := b.c.Wait(ctx, id, poll)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(report.Failed()) != 1 {
		t.Errorf("failed = %+v, want the message rejected", report.Issues)
	}
	if got := b.srv.SellerState(b.sd.ID).Order(o.ID).Status; got != spapitest.OrderUnshipped {
		t.Errorf("status = %s, want Unshipped", got)
	}
}

func TestFeedFatal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id, err := b.c.Submit(ctx, feeds.TypeOrderFulfillment, b.sd.Marketplaces[:1], feeds.ContentTypeXML, []byte("not xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, report, err := b.c.Wait(ctx, id, poll)
	var fe *feeds.FeedError
	if !errors.As(err, &fe) || !errors.Is(err, feeds.ErrFeedFatal) {
		t.Fatalf("err = %v, want a FATAL *FeedError", err)
	}
	if report == nil || len(report.Failed()) == 0 {
		t.Errorf("report = %+v, want the fatal issue", report)
	}
}

func TestFeedCancelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id, err := b.c.Submit(ctx, feeds.TypeJSONListings, b.sd.Marketplaces[:1], feeds.ContentTypeJSON, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.c.CancelFeed(ctx, id); err != nil {
		t.Fatalf("CancelFeed: %v", err)
	}
	if _, _, err := b.c.Wait(ctx, id, poll); !errors.Is(err, feeds.ErrFeedCancelled) {
		t.Errorf("err = %v, want ErrFeedCancelled", err)
	}
}

func TestWaitStopsWithContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id, err := b.c.Submit(context.Background(), feeds.TypeJSONListings, b.sd.Marketplaces[:1], feeds.ContentTypeJSON, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := b.c.Wait(ctx, id, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
}

func TestSubmitFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 403, Body: `<Error><Code>SignatureDoesNotMatch</Code></Error>`, ContentType: "application/xml"})
	if _, err := b.c.Submit(ctx, feeds.TypeJSONListings, b.sd.Marketplaces[:1], feeds.ContentTypeJSON, []byte(`{}`)); !errors.Is(err, spapi.ErrForbidden) {
		t.Errorf("upload refused: err = %v, want ErrForbidden", err)
	}
	b.srv.InjectFault(spapitest.Fault{Operation: "feeds.createFeed", Status: 503, Times: -1})
	if _, err := b.c.Submit(ctx, feeds.TypeJSONListings, b.sd.Marketplaces[:1], feeds.ContentTypeJSON, []byte(`{}`)); !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("createFeed down: err = %v, want ErrServerUnavailable", err)
	}
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := feeds.New(srv.NewClient(t), "A1", spapi.NorthAmerica)
	ctx := context.Background()
	str := func(v spapitest.Vector, name string) string {
		var s string
		_ = json.Unmarshal(v.Parameters[name].Value, &s)
		return s
	}
	ops := map[string]func(v spapitest.Vector) error{
		"feeds.getFeeds": func(v spapitest.Vector) error {
			var p feeds.GetFeedsParams
			_ = json.Unmarshal(v.Parameters["feedTypes"].Value, &p.FeedTypes)
			_ = json.Unmarshal(v.Parameters["processingStatuses"].Value, &p.ProcessingStatuses)
			_ = json.Unmarshal(v.Parameters["pageSize"].Value, &p.PageSize)
			for page, err := range c.GetFeeds(ctx, p) {
				if err == nil && len(page.Feeds) == 0 {
					return errors.New("no feeds decoded")
				}
				return err
			}
			return nil
		},
		"feeds.createFeed": func(v spapitest.Vector) error {
			var body feeds.CreateFeedRequest
			_ = json.Unmarshal(v.Parameters["body"].Value, &body)
			_, err := c.CreateFeed(ctx, body)
			return err
		},
		"feeds.cancelFeed": func(v spapitest.Vector) error { return c.CancelFeed(ctx, str(v, "feedId")) },
		"feeds.getFeed": func(v spapitest.Vector) error {
			f, err := c.GetFeed(ctx, str(v, "feedId"))
			if err == nil && f.FeedID == "" {
				return errors.New("feed not decoded")
			}
			return err
		},
		"feeds.createFeedDocument": func(v spapitest.Vector) error {
			var body struct{ ContentType string }
			_ = json.Unmarshal(v.Parameters["body"].Value, &body)
			d, err := c.CreateFeedDocument(ctx, body.ContentType)
			if err == nil && d.URL == "" {
				return errors.New("document not decoded")
			}
			return err
		},
		"feeds.getFeedDocument": func(v spapitest.Vector) error {
			_, err := c.GetFeedDocument(ctx, str(v, "feedDocumentId"))
			return err
		},
	}
	for op, call := range ops {
		for _, v := range spapitest.SandboxVectorsFor(op) {
			t.Run(v.Name, func(t *testing.T) { checkOutcome(t, v, call(v)) })
		}
	}
}

// checkOutcome checks a call against a vector: success for 2xx, and for
// errors either the vector's status from the server or a local rejection
// (ErrInvalidRequest) of a request that lacks a required field.
func checkOutcome(t *testing.T, v spapitest.Vector, err error) {
	t.Helper()
	if v.Status < 300 {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if errors.Is(err, spapi.ErrInvalidRequest) {
		return
	}
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != v.Status || apiErr.HasCode(spapitest.SandboxNoMatch) {
		t.Fatalf("err = %v, want status %d from a matching vector", err, v.Status)
	}
}

func TestEmptyResponsesAreErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mp := b.sd.Marketplaces[0]
	calls := []struct {
		operation string
		call      func() error
	}{
		{"feeds.createFeedDocument", func() error { _, err := b.c.CreateFeedDocument(ctx, "application/json"); return err }},
		{"feeds.createFeed", func() error {
			_, err := b.c.CreateFeed(ctx, feeds.CreateFeedRequest{FeedType: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{mp}, InputFeedDocumentID: "doc-1"})
			return err
		}},
		{"feeds.getFeed", func() error { _, err := b.c.GetFeed(ctx, "feed-1"); return err }},
		{"feeds.getFeedDocument", func() error { _, err := b.c.GetFeedDocument(ctx, "doc-1"); return err }},
	}
	for _, tc := range calls {
		for _, body := range []string{"", "{}", "null"} {
			b.srv.InjectFault(spapitest.Fault{Operation: tc.operation, Status: 200, Body: body, ContentType: "application/json"})
			if err := tc.call(); !errors.Is(err, feeds.ErrInvalidResponse) {
				t.Errorf("%s with body %q: err = %v, want ErrInvalidResponse", tc.operation, body, err)
			}
		}
	}
}
