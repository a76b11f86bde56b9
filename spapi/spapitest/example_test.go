package spapitest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// Example registers an operation, injects a fault and reads the request log.
func Example() {
	srv := spapitest.New(spapitest.Options{Plans: spapi.Plans{"example.getItem": {Rate: 2, Burst: 5}}})
	defer srv.Close()
	srv.AddSeller(spapitest.Seller{ID: "A1EXAMPLESELLER", Regions: []spapi.Region{spapi.Europe}})
	srv.Handle("example.getItem", http.MethodGet, "/example/v0/items/{id}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	// The first call meets a 503 with an HTML body, which the client retries.
	srv.InjectFault(spapitest.Fault{Operation: "example.getItem", Status: http.StatusServiceUnavailable})

	client, err := spapi.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &spapi.Request{
		Operation: "example.getItem", Method: http.MethodGet, Path: "/example/v0/items/42",
		SellerID: "A1EXAMPLESELLER", MarketplaceID: "A13V1IB3VIYZZH",
	}
	resp, err := client.Do(context.Background(), req, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("attempts:", resp.Attempts)
	for _, e := range srv.RequestsFor("example.getItem") {
		fmt.Println(e.Region, e.Path, e.Status)
	}

	// The seller authorised Europe only: a call for Japan fails before any request.
	req.MarketplaceID = "A1VC38T7YXB528"
	_, err = client.Do(context.Background(), req, nil)
	fmt.Println(errors.Is(err, spapi.ErrNoCredential))
	// Output:
	// attempts: 2
	// eu /example/v0/items/42 503
	// eu /example/v0/items/42 200
	// true
}
