package spapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestAccessTokenSharedUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Do: %v", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1 for 50 concurrent calls", n)
	}
}

func TestTokensNeverCrossSellers(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	second := fakeSellerID()
	b.srv.AddSeller(spapitest.Seller{ID: second})
	client := b.srv.NewClient(t)

	var wg sync.WaitGroup
	var mismatches, failures atomic.Int64
	for i := range 100 {
		seller := b.seller
		if i%2 == 1 {
			seller = second
		}
		wg.Go(func() {
			req := b.getItem("1")
			req.SellerID = seller
			var out itemResponse
			if _, err := client.Do(ctxTimeout(t, 10*time.Second), req, &out); err != nil {
				failures.Add(1)
				return
			}
			if out.Payload.SellerID != seller {
				mismatches.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d calls failed", n)
	}
	if n := mismatches.Load(); n != 0 {
		t.Errorf("%d calls reached the server with another seller's token", n)
	}
	if n := b.srv.Count(spapitest.LWAOperation, http.StatusOK); n != 2 {
		t.Errorf("LWA requests = %d, want one per seller (2)", n)
	}
}

// clock is a settable time source for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestAccessTokenRefreshedAheadOfExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Now = clk.Now
		c.TokenRefreshBefore = 5 * time.Minute
	})
	ctx := ctxTimeout(t, 10*time.Second)
	for range 3 {
		if _, err := b.client.Do(ctx, b.getItem("1"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Fatalf("LWA requests = %d, want 1", n)
	}

	// 54 minutes into a 60-minute token: still more than 5 minutes left.
	clk.Advance(54 * time.Minute)
	if _, err := b.client.Do(ctx, b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests at 54 min = %d, want 1", n)
	}

	// 56 minutes: inside the refresh window, so a new token comes first.
	clk.Advance(2 * time.Minute)
	if _, err := b.client.Do(ctx, b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
		t.Errorf("LWA requests at 56 min = %d, want 2", n)
	}
}

func TestInvalidGrantIsFinal(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.RevokeSeller(b.seller)
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrCredentialRevoked) {
		t.Fatalf("error = %v, want ErrCredentialRevoked", err)
	}
	var tokenErr *spapi.TokenError
	if !errors.As(err, &tokenErr) {
		t.Fatalf("error %T is not a *spapi.TokenError", err)
	}
	if tokenErr.Code != "invalid_grant" {
		t.Errorf("Code = %q, want invalid_grant", tokenErr.Code)
	}
	if errors.Is(err, spapi.ErrInvalidClient) || errors.Is(err, spapi.ErrClientSecretExpired) {
		t.Errorf("invalid_grant also matches another credential error: %v", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1 (no retry)", n)
	}
	if n := b.srv.Count(opGetItem, 0); n != 0 {
		t.Errorf("getItem requests = %d, want 0", n)
	}
}

func TestInvalidClientIsFinal(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.ClientSecret = "amzn1.oa2-cs.v1.wrong" })
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrInvalidClient) {
		t.Fatalf("error = %v, want ErrInvalidClient", err)
	}
	if errors.Is(err, spapi.ErrClientSecretExpired) || errors.Is(err, spapi.ErrCredentialRevoked) {
		t.Errorf("invalid_client also matches another credential error: %v", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1 (no retry)", n)
	}
}

func TestExpiredClientSecretIsFinal(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.ExpireClientSecret()
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrClientSecretExpired) {
		t.Fatalf("error = %v, want ErrClientSecretExpired", err)
	}
	if errors.Is(err, spapi.ErrInvalidClient) {
		t.Errorf("expired secret also matches ErrInvalidClient: %v", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1 (no retry)", n)
	}
}

func TestLWATransientFailuresRetried(t *testing.T) {
	t.Parallel()
	tests := []spapitest.Fault{
		{Operation: spapitest.LWAOperation, Status: 503},
		{Operation: spapitest.LWAOperation, Status: 500, Body: `{"error":"server_error","error_description":"Internal error"}`},
		{Operation: spapitest.LWAOperation, Status: 503, Body: `{"error":"temporarily_unavailable","error_description":null}`},
		{Operation: spapitest.LWAOperation, Drop: true},
	}
	for _, f := range tests {
		b := setup(t, spapitest.Options{}, nil)
		b.srv.InjectFault(f)
		if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
			t.Errorf("fault %+v: %v", f, err)
		}
		if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
			t.Errorf("fault status %d drop %v: LWA requests = %d, want 2", f.Status, f.Drop, n)
		}
	}
}

func TestLWAInvalidRequestNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.LWAOperation, Status: 400,
		Body: `{"error":"invalid_request","error_description":"The request is missing a required parameter"}`})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	var tokenErr *spapi.TokenError
	if !errors.As(err, &tokenErr) || tokenErr.Code != "invalid_request" {
		t.Fatalf("error = %v, want a TokenError with invalid_request", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1", n)
	}
}

func TestExpiredTokenRefreshedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := b.client.Do(ctx, b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	b.srv.ExpireTokens()

	resp, err := b.client.Do(ctx, b.getItem("2"), nil)
	if err != nil {
		t.Fatalf("Do after the token expired on the server: %v", err)
	}
	if resp.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", resp.Attempts)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
		t.Errorf("LWA requests = %d, want 2", n)
	}
}

