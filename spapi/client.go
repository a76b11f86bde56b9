package spapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Client sends SP-API calls for many sellers. It gets and caches LWA access
// tokens and Restricted Data Tokens, paces calls with its [Limiter], retries
// what is safe to retry and turns failures into [*Error] values. A Client is
// safe for concurrent use; create one per application and share it.
type Client struct {
	cfg       Config
	userAgent string
	tokens    tokenCache
	rates     sync.Map // LimitKey -> float64 rate learnt from x-amzn-RateLimit-Limit
}

// New returns a Client for cfg, or an error naming the first invalid field.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Client{cfg: cfg, userAgent: cfg.userAgent()}, nil
}

// UserAgent returns the User-Agent header the client sends.
func (c *Client) UserAgent() string { return c.userAgent }

// ApplicationID returns the configured application ID.
func (c *Client) ApplicationID() string { return c.cfg.ApplicationID }

// Plan returns the plan the client paces an operation with for a seller:
// the configured or default plan, with its rate replaced by the last
// x-amzn-RateLimit-Limit value seen for the same bucket.
func (c *Client) Plan(sellerID string, region Region, operation string) (Plan, bool) {
	p, ok := c.basePlan(sellerID, operation)
	if !ok {
		return Plan{}, false
	}
	key := LimitKey{SellerID: sellerID, ApplicationID: c.cfg.ApplicationID, Region: region, Operation: operation}
	if r, ok := c.rates.Load(key); ok {
		p.Rate = r.(float64)
	}
	return p, true
}

func (c *Client) basePlan(sellerID, operation string) (Plan, bool) {
	if p, ok := c.cfg.SellerPlans[sellerID][operation]; ok {
		return p, true
	}
	if p, ok := c.cfg.Plans[operation]; ok {
		return p, true
	}
	p, ok := defaultPlans[operation]
	return p, ok
}

// call is a validated request with everything resolved that does not change
// between attempts.
type call struct {
	req        *Request
	method     string // upper case
	region     Region
	baseURL    string
	grant      lwaGrant
	plan       Plan
	limitKey   LimitKey
	body       []byte
	retryable  bool
	attempts   int
	refreshed  bool // the access token or RDT was already replaced once after a 403
	lastBearer string
}

// Do sends req and decodes a 2xx JSON body into out, unless out is nil or
// the status is 204 No Content. out may also be a *[]byte, which receives
// the raw body. When out is not nil, any other 2xx response whose body is
// empty, white space or a JSON null returns the response with an error
// wrapping [ErrEmptyResponse]. Without that error, out would keep its zero
// value as if Amazon had returned it.
//
// Before any network call Do checks the request and resolves the seller's
// credential for the region; a missing credential returns an error wrapping
// [ErrNoCredential]. Each attempt waits for the limiter, so Do blocks until a
// token is available or ctx ends. A non-2xx response returns an [*Error]; LWA
// failures return a [*TokenError]; context errors are returned unchanged.
// When the body does not decode into out, Do returns the response with the
// error.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	cl, err := c.prepare(ctx, req)
	if err != nil {
		return nil, err
	}

	op := func() (*Response, error) {
		resp, err := c.attempt(ctx, cl)
		if err == nil {
			return resp, nil
		}
		return nil, c.retryDecision(ctx, cl, err)
	}
	resp, err := backoff.Retry(ctx, op, c.retryOptions()...)
	if err != nil {
		var apiErr *Error
		if errors.As(err, &apiErr) {
			apiErr.Attempts = cl.attempts
		}
		return nil, err
	}
	resp.Attempts = cl.attempts

	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	// Decoding an empty body or a JSON null leaves out as it was, so a
	// caller would take the zero value for Amazon's result.
	if trimmed := bytes.TrimSpace(resp.Body); len(trimmed) == 0 || string(trimmed) == "null" {
		return resp, fmt.Errorf("spapi: %s: status %d without a result (body %s, request ID %s); retry later, or report the request ID to Amazon if it persists: %w",
			req.Operation, resp.StatusCode, describeEmptyBody(trimmed), resp.RequestID, ErrEmptyResponse)
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = resp.Body
		return resp, nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp, fmt.Errorf("spapi: %s: decoding response (request ID %s): %w", req.Operation, resp.RequestID, err)
	}
	return resp, nil
}

