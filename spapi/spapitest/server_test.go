package spapitest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// rawCall sends a request to the server with an access token for seller in
// Europe, returning the status, headers and body.
func rawCall(t *testing.T, srv *spapitest.Server, method, path, token, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.Endpoint(spapi.Europe)+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// token gets an access token for a seller in Europe from the LWA endpoint.
func token(t *testing.T, srv *spapitest.Server, seller string) string {
	t.Helper()
	cfg := srv.ClientConfig()
	cred := cfg.Credentials.(spapi.Credentials)[spapi.CredentialKey{SellerID: seller, Region: spapi.Europe}]
	resp, err := srv.Client().PostForm(srv.LWAEndpoint(), url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {cred.RefreshToken},
		"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token response: %v", err)
	}
	return out.AccessToken
}

func newTestServer(t *testing.T, opts spapitest.Options) (*spapitest.Server, string) {
	t.Helper()
	if opts.Plans == nil {
		opts.Plans = spapi.Plans{"test.ping": {Rate: 0.1, Burst: 2}}
	}
	srv := spapitest.NewServer(t, opts)
	seller := gofakeit.New(2).Regex("A[A-Z0-9]{13}")
	srv.AddSeller(spapitest.Seller{ID: seller})
	srv.Handle("test.ping", http.MethodGet, "/test/v0/ping", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, map[string]bool{"rdt": call.HasRDT()})
	})
	srv.HandleRestricted("test.address", http.MethodGet, "/test/v0/orders/{orderId}/address",
		spapitest.Restriction{DataElements: []string{"shippingAddress"}},
		func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
			spapitest.WriteJSON(w, http.StatusOK, map[string]bool{"restricted": call.Restricted("shippingAddress")})
		})
	return srv, seller
}

func TestServerThrottlesWithoutRateHeader(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{})
	tok := token(t, srv, seller)
	var statuses []int
	for range 3 {
		status, h, body := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
		statuses = append(statuses, status)
		if status == http.StatusOK && h.Get("x-amzn-RateLimit-Limit") != "0.1" {
			t.Errorf("200 rate header = %q, want 0.1", h.Get("x-amzn-RateLimit-Limit"))
		}
		if status == http.StatusTooManyRequests {
			if h.Get("x-amzn-RateLimit-Limit") != "" {
				t.Errorf("429 carries rate header %q, want none by default", h.Get("x-amzn-RateLimit-Limit"))
			}
			if h.Get("x-amzn-RequestId") == "" {
				t.Error("429 has no request ID")
			}
			if !strings.Contains(body, "QuotaExceeded") {
				t.Errorf("429 body = %s", body)
			}
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Errorf("statuses = %v, want burst 2 then 429", statuses)
	}
}

func TestServerRateHeaderOn429(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{RateHeaderOn429: true})
	tok := token(t, srv, seller)
	for range 2 {
		rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	}
	status, h, _ := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	if status != 429 || h.Get("x-amzn-RateLimit-Limit") != "0.1" {
		t.Errorf("status %d rate header %q, want 429 with 0.1", status, h.Get("x-amzn-RateLimit-Limit"))
	}
}

func TestServerTimeScale(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{TimeScale: 1000})
	tok := token(t, srv, seller)
	rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	time.Sleep(30 * time.Millisecond) // 30 s of scaled time at 0.1/s
	status, h, _ := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	if status != 200 {
		t.Errorf("status after 30ms at time scale 1000 = %d, want 200", status)
	}
	if h.Get("x-amzn-RateLimit-Limit") != "100" {
		t.Errorf("rate header = %q, want the scaled rate 100", h.Get("x-amzn-RateLimit-Limit"))
	}
	if got := srv.ClientConfig().Plans["test.ping"]; got.Rate != 100 || got.Burst != 2 {
		t.Errorf("client plan = %+v, want {100 2}", got)
	}
}

