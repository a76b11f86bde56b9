package spapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// Test operations live under /test so that they never collide with the
// operations the typed API packages register on spapitest.
const (
	opGetItem    = "test.getItem"
	opCreateItem = "test.createItem"
	opAddress    = "test.getItemAddress"
	opDocument   = "test.getDocument"
	opDestin     = "test.getDestinations"
	opPaged      = "test.listItems"
)

// testPlans are generous plans for the test operations, so that only tests
// that lower them see throttling.
var testPlans = spapi.Plans{
	opGetItem:    {Rate: 1000, Burst: 1000},
	opCreateItem: {Rate: 1000, Burst: 1000},
	opAddress:    {Rate: 1000, Burst: 1000},
	opDocument:   {Rate: 1000, Burst: 1000},
	opDestin:     {Rate: 1000, Burst: 1000},
	opPaged:      {Rate: 1000, Burst: 1000},
}

var seedCounter atomic.Int64

// fakeSellerID returns a synthetic seller ID shaped like Amazon's.
func fakeSellerID() string {
	f := gofakeit.New(uint64(seedCounter.Add(1)))
	return "A" + strings.ToUpper(f.Regex("[A-Z0-9]{13}"))
}

// fakeOrderID returns a synthetic order ID shaped like Amazon's.
func fakeOrderID() string {
	f := gofakeit.New(uint64(seedCounter.Add(1)))
	return fmt.Sprintf("%03d-%07d-%07d", f.IntRange(100, 999), f.IntRange(0, 9999999), f.IntRange(0, 9999999))
}

type bundle struct {
	srv    *spapitest.Server
	client *spapi.Client
	cfg    spapi.Config
	seller string
}

// setup starts a server with the test operations and one seller, and builds
// a client; adjust, when not nil, changes the client configuration first.
func setup(t testing.TB, opts spapitest.Options, adjust func(*spapi.Config)) *bundle {
	t.Helper()
	plans := spapi.Plans{}
	for op, p := range testPlans {
		plans[op] = p
	}
	for op, p := range opts.Plans {
		plans[op] = p
	}
	opts.Plans = plans
	srv := spapitest.NewServer(t, opts)
	seller := fakeSellerID()
	srv.AddSeller(spapitest.Seller{ID: seller})
	registerTestOperations(srv)

	cfg := srv.ClientConfig()
	if adjust != nil {
		adjust(&cfg)
	}
	client, err := spapi.New(cfg)
	if err != nil {
		t.Fatalf("spapi.New: %v", err)
	}
	return &bundle{srv: srv, client: client, cfg: cfg, seller: seller}
}

func registerTestOperations(srv *spapitest.Server) {
	srv.Handle(opGetItem, http.MethodGet, "/test/v0/items/{id}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]string{
			"id": r.PathValue("id"), "sellerId": call.SellerID,
		}})
	})
	srv.Handle(opCreateItem, http.MethodPost, "/test/v0/items", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]string{"sellerId": call.SellerID}})
	})
	srv.HandleRestricted(opAddress, http.MethodGet, "/test/v0/orders/{orderId}/address",
		spapitest.Restriction{DataElements: []string{"shippingAddress", "buyerInfo"}},
		func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
			payload := map[string]any{"orderId": r.PathValue("orderId")}
			if call.Restricted("shippingAddress") {
				payload["address"] = "restricted"
			}
			spapitest.WriteJSON(w, http.StatusOK, map[string]any{"payload": payload})
		})
	srv.HandleRestricted(opDocument, http.MethodGet, "/test/v0/documents/{documentId}",
		spapitest.Restriction{SpecificPathOnly: true},
		func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
			spapitest.WriteJSON(w, http.StatusOK, map[string]any{"restricted": call.Restricted("")})
		})
	srv.HandleGrantless(opDestin, http.MethodGet, "/test/v1/destinations", "sellingpartnerapi::notifications",
		func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
			spapitest.WriteJSON(w, http.StatusOK, map[string]any{"payload": []any{}, "grantless": call.Grantless})
		})
}

// getItem is the request of the test operation opGetItem.
func (b *bundle) getItem(id string) *spapi.Request {
	return &spapi.Request{
		Operation:     opGetItem,
		Method:        http.MethodGet,
		Path:          "/test/v0/items/" + id,
		SellerID:      b.seller,
		MarketplaceID: "ATVPDKIKX0DER",
	}
}

type itemResponse struct {
	Payload struct {
		ID       string `json:"id"`
		SellerID string `json:"sellerId"`
	} `json:"payload"`
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