func TestExpiredTokenTwiceFails(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, ExpiredToken: true, Times: -1})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrAccessTokenExpired) {
		t.Fatalf("error = %v, want ErrAccessTokenExpired", err)
	}
	if n := b.srv.Count(opGetItem, 0); n != 2 {
		t.Errorf("getItem requests = %d, want 2 (one retry)", n)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
		t.Errorf("LWA requests = %d, want 2 (one refresh)", n)
	}
}

func TestForbiddenWithoutDetailsNotRefreshed(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: 403,
		Body: `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}`})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrUnauthorized) {
		t.Fatalf("error = %v, want ErrUnauthorized", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1 (no refresh)", n)
	}
	if n := b.srv.Count(opGetItem, 0); n != 1 {
		t.Errorf("getItem requests = %d, want 1", n)
	}
}

func TestForbiddenAfterThrottlingNoRefreshLoop(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.Retry.MaxAttempts = 10 })
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: 429, Times: 3})
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: 403,
		Body: `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied."}]}`})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if !errors.Is(err, spapi.ErrUnauthorized) {
		t.Fatalf("error = %v, want ErrUnauthorized", err)
	}
	if n := b.srv.Count(opGetItem, 0); n != 4 {
		t.Errorf("getItem requests = %d, want 4 (three 429s, one 403)", n)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 1 {
		t.Errorf("LWA requests = %d, want 1", n)
	}
}

func TestGrantlessCall(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	var out struct {
		Grantless string `json:"grantless"`
	}
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), &spapi.Request{
		Operation: opDestin, Method: http.MethodGet, Path: "/test/v1/destinations",
		Region: spapi.Europe, Grantless: "sellingpartnerapi::notifications",
	}, &out)
	if err != nil {
		t.Fatalf("grantless Do: %v", err)
	}
	if out.Grantless != "sellingpartnerapi::notifications" {
		t.Errorf("server saw scope %q", out.Grantless)
	}

	// A seller token is rejected by a grantless operation.
	_, err = b.client.Do(ctxTimeout(t, 10*time.Second), &spapi.Request{
		Operation: opDestin, Method: http.MethodGet, Path: "/test/v1/destinations",
		Region: spapi.Europe, SellerID: b.seller,
	}, nil)
	if !errors.Is(err, spapi.ErrUnauthorized) {
		t.Errorf("seller token on grantless operation: error = %v, want ErrUnauthorized", err)
	}
}

func TestGrantlessInvalidScope(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), &spapi.Request{
		Operation: opDestin, Method: http.MethodGet, Path: "/test/v1/destinations",
		Region: spapi.Europe, Grantless: "sellingpartnerapi::nothing",
	}, nil)
	var tokenErr *spapi.TokenError
	if !errors.As(err, &tokenErr) {
		t.Fatalf("error = %v, want a TokenError", err)
	}
	if tokenErr.Code != "invalid_scope" || tokenErr.Grantless == "" {
		t.Errorf("TokenError = %+v, want invalid_scope for the grantless scope", tokenErr)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: 503})
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, ExpiredToken: true})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	logged := buf.String()
	mu.Unlock()
	if !strings.Contains(logged, "retrying") {
		t.Errorf("log has no retry record:\n%s", logged)
	}
	for _, secret := range []string{"Atza|", "Atzr|", b.cfg.ClientSecret} {
		if strings.Contains(logged, secret) {
			t.Errorf("log contains a secret starting %q", secret[:5])
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestWaitingForTokenHonoursContext(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.LWAOperation, Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := b.client.Do(ctx, b.getItem("1"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestExpiredTokenUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	b.srv.ExpireTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 30 {
		wg.Go(func() {
			if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("2"), nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call after expiry: %v", err)
	}
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
		t.Errorf("LWA requests = %d, want 2 (one refresh for 30 calls)", n)
	}
}

func TestLowerCaseMethod(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	req := b.getItem("1")
	req.Method = "get"
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, nil); err != nil {
		t.Errorf("lower-case method: %v", err)
	}
}

func TestTokenRefreshedAfterLongLimiterWait(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Now = clk.Now
		c.Limiter = advancingLimiter{clk: clk, by: 58 * time.Minute}
	})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	// The limiter "waited" 58 minutes, so the token obtained before it was
	// inside its refresh window and was replaced before the request.
	if n := b.srv.Count(spapitest.LWAOperation, 0); n != 2 {
		t.Errorf("LWA requests = %d, want 2", n)
	}
	if n := b.srv.Count(opGetItem, 0); n != 1 {
		t.Errorf("getItem requests = %d, want 1", n)
	}
}

// advancingLimiter moves a clock forward on every wait and sleeps just over
// a second, as a limiter that held a call for a long time.
type advancingLimiter struct {
	clk *clock
	by  time.Duration
}

func (l advancingLimiter) Wait(ctx context.Context, _ spapi.LimitKey, _ spapi.Plan) error {
	l.clk.Advance(l.by)
	time.Sleep(1100 * time.Millisecond)
	return ctx.Err()
}