func TestServerSellerPlan(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{})
	srv.SetSellerPlan(seller, "test.ping", spapi.Plan{Rate: 0.1, Burst: 5})
	tok := token(t, srv, seller)
	for i := range 5 {
		if status, _, _ := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, ""); status != 200 {
			t.Errorf("call %d: status %d, want 200 within the seller's burst of 5", i, status)
		}
	}
	if got := srv.ClientConfig().SellerPlans[seller]["test.ping"]; got.Burst != 5 {
		t.Errorf("client seller plan = %+v, want burst 5", got)
	}
}

func TestServerRejectsBadTokens(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{})
	for _, tt := range []struct{ token, details string }{
		{"", ""},
		{"Atza|unknown", "revoked, malformed or invalid"},
	} {
		status, _, body := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tt.token, "")
		if status != 403 || !strings.Contains(body, "Unauthorized") || !strings.Contains(body, tt.details) {
			t.Errorf("token %q: %d %s", tt.token, status, body)
		}
		if tt.details == "" && strings.Contains(body, "details") {
			t.Errorf("missing token: body %s has details, want none", body)
		}
	}
	tok := token(t, srv, seller)
	srv.ExpireTokens()
	if status, _, body := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, ""); status != 403 || !strings.Contains(body, "has expired") {
		t.Errorf("expired token: %d %s", status, body)
	}
}

