package spapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// Example sends one call through a client configured for a spapitest server.
func Example() {
	srv := spapitest.New(spapitest.Options{Plans: spapi.Plans{"example.getItem": {Rate: 5, Burst: 10}}})
	defer srv.Close()
	srv.AddSeller(spapitest.Seller{ID: "A1EXAMPLESELLER"})
	srv.Handle("example.getItem", http.MethodGet, "/example/v0/items/{id}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "seller": call.SellerID})
	})

	client, err := spapi.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	var out struct{ ID, Seller string }
	_, err = client.Do(context.Background(), &spapi.Request{
		Operation:     "example.getItem",
		Method:        http.MethodGet,
		Path:          "/example/v0/items/" + url.PathEscape("SKU 1/2"),
		SellerID:      "A1EXAMPLESELLER",
		MarketplaceID: "A1PA6795UKMFR9", // amazon.de, served by the Europe region
	}, &out)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.ID, out.Seller)
	// Output: SKU 1/2 A1EXAMPLESELLER
}

// ExampleError shows how a caller tells throttling from other failures.
func ExampleError() {
	srv := spapitest.New(spapitest.Options{Plans: spapi.Plans{"example.getItem": {Rate: 5, Burst: 10}}})
	defer srv.Close()
	srv.AddSeller(spapitest.Seller{ID: "A1EXAMPLESELLER"})
	srv.Handle("example.getItem", http.MethodGet, "/example/v0/items/{id}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]string{})
	})
	srv.InjectFault(spapitest.Fault{Operation: "example.getItem", Status: 429, Times: -1,
		Body: `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`})

	cfg := srv.ClientConfig()
	cfg.Retry.MaxAttempts = 2
	client, _ := spapi.New(cfg)
	_, err := client.Do(context.Background(), &spapi.Request{
		Operation: "example.getItem", Method: http.MethodGet, Path: "/example/v0/items/1",
		SellerID: "A1EXAMPLESELLER", Region: spapi.Europe,
	}, nil)

	var apiErr *spapi.Error
	if errors.As(err, &apiErr) && errors.Is(err, spapi.ErrThrottled) {
		fmt.Println(apiErr.StatusCode, apiErr.Errors[0].Code, apiErr.Attempts)
	}
	// Output: 429 QuotaExceeded 2
}

// ExamplePages iterates over the pages of a paged operation.
func ExamplePages() {
	srv := spapitest.New(spapitest.Options{Plans: spapi.Plans{"example.listItems": {Rate: 5, Burst: 10}}})
	defer srv.Close()
	srv.AddSeller(spapitest.Seller{ID: "A1EXAMPLESELLER"})
	srv.Handle("example.listItems", http.MethodGet, "/example/v0/items", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		next := map[string]string{"": "page/2+", "page/2+": "page=3"}[r.URL.Query().Get("nextToken")]
		spapitest.WriteJSON(w, http.StatusOK, map[string]any{"token": r.URL.Query().Get("nextToken"), "nextToken": next})
	})
	client, _ := spapi.New(srv.ClientConfig())

	type page struct {
		Token     string `json:"token"`
		NextToken string `json:"nextToken"`
	}
	first := &spapi.Request{
		Operation: "example.listItems", Method: http.MethodGet, Path: "/example/v0/items",
		Query:    url.Values{"createdSince": {spapi.FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}},
		SellerID: "A1EXAMPLESELLER", Region: spapi.Europe,
	}
	ctx := context.Background()
	for p, err := range spapi.Pages(ctx, client, first, spapi.PaginationReports, func(p *page) string { return p.NextToken }) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("page for token %q\n", p.Token)
	}
	// Output:
	// page for token ""
	// page for token "page/2+"
	// page for token "page=3"
}

// ExampleClient_OpenDocument downloads a gzipped report document.
func ExampleClient_OpenDocument() {
	srv := spapitest.New(spapitest.Options{})
	defer srv.Close()
	_, docURL := srv.AddDocument([]byte("sku\tquantity\nBELT-01\t3\n"), spapitest.DocumentOptions{
		ContentType: "text/tab-separated-values; charset=windows-1252", Gzip: true,
	})
	client, _ := spapi.New(srv.ClientConfig())

	r, err := client.OpenDocument(context.Background(), spapi.Document{URL: docURL, CompressionAlgorithm: "GZIP"}, spapi.DownloadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	var sku string
	var qty int
	fmt.Fscanf(r, "sku\tquantity\n%s\t%d\n", &sku, &qty)
	fmt.Println(sku, qty)
	// Output: BELT-01 3
}