// prepare validates req and resolves its region, endpoint, credential, plan
// and body.
func (c *Client) prepare(ctx context.Context, req *Request) (*call, error) {
	if req == nil {
		return nil, fmt.Errorf("spapi: nil request: %w", ErrInvalidRequest)
	}
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("spapi: %s: %s: %w", req.Operation, fmt.Sprintf(format, args...), ErrInvalidRequest)
	}
	switch {
	case req.Operation == "":
		return nil, invalid("Request.Operation is required")
	case req.Method == "":
		return nil, invalid("Request.Method is required")
	case !strings.HasPrefix(req.Path, "/"):
		return nil, invalid("Request.Path %q must start with /", req.Path)
	case req.SellerID == "" && req.Grantless == "":
		return nil, invalid("Request.SellerID is required unless Request.Grantless is set")
	case req.Restricted != nil && req.Grantless != "":
		return nil, invalid("a grantless call cannot use a Restricted Data Token")
	case req.Restricted != nil && !strings.HasPrefix(req.Restricted.Path, "/"):
		return nil, invalid("Request.Restricted.Path %q must start with /", req.Restricted.Path)
	}

	region := req.Region
	if req.MarketplaceID != "" {
		mr, err := MarketplaceRegion(req.MarketplaceID)
		if err != nil {
			return nil, err
		}
		if region == "" {
			region = mr
		} else if region != mr {
			return nil, invalid("Request.Region %s does not serve marketplace %s (region %s)", region, req.MarketplaceID, mr)
		}
	}
	if region == "" {
		return nil, invalid("Request.Region or Request.MarketplaceID is required")
	}
	if !region.Valid() {
		return nil, invalid("unknown region %q; use na, eu or fe", region)
	}
	baseURL, ok := c.cfg.Endpoints[region]
	if !ok {
		return nil, invalid("no endpoint configured for region %s", region)
	}

	grant := lwaGrant{clientID: c.cfg.ClientID, clientSecret: c.cfg.ClientSecret, scope: req.Grantless}
	if req.Grantless == "" {
		if c.cfg.Credentials == nil {
			return nil, fmt.Errorf("spapi: %s: seller %q, region %s: Config.Credentials is nil: %w", req.Operation, req.SellerID, region, ErrNoCredential)
		}
		cred, err := c.cfg.Credentials.Credential(ctx, req.SellerID, region)
		if err != nil {
			return nil, err
		}
		if cred.ClientID != "" {
			grant.clientID, grant.clientSecret = cred.ClientID, cred.ClientSecret
		}
		grant.refreshToken = cred.RefreshToken
		if grant.refreshToken == "" {
			return nil, fmt.Errorf("spapi: seller %q, region %s: empty refresh token: %w", req.SellerID, region, ErrNoCredential)
		}
	}
	if grant.clientID == "" || grant.clientSecret == "" {
		return nil, fmt.Errorf("spapi: %s: no LWA client ID or secret (set Config.ClientID and Config.ClientSecret): %w", req.Operation, ErrNoCredential)
	}

	plan, ok := c.basePlan(req.SellerID, req.Operation)
	if !ok {
		return nil, invalid("no rate plan for operation %q; add it to Config.Plans", req.Operation)
	}

	var body []byte
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, invalid("encoding body: %v", err)
		}
	}

	method := strings.ToUpper(req.Method)
	idempotent := method == http.MethodGet || method == http.MethodHead || method == http.MethodPut ||
		method == http.MethodDelete || method == http.MethodOptions
	return &call{
		req:       req,
		method:    method,
		region:    region,
		baseURL:   strings.TrimSuffix(baseURL, "/"),
		grant:     grant,
		plan:      plan,
		limitKey:  LimitKey{SellerID: req.SellerID, ApplicationID: c.cfg.ApplicationID, Region: region, Operation: req.Operation},
		body:      body,
		retryable: idempotent || req.Idempotent || req.IdempotencyKey != "",
	}, nil
}

