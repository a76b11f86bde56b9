package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestTrackingFeedEndStatus(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"FATAL", "CANCELLED"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			w, sd := syncedWorld(t, spapi.NorthAmerica)
			w.srv.InjectFault(spapitest.Fault{
				Operation: "feeds.getFeed", Status: http.StatusOK, Times: -1, ContentType: "application/json",
				Body: `{"feedId":"500000000001","feedType":"POST_ORDER_FULFILLMENT_DATA","processingStatus":"` + status + `","createdTime":"2026-11-17T00:00:00Z"}`,
			})
			o := unshippedOrders(t, w, sd, 1, 1)[0]
			_, err := newTracking(t, w).ConfirmBatch(context.Background(), sd.ID, o.MarketplaceID, []fulfillment.Confirmation{confirmationOf(o, "1", w.now.Add(-time.Hour))})
			var fe *fulfillment.FeedError
			if !errors.As(err, &fe) {
				t.Fatalf("ConfirmBatch: err = %v, want a *FeedError", err)
			}
			if fe.Status != status {
				t.Errorf("FeedError.Status = %q, want %q", fe.Status, status)
			}
			if fe.FeedID == "" {
				t.Error("FeedError.FeedID is empty")
			}
			if fe.FeedType != "POST_ORDER_FULFILLMENT_DATA" {
				t.Errorf("FeedError.FeedType = %q, want POST_ORDER_FULFILLMENT_DATA", fe.FeedType)
			}
		})
	}
}

func TestTrackingFeedDoneWithoutReport(t *testing.T) {
	t.Parallel()
	w, sd := syncedWorld(t, spapi.Europe)
	w.srv.InjectFault(spapitest.Fault{
		Operation: "feeds.getFeed", Status: http.StatusOK, Times: -1, ContentType: "application/json",
		Body: `{"feedId":"500000000001","feedType":"POST_ORDER_FULFILLMENT_DATA","processingStatus":"DONE","createdTime":"2026-11-17T00:00:00Z"}`,
	})
	o := unshippedOrders(t, w, sd, 1, 1)[0]
	_, err := newTracking(t, w).ConfirmBatch(context.Background(), sd.ID, o.MarketplaceID, []fulfillment.Confirmation{confirmationOf(o, "1", w.now.Add(-time.Hour))})
	if err == nil {
		t.Fatal("ConfirmBatch of a DONE feed without a processing report succeeded, want an error")
	}
	var fe *fulfillment.FeedError
	if errors.As(err, &fe) {
		t.Errorf("ConfirmBatch: err = %v, want an error other than *FeedError", err)
	}
	stored, _ := w.store.Shipment(context.Background(), sd.ID, o.OrderID, "1")
	if stored.State != fulfillment.ShipmentPending {
		t.Errorf("shipment state %q, want pending while the feed's outcome is unknown", stored.State)
	}
}
