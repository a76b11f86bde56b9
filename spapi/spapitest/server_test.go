package spapitest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestServerRoundTrip(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	seller := gofakeit.New(1).LetterN(13)
	srv.AddSeller(spapitest.Seller{ID: seller})
	srv.Handle("orders.getOrder", http.MethodGet, "/orders/v0/orders/{orderId}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]string{
			"AmazonOrderId": r.PathValue("orderId"), "SellerId": call.SellerID,
		}})
	})
	client := srv.NewClient(t)

	var out struct {
		Payload struct{ AmazonOrderId, SellerId string }
	}
	resp, err := client.Do(context.Background(), &spapi.Request{
		Operation:     "orders.getOrder",
		Method:        http.MethodGet,
		Path:          "/orders/v0/orders/123-4567890-1234567",
		SellerID:      seller,
		MarketplaceID: "A1PA6795UKMFR9",
	}, &out)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if out.Payload.AmazonOrderId != "123-4567890-1234567" {
		t.Errorf("order ID = %q, want 123-4567890-1234567", out.Payload.AmazonOrderId)
	}
	if out.Payload.SellerId != seller {
		t.Errorf("seller = %q, want %q", out.Payload.SellerId, seller)
	}
	if resp.RequestID == "" {
		t.Error("response has no request ID")
	}
	if got := srv.Count(spapitest.LWAOperation, http.StatusOK); got != 1 {
		t.Errorf("LWA requests = %d, want 1", got)
	}
	if got := srv.RequestsFor("orders.getOrder"); len(got) != 1 || got[0].Region != spapi.Europe {
		t.Errorf("logged getOrder requests = %+v, want one in eu", got)
	}
}
