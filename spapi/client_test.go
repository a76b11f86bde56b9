package spapi_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestDoDecodesResponse(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	id := fakeOrderID()

	var out itemResponse
	resp, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem(id), &out)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if out.Payload.ID != id {
		t.Errorf("id = %q, want %q", out.Payload.ID, id)
	}
	if out.Payload.SellerID != b.seller {
		t.Errorf("seller = %q, want %q", out.Payload.SellerID, b.seller)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
	if resp.RequestID == "" {
		t.Error("RequestID is empty")
	}
	if resp.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", resp.Attempts)
	}
}

func TestDoSendsUserAgentAndDate(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatalf("Do: %v", err)
	}
	entries := b.srv.RequestsFor(opGetItem)
	if len(entries) != 1 {
		t.Fatalf("logged %d requests, want 1", len(entries))
	}
	ua := entries[0].Header.Get("User-Agent")
	if !regexp.MustCompile(`^spapitest-client/1\.0 \(Language=Go; Platform=[a-z0-9]+/[a-z0-9]+\)$`).MatchString(ua) {
		t.Errorf("User-Agent = %q, want AppName/Version (Language=Go; Platform=os/arch)", ua)
	}
	if ua != b.client.UserAgent() {
		t.Errorf("User-Agent = %q, client reports %q", ua, b.client.UserAgent())
	}
	if _, err := time.Parse("20060102T150405Z", entries[0].Header.Get("x-amz-date")); err != nil {
		t.Errorf("x-amz-date = %q: %v", entries[0].Header.Get("x-amz-date"), err)
	}
	if got := entries[0].Header.Get("x-amz-access-token"); got != "REDACTED" {
		t.Errorf("logged access token = %q, want it redacted", got)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	valid := spapi.Config{AppName: "erp", ApplicationID: "amzn1.sp.solution.x"}
	tests := []struct {
		name   string
		adjust func(*spapi.Config)
		field  string
	}{
		{"no app name", func(c *spapi.Config) { c.AppName = "" }, "AppName"},
		{"app name with space", func(c *spapi.Config) { c.AppName = "my erp" }, "AppName"},
		{"version with slash", func(c *spapi.Config) { c.AppVersion = "1/2" }, "AppVersion"},
		{"no application ID", func(c *spapi.Config) { c.ApplicationID = "" }, "ApplicationID"},
		{"negative attempts", func(c *spapi.Config) { c.Retry.MaxAttempts = -1 }, "MaxAttempts"},
		{"unknown region", func(c *spapi.Config) { c.Endpoints = map[spapi.Region]string{"xx": "https://x"} }, "Endpoints"},
		{"endpoint not a URL", func(c *spapi.Config) { c.Endpoints = map[spapi.Region]string{spapi.Europe: "ftp://x"} }, "Endpoints"},
		{"zero rate plan", func(c *spapi.Config) { c.Plans = spapi.Plans{"orders.getOrders": {Rate: 0, Burst: 1}} }, "Plans"},
		{"zero burst seller plan", func(c *spapi.Config) {
			c.SellerPlans = map[string]spapi.Plans{"A1": {"orders.getOrders": {Rate: 1, Burst: 0}}}
		}, "SellerPlans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tt.adjust(&cfg)
			_, err := spapi.New(cfg)
			if err == nil {
				t.Fatal("New returned no error")
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
	if _, err := spapi.New(valid); err != nil {
		t.Errorf("New(valid config): %v", err)
	}
}

func TestDoRejectsInvalidRequest(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	tests := []struct {
		name   string
		adjust func(*spapi.Request)
		want   error
	}{
		{"no operation", func(r *spapi.Request) { r.Operation = "" }, spapi.ErrInvalidRequest},
		{"no method", func(r *spapi.Request) { r.Method = "" }, spapi.ErrInvalidRequest},
		{"relative path", func(r *spapi.Request) { r.Path = "test/v0/items/1" }, spapi.ErrInvalidRequest},
		{"no seller", func(r *spapi.Request) { r.SellerID = "" }, spapi.ErrInvalidRequest},
		{"no region", func(r *spapi.Request) { r.MarketplaceID = "" }, spapi.ErrInvalidRequest},
		{"unknown marketplace", func(r *spapi.Request) { r.MarketplaceID = "XXXXXXXX" }, spapi.ErrUnknownMarketplace},
		{"region and marketplace disagree", func(r *spapi.Request) { r.Region = spapi.Europe }, spapi.ErrInvalidRequest},
		{"unknown operation", func(r *spapi.Request) { r.Operation = "test.noSuchOperation" }, spapi.ErrInvalidRequest},
		{"grantless with RDT", func(r *spapi.Request) {
			r.Grantless = "sellingpartnerapi::notifications"
			r.Restricted = &spapi.Restricted{Path: "/x"}
		}, spapi.ErrInvalidRequest},
	}
	for _, tt := range tests {
		req := b.getItem("1")
		tt.adjust(req)
		_, err := b.client.Do(ctxTimeout(t, 5*time.Second), req, nil)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := len(b.srv.Requests()); n != 0 {
		t.Errorf("server saw %d requests for invalid requests, want 0", n)
	}
}

func TestRegionWithoutCredentialFailsLocally(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	naOnly := fakeSellerID()
	b.srv.AddSeller(spapitest.Seller{ID: naOnly, Regions: []spapi.Region{spapi.NorthAmerica}})
	client := b.srv.NewClient(t)

	req := b.getItem("1")
	req.SellerID = naOnly
	req.MarketplaceID = "A1VC38T7YXB528" // Japan, served by the Far East region
	_, err := client.Do(ctxTimeout(t, 5*time.Second), req, nil)
	if !errors.Is(err, spapi.ErrNoCredential) {
		t.Fatalf("error = %v, want ErrNoCredential", err)
	}
	if n := len(b.srv.Requests()); n != 0 {
		t.Errorf("server saw %d requests, want none before failing", n)
	}

	req.MarketplaceID = "A2EUQ1WTGCTBG2" // Canada, North America
	if _, err := client.Do(ctxTimeout(t, 5*time.Second), req, nil); err != nil {
		t.Errorf("call in the authorised region: %v", err)
	}
}

func TestTokenRejectedInOtherRegion(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	// A credential store that hands the NA refresh token out for Europe too.
	naCred := b.srv.Credentials(b.seller)[spapi.CredentialKey{SellerID: b.seller, Region: spapi.NorthAmerica}]
	cfg := b.cfg
	cfg.Credentials = spapi.Credentials{{SellerID: b.seller, Region: spapi.Europe}: naCred}
	cfg.Retry.MaxAttempts = 1
	client, err := spapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := b.getItem("1")
	req.MarketplaceID = "A1PA6795UKMFR9"
	_, err = client.Do(ctxTimeout(t, 5*time.Second), req, nil)
	if !errors.Is(err, spapi.ErrUnauthorized) {
		t.Errorf("error = %v, want ErrUnauthorized", err)
	}
}

func TestErrorCarriesDetails(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{RateHeaderOn429: true}, func(c *spapi.Config) { c.Retry.MaxAttempts = 2 })
	b.srv.InjectFault(spapitest.Fault{
		Operation: opGetItem, Times: 2, Status: http.StatusTooManyRequests,
		Body:   `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`,
		Header: http.Header{"X-Amzn-Ratelimit-Limit": {"0.5"}},
	})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)

	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not a *spapi.Error", err, err)
	}
	if !errors.Is(err, spapi.ErrThrottled) {
		t.Errorf("errors.Is(err, ErrThrottled) = false for %v", err)
	}
	if apiErr.StatusCode != http.StatusTooManyRequests {
		t.Errorf("StatusCode = %d, want 429", apiErr.StatusCode)
	}
	if len(apiErr.Errors) != 1 || apiErr.Errors[0].Code != "QuotaExceeded" {
		t.Errorf("Errors = %+v, want one QuotaExceeded", apiErr.Errors)
	}
	if apiErr.RequestID == "" {
		t.Error("RequestID is empty")
	}
	if apiErr.RateLimit != 0.5 {
		t.Errorf("RateLimit = %v, want 0.5", apiErr.RateLimit)
	}
	if apiErr.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", apiErr.Attempts)
	}
	if !strings.Contains(err.Error(), apiErr.RequestID) || !strings.Contains(err.Error(), opGetItem) {
		t.Errorf("message %q lacks the request ID or operation", err)
	}
}

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		want   error
	}{
		{400, `{"errors":[{"code":"InvalidInput","message":null}]}`, spapi.ErrInvalidInput},
		{404, `{"errors":[{"code":"NotFound","message":"Not found"}]}`, spapi.ErrNotFound},
		{403, `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}`, spapi.ErrUnauthorized},
		{403, `{"errors":[{"code":"Forbidden","message":"Not allowed"}]}`, spapi.ErrForbidden},
		{403, `{"errors":[{"code":"Unauthorized","message":"The LWA secret token you provided has expired."}]}`, spapi.ErrClientSecretExpired},
		{401, ``, spapi.ErrUnauthorized},
		{422, `not json`, spapi.ErrInvalidInput},
	}
	for _, tt := range tests {
		b := setup(t, spapitest.Options{}, nil)
		b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: tt.status, Body: tt.body})
		_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
		if !errors.Is(err, tt.want) {
			t.Errorf("status %d body %s: error = %v, want %v", tt.status, tt.body, err, tt.want)
		}
		if n := b.srv.Count(opGetItem, 0); n != 1 {
			t.Errorf("status %d: %d attempts, want 1 (4xx is final)", tt.status, n)
		}
	}
}

func TestServerErrorHTMLBodyRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Times: 2, Status: http.StatusBadGateway})
	var out itemResponse
	resp, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("7"), &out)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3 (two 502s, then success)", resp.Attempts)
	}
	if out.Payload.ID != "7" {
		t.Errorf("id = %q, want 7", out.Payload.ID)
	}
}

func TestRetriesBounded(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504, 429} {
		b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.Retry.MaxAttempts = 3 })
		b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Times: -1, Status: status})
		_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
		var apiErr *spapi.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("status %d: error %v is not a *spapi.Error", status, err)
		}
		if apiErr.StatusCode != status {
			t.Errorf("status %d: StatusCode = %d", status, apiErr.StatusCode)
		}
		if got := b.srv.Count(opGetItem, 0); got != 3 {
			t.Errorf("status %d: %d attempts, want 3", status, got)
		}
		if status >= 500 && !errors.Is(err, spapi.ErrServerUnavailable) {
			t.Errorf("status %d: errors.Is(ErrServerUnavailable) = false", status)
		}
		if len(apiErr.Errors) != 0 && status >= 500 {
			t.Errorf("status %d: HTML body decoded into %+v, want no errors", status, apiErr.Errors)
		}
	}
}

func TestRetriesBoundedByElapsedTime(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Retry = spapi.RetryPolicy{MaxAttempts: 1000, MaxElapsed: 300 * time.Millisecond,
			InitialInterval: 50 * time.Millisecond, MaxInterval: 50 * time.Millisecond}
	})
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Times: -1, Status: 503})
	start := time.Now()
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("error = %v, want ErrServerUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("gave up after %v, want about 300ms", elapsed)
	}
	if n := b.srv.Count(opGetItem, 0); n < 2 || n > 20 {
		t.Errorf("%d attempts, want a few within 300ms", n)
	}
}

func TestPostNotRetriedWithoutIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	create := &spapi.Request{
		Operation: opCreateItem, Method: http.MethodPost, Path: "/test/v0/items",
		Body: map[string]string{"sku": "A/B+C"}, SellerID: b.seller, Region: spapi.NorthAmerica,
	}
	b.srv.InjectFault(spapitest.Fault{Operation: opCreateItem, Status: 503})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), create, nil); !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("error = %v, want ErrServerUnavailable", err)
	}
	if n := b.srv.Count(opCreateItem, 0); n != 1 {
		t.Errorf("POST without key: %d attempts, want 1", n)
	}

	b.srv.ResetLog()
	b.srv.InjectFault(spapitest.Fault{Operation: opCreateItem, Status: 503})
	create.IdempotencyKey = "b7a5f3a2-9c1e-4d3b-8f6e-2a1c0d9e8b7f"
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), create, nil); err != nil {
		t.Fatalf("POST with key: %v", err)
	}
	entries := b.srv.RequestsFor(opCreateItem)
	if len(entries) != 2 {
		t.Fatalf("POST with key: %d attempts, want 2", len(entries))
	}
	for _, e := range entries {
		if e.Header.Get("x-amzn-IdempotencyKey") != create.IdempotencyKey {
			t.Errorf("attempt sent idempotency key %q", e.Header.Get("x-amzn-IdempotencyKey"))
		}
	}
}