func TestServerRDTRules(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{})
	tok := token(t, srv, seller)
	resource := func(path string, elems ...string) string {
		b, _ := json.Marshal(map[string]any{"method": "GET", "path": path, "dataElements": elems})
		return string(b)
	}
	tests := []struct {
		name, body string
		status     int
	}{
		{"not an array", `{"restrictedResources":` + resource("/test/v0/orders/{orderId}/address") + `}`, 400},
		{"empty", `{"restrictedResources":[]}`, 400},
		{"51 resources", `{"restrictedResources":[` + strings.Repeat(resource("/test/v0/orders/{orderId}/address")+",", 50) + resource("/test/v0/orders/{orderId}/address") + `]}`, 400},
		{"not restricted", `{"restrictedResources":[` + resource("/test/v0/ping") + `]}`, 400},
		{"unknown element", `{"restrictedResources":[` + resource("/test/v0/orders/{orderId}/address", "buyerTaxInformation") + `]}`, 400},
		{"50 resources", `{"restrictedResources":[` + strings.Repeat(resource("/test/v0/orders/1/address")+",", 49) + resource("/test/v0/orders/{orderId}/address") + `]}`, 200},
	}
	for _, tt := range tests {
		status, _, body := rawCall(t, srv, http.MethodPost, "/tokens/2021-03-01/restrictedDataToken", tok, tt.body)
		if status != tt.status {
			t.Errorf("%s: status %d (%s), want %d", tt.name, status, body, tt.status)
		}
	}

	_, _, body := rawCall(t, srv, http.MethodPost, "/tokens/2021-03-01/restrictedDataToken", tok,
		`{"restrictedResources":[`+resource("/test/v0/orders/{orderId}/address", "shippingAddress")+`]}`)
	var out struct {
		RestrictedDataToken string `json:"restrictedDataToken"`
		ExpiresIn           int    `json:"expiresIn"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.RestrictedDataToken == "" || out.ExpiresIn != 3600 {
		t.Fatalf("RDT response %s", body)
	}
	if status, _, body := rawCall(t, srv, http.MethodGet, "/test/v0/orders/123-1234567-1234567/address", out.RestrictedDataToken, ""); status != 200 || !strings.Contains(body, `"restricted":true`) {
		t.Errorf("RDT on a covered path: %d %s", status, body)
	}
	if status, _, _ := rawCall(t, srv, http.MethodGet, "/test/v0/ping", out.RestrictedDataToken, ""); status != 403 {
		t.Errorf("RDT on an uncovered path: status %d, want 403", status)
	}
	if status, _, body := rawCall(t, srv, http.MethodGet, "/test/v0/orders/1/address", tok, ""); status != 200 || !strings.Contains(body, `"restricted":false`) {
		t.Errorf("access token on a restricted operation: %d %s, want data without restricted fields", status, body)
	}
	if status, _, _ := rawCall(t, srv, http.MethodPost, "/tokens/2021-03-01/restrictedDataToken", out.RestrictedDataToken,
		`{"restrictedResources":[`+resource("/test/v0/orders/{orderId}/address")+`]}`); status != 403 {
		t.Errorf("RDT used to request an RDT: status %d, want 403", status)
	}
}

func TestServerLWAEndpoint(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, spapitest.Options{})
	resp, err := srv.Client().Get(srv.LWAEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token endpoint: %d, want 405", resp.StatusCode)
	}
	cfg := srv.ClientConfig()
	resp, err = srv.Client().PostForm(srv.LWAEndpoint(), url.Values{"grant_type": {"password"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "unsupported_grant_type") {
		t.Errorf("password grant: %d %s", resp.StatusCode, body)
	}
}

func TestServerUnknownPath(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, spapitest.Options{})
	resp, err := srv.Client().Get(srv.URL + "/orders/v0/orders")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("path without region prefix: %d, want 404", resp.StatusCode)
	}
}

func TestServerFaultTimes(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{Plans: spapi.Plans{"test.ping": {Rate: 1000, Burst: 1000}}})
	tok := token(t, srv, seller)
	srv.InjectFault(spapitest.Fault{Operation: "test.ping", Status: 500, Times: 2})
	srv.InjectFault(spapitest.Fault{Operation: "test.ping", SellerID: "A2SOMEONEELSE", Status: 418, Times: -1})
	var got []int
	for range 3 {
		status, h, body := rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
		got = append(got, status)
		if status == 500 && (!strings.Contains(body, "<html>") || !strings.HasPrefix(h.Get("Content-Type"), "text/html")) {
			t.Errorf("500 fault body %q type %q, want an HTML page", body, h.Get("Content-Type"))
		}
	}
	if got[0] != 500 || got[1] != 500 || got[2] != 200 {
		t.Errorf("statuses = %v, want 500 500 200", got)
	}
	entries := srv.RequestsFor("test.ping")
	if len(entries) != 3 || !entries[0].Fault || entries[2].Fault {
		t.Errorf("log faults = %+v", entries)
	}
	if entries[0].SellerID != seller || entries[0].Status != 500 {
		t.Errorf("first entry = %+v, want seller and status 500", entries[0])
	}
}

func TestServerLogBounded(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{MaxLogEntries: 8, Plans: spapi.Plans{"test.ping": {Rate: 1000, Burst: 1000}}})
	tok := token(t, srv, seller)
	for range 30 {
		rawCall(t, srv, http.MethodGet, "/test/v0/ping", tok, "")
	}
	if n := len(srv.Requests()); n < 8 || n > 10 {
		t.Errorf("log holds %d entries, want 8 to 10 with MaxLogEntries 8", n)
	}
	entries := srv.Requests()
	if last := entries[len(entries)-1]; last.Operation != "test.ping" {
		t.Errorf("last entry = %+v, want the latest ping", last)
	}
}

func TestServerUnregisteredOperation(t *testing.T) {
	t.Parallel()
	srv, seller := newTestServer(t, spapitest.Options{})
	status, _, body := rawCall(t, srv, http.MethodGet, "/nothing/v0/here", token(t, srv, seller), "")
	if status != http.StatusNotFound || !strings.Contains(body, `"code":"NotFound"`) {
		t.Errorf("unregistered path: %d %s, want a JSON 404", status, body)
	}
	entries := srv.Requests()
	if last := entries[len(entries)-1]; last.Path != "/nothing/v0/here" || last.Status != 404 || last.Region != spapi.Europe {
		t.Errorf("logged %+v, want the 404 in eu", last)
	}
}