// limitPlan returns the plan the limiter paces cl with. Its rate is the one
// learnt from x-amzn-RateLimit-Limit when known. Its burst leaves the
// headroom unused (see [Config.Headroom]), so that delays on the way to
// Amazon do not turn into 429s.
func (c *Client) limitPlan(cl *call) Plan {
	p := cl.plan
	if r, ok := c.rates.Load(cl.limitKey); ok {
		p.Rate = r.(float64)
	}
	p.Burst -= headroomTokens(p, c.cfg.Headroom)
	return p
}

// headroomTokens returns how many tokens of p's burst cover delays of d:
// ceil(rate × d), at least one and at most burst−1.
func headroomTokens(p Plan, d time.Duration) int {
	if p.Burst <= 1 {
		return 0
	}
	n := int(math.Ceil(p.Rate * d.Seconds()))
	return min(max(n, 1), p.Burst-1)
}

// attempt makes one HTTP request for cl.
func (c *Client) attempt(ctx context.Context, cl *call) (*Response, error) {
	// The token comes first, so that the time between the limiter's grant
	// and the request reaching Amazon stays short.
	bearer, err := c.bearer(ctx, cl)
	if err != nil {
		// Token requests have retried what they may already.
		return nil, backoff.Permanent(err)
	}
	waitStart := time.Now()
	if err := c.cfg.Limiter.Wait(ctx, cl.limitKey, c.limitPlan(cl)); err != nil {
		return nil, err
	}
	if time.Since(waitStart) > time.Second {
		// A long wait may have brought the token into its refresh window;
		// the cache returns it at once when it is still fresh.
		if bearer, err = c.bearer(ctx, cl); err != nil {
			return nil, backoff.Permanent(err)
		}
	}
	cl.lastBearer = bearer

	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	u := cl.baseURL + cl.req.Path
	if len(cl.req.Query) > 0 {
		u += "?" + cl.req.Query.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("spapi: %s: building request: %v: %w", cl.req.Operation, err, ErrInvalidRequest))
	}
	for k, vs := range cl.req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("x-amz-access-token", bearer)
	hreq.Header.Set("x-amz-date", c.cfg.Now().UTC().Format("20060102T150405Z"))
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept", "application/json")
	if cl.body != nil {
		ct := cl.req.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hreq.Header.Set("Content-Type", ct)
	}
	if cl.req.IdempotencyKey != "" {
		hreq.Header.Set("x-amzn-IdempotencyKey", cl.req.IdempotencyKey)
	}

	cl.attempts++
	hresp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, newNetworkError(cl.req.Operation, err)
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, newNetworkError(cl.req.Operation, err)
	}
	if int64(len(raw)) > c.cfg.MaxResponseBytes {
		return nil, backoff.Permanent(fmt.Errorf("spapi: %s: response body exceeds Config.MaxResponseBytes (%d bytes)", cl.req.Operation, c.cfg.MaxResponseBytes))
	}

	rateLimit, ok := ParseRateLimit(hresp.Header.Get("x-amzn-RateLimit-Limit"))
	if ok {
		c.rates.Store(cl.limitKey, rateLimit)
	}
	if hresp.StatusCode/100 != 2 {
		return nil, newError(cl.req.Operation, hresp.StatusCode, hresp.Header, raw)
	}
	return &Response{
		StatusCode: hresp.StatusCode,
		Header:     hresp.Header,
		Body:       raw,
		RequestID:  hresp.Header.Get("x-amzn-RequestId"),
		RateLimit:  rateLimit,
	}, nil
}