func TestPostRetriedAfterThrottling(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	create := &spapi.Request{
		Operation: opCreateItem, Method: http.MethodPost, Path: "/test/v0/items",
		Body: map[string]string{"sku": "A/B+C"}, SellerID: b.seller, Region: spapi.NorthAmerica,
	}
	b.srv.InjectFault(spapitest.Fault{Operation: opCreateItem, Status: http.StatusTooManyRequests})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), create, nil); err != nil {
		t.Fatalf("POST after one 429: %v", err)
	}
	if n := len(b.srv.RequestsFor(opCreateItem)); n != 2 {
		t.Errorf("POST after one 429: %d attempts, want 2", n)
	}
}

func TestDroppedConnectionRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Drop: true})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatalf("GET after a dropped connection: %v", err)
	}
	// net/http may repeat the GET on a new connection itself, so count on
	// the server: the dropped request and the successful one.
	if n := b.srv.Count(opGetItem, 0); n != 2 {
		t.Errorf("server saw %d getItem requests, want 2", n)
	}

	b.srv.InjectFault(spapitest.Fault{Operation: opCreateItem, Drop: true})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), &spapi.Request{
		Operation: opCreateItem, Method: http.MethodPost, Path: "/test/v0/items",
		Body: []byte(`{}`), SellerID: b.seller, Region: spapi.NorthAmerica,
	}, nil)
	if err == nil {
		t.Fatal("POST after a dropped connection succeeded, want the network error")
	}
	var apiErr *spapi.Error
	if errors.As(err, &apiErr) {
		t.Errorf("network failure returned %v, want a non-API error", err)
	}
}

func TestTimeoutReturnsContextError(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Latency: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.client.Do(ctx, b.getItem("1"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Do returned after %v, want soon after the deadline, before the 10s latency", time.Since(start))
	}
}

func TestServiceDown(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Retry = spapi.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Millisecond}
	})
	b.srv.Close()
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if err == nil {
		t.Fatal("Do against a closed server succeeded")
	}
	var tokenErr *spapi.TokenError
	var apiErr *spapi.Error
	if errors.As(err, &apiErr) || errors.As(err, &tokenErr) {
		t.Errorf("error = %v, want a network error", err)
	}
}

func TestResponseSizeBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.MaxResponseBytes = 1024 })
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: 200, Body: `{"payload":"` + strings.Repeat("x", 4096) + `"}`})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if err == nil || !strings.Contains(err.Error(), "MaxResponseBytes") {
		t.Errorf("error = %v, want the size limit named", err)
	}
}

func TestRawBodyOutput(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	var raw []byte
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("9"), &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"id":"9"`) {
		t.Errorf("raw body = %s, want the JSON payload", raw)
	}
}
