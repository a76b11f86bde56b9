package spapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

func TestDecodeErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []ErrorDetail
	}{
		{"message null", `{"errors":[{"code":"InvalidInput","message":null,"details":""}]}`,
			[]ErrorDetail{{Code: "InvalidInput"}}},
		{"no details", `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`,
			[]ErrorDetail{{Code: "QuotaExceeded", Message: "You exceeded your quota for the requested resource."}}},
		{"details object", `{"errors":[{"code":"X","message":"m","details":{"a":1}}]}`,
			[]ErrorDetail{{Code: "X", Message: "m", Details: `{"a":1}`}}},
		{"bare array", `[{"code":"A","message":"b"}]`, []ErrorDetail{{Code: "A", Message: "b"}}},
		{"single object", `{"code":"A","message":"b"}`, []ErrorDetail{{Code: "A", Message: "b"}}},
		{"two errors", `{"errors":[{"code":"A"},{"code":"B","message":"c"}],"payload":null}`,
			[]ErrorDetail{{Code: "A"}, {Code: "B", Message: "c"}}},
		{"numeric code", `{"errors":[{"code":400,"message":"bad"}]}`, []ErrorDetail{{Code: "400", Message: "bad"}}},
		{"empty", ``, nil},
		{"html", `<html><body><h1>502 Bad Gateway</h1></body></html>`, nil},
		{"truncated", `{"errors":[{"code":"Inv`, nil},
		{"empty errors", `{"errors":[]}`, nil},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		got := DecodeErrorBody([]byte(tt.body))
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: [%d] = %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0.0167", 0.0167, true},
		{"1.0", 1, true},
		{" 5.0 ", 5, true},
		{"80", 80, true},
		{"", 0, false},
		{"0", 0, false},
		{"0.0", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e400", 0, false},
		{"1e6", 0, false},
		{"abc", 0, false},
		{"1,5", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRateLimit(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTokenResponse(t *testing.T) {
	t.Parallel()
	tok, err := parseTokenResponse(200, []byte(`{"access_token":"Atza|x","token_type":"bearer","expires_in":3600}`), "")
	if err != nil || tok.token != "Atza|x" || tok.ttl != time.Hour {
		t.Errorf("valid response: %+v, %v", tok, err)
	}
	tok, err = parseTokenResponse(200, []byte(`{"access_token":"Atza|x","expires_in":"oops"}`), "")
	if err != nil || tok.ttl != time.Hour {
		t.Errorf("invalid expires_in: ttl %v, %v; want the one-hour default", tok.ttl, err)
	}
	_, err = parseTokenResponse(400, []byte(`{"error":"invalid_grant","error_description":"User may have revoked or didn't grant the permission."}`), "")
	if !errors.Is(err, ErrCredentialRevoked) {
		t.Errorf("invalid_grant: %v", err)
	}
	_, err = parseTokenResponse(200, []byte(`<html>`), "")
	var te *TokenError
	if !errors.As(err, &te) || !te.transient() {
		t.Errorf("garbled 200: %v, want a transient TokenError", err)
	}
	_, err = parseTokenResponse(401, []byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`), "")
	if !errors.Is(err, ErrInvalidClient) || errors.Is(err, ErrClientSecretExpired) {
		t.Errorf("invalid_client: %v", err)
	}
}

func TestTokenCacheSingleFetch(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	var fetches atomic.Int64
	fetch := func(ctx context.Context) (cachedToken, error) {
		fetches.Add(1)
		time.Sleep(20 * time.Millisecond)
		return cachedToken{token: "t1", ttl: time.Hour}, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			got, err := tc.get(context.Background(), "k", time.Now, 5*time.Minute, fetch)
			if err != nil || got != "t1" {
				t.Errorf("get = %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}

	tc.invalidate("k", "other")
	if got, _ := tc.get(context.Background(), "k", time.Now, 5*time.Minute, fetch); got != "t1" || fetches.Load() != 1 {
		t.Error("invalidating another token dropped the cached one")
	}
	tc.invalidate("k", "t1")
	if _, err := tc.get(context.Background(), "k", time.Now, 5*time.Minute, fetch); err != nil || fetches.Load() != 2 {
		t.Errorf("after invalidate: fetches = %d, want 2", fetches.Load())
	}
}

func TestTokenCacheFailureNotCached(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	calls := 0
	boom := errors.New("boom")
	fetch := func(ctx context.Context) (cachedToken, error) {
		calls++
		if calls == 1 {
			return cachedToken{}, boom
		}
		return cachedToken{token: "t", ttl: time.Hour}, nil
	}
	if _, err := tc.get(context.Background(), "k", time.Now, time.Minute, fetch); !errors.Is(err, boom) {
		t.Fatalf("first get: %v", err)
	}
	if got, err := tc.get(context.Background(), "k", time.Now, time.Minute, fetch); err != nil || got != "t" {
		t.Errorf("second get = %q, %v", got, err)
	}
}

func TestTokenCacheShortLifetime(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	now := time.Now()
	clock := func() time.Time { return now }
	calls := 0
	fetch := func(ctx context.Context) (cachedToken, error) {
		calls++
		return cachedToken{token: "t", ttl: 2 * time.Minute}, nil
	}
	_, _ = tc.get(context.Background(), "k", clock, 5*time.Minute, fetch)
	now = now.Add(50 * time.Second)
	_, _ = tc.get(context.Background(), "k", clock, 5*time.Minute, fetch)
	if calls != 1 {
		t.Errorf("a 2-minute token was replaced after 50s (calls %d), want it kept for half its life", calls)
	}
	now = now.Add(11 * time.Second)
	_, _ = tc.get(context.Background(), "k", clock, 5*time.Minute, fetch)
	if calls != 2 {
		t.Errorf("calls = %d after 61s, want 2", calls)
	}
}

func TestTokenCacheWaitHonoursContext(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = tc.get(context.Background(), "k", time.Now, time.Minute, func(ctx context.Context) (cachedToken, error) {
			close(started)
			<-release
			return cachedToken{token: "t", ttl: time.Hour}, nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := tc.get(ctx, "k", time.Now, time.Minute, func(ctx context.Context) (cachedToken, error) {
		return cachedToken{}, errors.New("second fetch")
	})
	close(release)
	if err != context.DeadlineExceeded {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	e := newError("orders.getOrders", 403, h, []byte(`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}`))
	if !errors.Is(e, ErrAccessTokenExpired) {
		t.Error("expired token details not classified")
	}
	e = newError("orders.getOrders", 403, h, []byte(`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided is revoked, malformed or invalid."}]}`))
	if !errors.Is(e, ErrAccessTokenExpired) {
		t.Error("revoked token details not classified")
	}
	if errors.Is(e, ErrThrottled) {
		t.Error("403 matches ErrThrottled")
	}
	msg := newError("x.y", 500, h, []byte(strings.Repeat("<p>", 100))).Error()
	if strings.Contains(msg, "<p>") {
		t.Errorf("HTML body leaked into the message: %q", msg)
	}
}

func TestBoundedReader(t *testing.T) {
	t.Parallel()
	r := &boundedReader{r: strings.NewReader(strings.Repeat("a", 10)), left: 10}
	got, err := io.ReadAll(r)
	if err != nil || len(got) != 10 {
		t.Errorf("exact size: %d bytes, %v", len(got), err)
	}
	r = &boundedReader{r: strings.NewReader(strings.Repeat("a", 11)), left: 10}
	got, err = io.ReadAll(r)
	if !errors.Is(err, ErrDocumentTooLarge) || len(got) != 10 {
		t.Errorf("one byte over: %d bytes, %v", len(got), err)
	}
}

func TestHeadroomTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		plan Plan
		d    time.Duration
		want int
	}{
		{Plan{Rate: 20, Burst: 5}, 100 * time.Millisecond, 2},
		{Plan{Rate: 0.0167, Burst: 20}, 100 * time.Millisecond, 1},
		{Plan{Rate: 80, Burst: 100}, 100 * time.Millisecond, 8},
		{Plan{Rate: 2, Burst: 2}, 100 * time.Millisecond, 1},
		{Plan{Rate: 1, Burst: 1}, 100 * time.Millisecond, 0},
		{Plan{Rate: 1000, Burst: 10}, time.Second, 9},
	}
	for _, tt := range tests {
		if got := headroomTokens(tt.plan, tt.d); got != tt.want {
			t.Errorf("headroomTokens(%+v, %v) = %d, want %d", tt.plan, tt.d, got, tt.want)
		}
	}
}

func TestTokenCacheSweepsExpiredEntries(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
	for i := range 3 * minSweepAt {
		// Tokens fetched two hours ago with a one-hour lifetime are stale now.
		_, err := tc.get(context.Background(), "rdt:"+strconv.Itoa(i), past, time.Minute, func(context.Context) (cachedToken, error) {
			return cachedToken{token: "t", ttl: time.Hour}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	tc.mu.Lock()
	n := len(tc.entries)
	tc.mu.Unlock()
	if n > minSweepAt+1 {
		t.Errorf("cache holds %d entries after %d stale inserts, want at most %d", n, 3*minSweepAt, minSweepAt+1)
	}

	var live tokenCache
	for i := range 2 * minSweepAt {
		_, _ = live.get(context.Background(), "k"+strconv.Itoa(i), time.Now, time.Minute, func(context.Context) (cachedToken, error) {
			return cachedToken{token: "t", ttl: time.Hour}, nil
		})
	}
	live.mu.Lock()
	n = len(live.entries)
	live.mu.Unlock()
	if n != 2*minSweepAt {
		t.Errorf("cache holds %d live entries, want all %d kept", n, 2*minSweepAt)
	}
}

func TestErrorLogValueOmitsMessages(t *testing.T) {
	t.Parallel()
	street := gofakeit.New(5).Street()
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]string{
		"code": "InvalidInput", "message": "Invalid address line '" + street + "'", "details": street,
	}}})
	e := newError("mfn.createShipment", 400, http.Header{"X-Amzn-Requestid": {"req-1"}}, body)
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Error("call failed", "error", e)
	out := buf.String()
	if strings.Contains(out, street) {
		t.Errorf("log record contains Amazon's message: %s", out)
	}
	for _, want := range []string{"InvalidInput", "req-1", "status=400", "mfn.createShipment"} {
		if !strings.Contains(out, want) {
			t.Errorf("log record %q lacks %q", out, want)
		}
	}
}