// bearer returns the token for the x-amz-access-token header: an RDT for
// restricted calls, the access token otherwise.
func (c *Client) bearer(ctx context.Context, cl *call) (string, error) {
	if cl.req.Restricted != nil {
		return c.restrictedToken(ctx, cl)
	}
	return c.accessToken(ctx, cl.grant)
}

// networkError is a failed HTTP exchange: no response or a cut body.
type networkError struct {
	op  string
	err error
}

// newNetworkError wraps err, dropping the query from the URL of a
// *url.Error: it may hold a document URL's signature or buyer data.
func newNetworkError(op string, err error) *networkError {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			err = &url.Error{Op: urlErr.Op, URL: u.String(), Err: urlErr.Err}
		}
	}
	return &networkError{op: op, err: err}
}

func (e *networkError) Error() string { return fmt.Sprintf("spapi: %s: %v", e.op, e.err) }
func (e *networkError) Unwrap() error { return e.err }

// retryDecision classifies err for backoff.Retry: permanent, retry after the
// backoff, or retry at once after replacing an expired token.
func (c *Client) retryDecision(ctx context.Context, cl *call, err error) error {
	if ctx.Err() != nil {
		return backoff.Permanent(ctx.Err())
	}
	var permanent *backoff.PermanentError
	if errors.As(err, &permanent) {
		return err
	}
	var apiErr *Error
	var netErr *networkError
	switch {
	case errors.As(err, &apiErr):
		if errors.Is(apiErr, ErrAccessTokenExpired) && !cl.refreshed {
			cl.refreshed = true
			c.dropToken(cl)
			c.cfg.Logger.DebugContext(ctx, "spapi: token reported expired, refreshing once",
				"operation", cl.req.Operation, "request_id", apiErr.RequestID)
			return &backoff.RetryAfterError{Duration: 0}
		}
		// Amazon rejects a throttled request before acting on it, so a 429
		// is safe to retry for every method; other failures only for calls
		// that are safe to repeat.
		throttled := apiErr.StatusCode == http.StatusTooManyRequests
		if !retryableStatus(apiErr.StatusCode) || (!cl.retryable && !throttled) {
			return backoff.Permanent(err)
		}
		c.cfg.Logger.DebugContext(ctx, "spapi: retrying", "operation", cl.req.Operation,
			"status", apiErr.StatusCode, "request_id", apiErr.RequestID, "attempt", cl.attempts)
		return err
	case errors.As(err, &netErr):
		if !cl.retryable {
			return backoff.Permanent(err)
		}
		c.cfg.Logger.DebugContext(ctx, "spapi: retrying after network error", "operation", cl.req.Operation,
			"attempt", cl.attempts, errAttr(err))
		return err
	}
	return backoff.Permanent(err)
}

func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// dropToken removes the token used by the last attempt from the cache.
func (c *Client) dropToken(cl *call) {
	if cl.req.Restricted != nil {
		c.tokens.invalidate(rdtKey(cl), cl.lastBearer)
		return
	}
	c.tokens.invalidate(cl.grant.cacheKey(), cl.lastBearer)
}

func (c *Client) retryOptions() []backoff.RetryOption {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.Retry.InitialInterval,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.cfg.Retry.MaxInterval,
	}
	return []backoff.RetryOption{
		backoff.WithBackOff(b),
		backoff.WithMaxTries(uint(c.cfg.Retry.MaxAttempts)),
		backoff.WithMaxElapsedTime(c.cfg.Retry.MaxElapsed),
	}
}

func errAttr(err error) slog.Attr { return slog.String("error", err.Error()) }

// describeEmptyBody names the kind of a body without a result for an error
// message.
func describeEmptyBody(trimmed []byte) string {
	if len(trimmed) == 0 {
		return "empty"
	}
	return "null"
}
