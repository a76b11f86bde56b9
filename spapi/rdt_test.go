package spapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func (b *bundle) getAddress(orderID string, elements ...string) *spapi.Request {
	return &spapi.Request{
		Operation:     opAddress,
		Method:        http.MethodGet,
		Path:          "/test/v0/orders/" + orderID + "/address",
		SellerID:      b.seller,
		MarketplaceID: "A1F83G8C2ARO7P",
		Restricted:    &spapi.Restricted{Path: "/test/v0/orders/{orderId}/address", DataElements: elements},
	}
}

type addressResponse struct {
	Payload struct {
		OrderID string `json:"orderId"`
		Address string `json:"address"`
	} `json:"payload"`
}

func TestGenericRDTServesManyOrders(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			id := fakeOrderID()
			var out addressResponse
			if _, err := b.client.Do(ctx, b.getAddress(id, "shippingAddress"), &out); err != nil {
				errs <- err
				return
			}
			if out.Payload.Address != "restricted" || out.Payload.OrderID != id {
				errs <- fmt.Errorf("order %s: payload %+v, want the restricted address", id, out.Payload)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 1 {
		t.Errorf("createRestrictedDataToken calls = %d, want 1 for 100 orders", n)
	}
	for _, e := range b.srv.RequestsFor(opAddress) {
		if !e.UsedRDT {
			t.Errorf("request %s used the access token, want the RDT", e.Path)
			break
		}
	}
}

func TestRestrictedDataEmptyWithoutRDT(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	req := b.getAddress("123-1234567-1234567")
	req.Restricted = nil
	var out addressResponse
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, &out); err != nil {
		t.Fatal(err)
	}
	if out.Payload.Address != "" {
		t.Errorf("address = %q without an RDT, want empty", out.Payload.Address)
	}
}

func TestRDTDataElementsKeyTheCache(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	ctx := ctxTimeout(t, 10*time.Second)
	for _, elems := range [][]string{{"shippingAddress"}, {"buyerInfo"}, {"shippingAddress"}, {"buyerInfo", "shippingAddress"}, {"shippingAddress", "buyerInfo"}} {
		if _, err := b.client.Do(ctx, b.getAddress("1", elems...), nil); err != nil {
			t.Fatalf("elements %v: %v", elems, err)
		}
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 3 {
		t.Errorf("createRestrictedDataToken calls = %d, want 3 (one per distinct set of elements)", n)
	}
	// With only buyerInfo the token does not cover the address.
	var out addressResponse
	if _, err := b.client.Do(ctx, b.getAddress("1", "buyerInfo"), &out); err != nil {
		t.Fatal(err)
	}
	if out.Payload.Address != "" {
		t.Errorf("address = %q with a buyerInfo-only RDT, want empty", out.Payload.Address)
	}
}

func TestRDTMissingDataElement(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.AddSeller(spapitest.Seller{ID: b.seller, DeniedDataElements: []string{"shippingAddress"}})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getAddress("1", "shippingAddress"), nil)
	if !errors.Is(err, spapi.ErrMissingRole) {
		t.Fatalf("error = %v, want ErrMissingRole", err)
	}
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || apiErr.Operation != "tokens.createRestrictedDataToken" {
		t.Errorf("error = %v, want the createRestrictedDataToken failure", err)
	}
	if n := b.srv.Count(opAddress, 0); n != 0 {
		t.Errorf("address requests = %d, want 0", n)
	}
}

func TestRDTMissingRole(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.AddSeller(spapitest.Seller{ID: b.seller, NoRestrictedRole: true})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getAddress("1", "shippingAddress"), nil)
	if !errors.Is(err, spapi.ErrMissingRole) {
		t.Fatalf("error = %v, want ErrMissingRole", err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 1 {
		t.Errorf("createRestrictedDataToken calls = %d, want 1 (no retry)", n)
	}
}

func TestRDTSpecificPathRequired(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	docID := "amzn1.spdoc.1.4.eu.0c1a2b3c"
	req := &spapi.Request{
		Operation: opDocument, Method: http.MethodGet, Path: "/test/v0/documents/" + docID,
		SellerID: b.seller, Region: spapi.Europe,
		Restricted: &spapi.Restricted{Path: "/test/v0/documents/{documentId}"},
	}
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, nil)
	if !errors.Is(err, spapi.ErrInvalidInput) {
		t.Fatalf("generic path: error = %v, want ErrInvalidInput", err)
	}

	req.Restricted.Path = "/test/v0/documents/" + docID
	var out struct {
		Restricted bool `json:"restricted"`
	}
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, &out); err != nil {
		t.Fatalf("specific path: %v", err)
	}
	if !out.Restricted {
		t.Error("server did not see an RDT covering the specific path")
	}
}

func TestRDTRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.Now = clk.Now })
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := b.client.Do(ctx, b.getAddress("1", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(50 * time.Minute)
	if _, err := b.client.Do(ctx, b.getAddress("2", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 1 {
		t.Errorf("RDT requests at 50 min = %d, want 1", n)
	}
	clk.Advance(6 * time.Minute)
	if _, err := b.client.Do(ctx, b.getAddress("3", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 2 {
		t.Errorf("RDT requests at 56 min = %d, want 2", n)
	}
}

func TestExpiredRDTReplacedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := b.client.Do(ctx, b.getAddress("1", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	b.srv.ExpireTokens()
	var out addressResponse
	if _, err := b.client.Do(ctx, b.getAddress("2", "shippingAddress"), &out); err != nil {
		t.Fatalf("Do after the RDT expired: %v", err)
	}
	if out.Payload.Address != "restricted" {
		t.Errorf("address = %q, want restricted data with the new RDT", out.Payload.Address)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", http.StatusOK); n != 2 {
		t.Errorf("successful RDT requests = %d, want 2", n)
	}
}

func TestPrefetchRDTBatchesFifty(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	var resources []spapi.RestrictedResource
	var ids []string
	for range 120 {
		id := fakeOrderID()
		ids = append(ids, id)
		resources = append(resources, spapi.RestrictedResource{
			Method: "get", Path: "/test/v0/orders/" + id + "/address", DataElements: []string{"shippingAddress"},
		})
	}
	ctx := ctxTimeout(t, 20*time.Second)
	if err := b.client.PrefetchRestrictedDataTokens(ctx, b.seller, spapi.Europe, resources); err != nil {
		t.Fatalf("PrefetchRestrictedDataTokens: %v", err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", http.StatusOK); n != 3 {
		t.Errorf("createRestrictedDataToken calls = %d, want 3 for 120 resources", n)
	}
	for _, id := range ids[:3] {
		req := b.getAddress(id, "shippingAddress")
		req.Restricted.Path = "/test/v0/orders/" + id + "/address"
		var out addressResponse
		if _, err := b.client.Do(ctx, req, &out); err != nil {
			t.Fatal(err)
		}
		if out.Payload.Address != "restricted" {
			t.Errorf("order %s: no restricted data with a prefetched RDT", id)
		}
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 3 {
		t.Errorf("createRestrictedDataToken calls after use = %d, want still 3", n)
	}
}

func TestRDTRequestCapped(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	err := b.client.PrefetchRestrictedDataTokens(ctxTimeout(t, 5*time.Second), b.seller, spapi.Europe, nil)
	if err != nil {
		t.Errorf("prefetching nothing: %v", err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 0 {
		t.Errorf("createRestrictedDataToken calls = %d, want 0", n)
	}
}

func TestRDTRequestThrottledThenIssued(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: "tokens.createRestrictedDataToken", Status: 429, Times: 2})
	var out addressResponse
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getAddress("1", "shippingAddress"), &out); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if out.Payload.Address != "restricted" {
		t.Error("no restricted data after the RDT request was retried")
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 3 {
		t.Errorf("createRestrictedDataToken calls = %d, want 3", n)
	}
	if n := b.srv.Count(opAddress, 0); n != 1 {
		t.Errorf("address calls = %d, want 1", n)
	}
}

func TestRDTServiceFailureNotRetriedTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.Retry.MaxAttempts = 3 })
	b.srv.InjectFault(spapitest.Fault{Operation: "tokens.createRestrictedDataToken", Status: 503, Times: -1})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getAddress("1", "shippingAddress"), nil)
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("error = %v, want ErrServerUnavailable", err)
	}
	// The token request retries on its own; the call does not repeat it.
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 3 {
		t.Errorf("createRestrictedDataToken calls = %d, want 3", n)
	}
}

func TestRDTAbsurdLifetimeCappedAtHour(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	b := setup(t, spapitest.Options{RDTTTL: 400 * 24 * time.Hour}, func(c *spapi.Config) { c.Now = clk.Now })
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := b.client.Do(ctx, b.getAddress("1", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	if _, err := b.client.Do(ctx, b.getAddress("2", "shippingAddress"), nil); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.Count("tokens.createRestrictedDataToken", 0); n != 2 {
		t.Errorf("RDT requests after 2 h with a 400-day expiresIn = %d, want 2", n)
	}
}
