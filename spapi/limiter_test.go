package spapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hidemont/spkit/internal/redistest"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

var limitKey = spapi.LimitKey{SellerID: "A1TESTSELLER", ApplicationID: "app", Region: spapi.Europe, Operation: "orders.getOrders"}

func TestLocalLimiterRefillNeverStalls(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := spapi.NewLocalLimiter()
		plan := spapi.Plan{Rate: 2, Burst: 3}
		ctx := context.Background()

		start := time.Now()
		for range 3 {
			if err := l.Wait(ctx, limitKey, plan); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("burst of 3 took %v, want no wait", d)
		}
		if err := l.Wait(ctx, limitKey, plan); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Errorf("fourth call waited %v, want 500ms at 2/s", d)
		}

		// After a long idle the bucket is full again, but holds only the burst.
		time.Sleep(time.Hour)
		start = time.Now()
		for range 4 {
			if err := l.Wait(ctx, limitKey, plan); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Errorf("after idling, 4 calls took %v, want 500ms (burst 3, then one refill)", d)
		}
	})
}

func TestLocalLimiterAdoptsNewPlan(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := spapi.NewLocalLimiter()
		ctx := context.Background()
		slow := spapi.Plan{Rate: 0.0167, Burst: 1}
		if err := l.Wait(ctx, limitKey, slow); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := l.Wait(ctx, limitKey, spapi.Plan{Rate: 10, Burst: 1}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("wait after raising the rate to 10/s took %v, want at most 100ms", d)
		}
	})
}

func TestLocalLimiterKeysAreSeparate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := spapi.NewLocalLimiter()
		ctx := context.Background()
		plan := spapi.Plan{Rate: 0.01, Burst: 1}
		other := limitKey
		other.SellerID = "A2OTHERSELLER"
		start := time.Now()
		for _, k := range []spapi.LimitKey{limitKey, other} {
			if err := l.Wait(ctx, k, plan); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("two sellers waited %v, want separate buckets", d)
		}
	})
}

func TestLocalLimiterWaitsUntilContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := spapi.NewLocalLimiter()
		plan := spapi.Plan{Rate: 0.01, Burst: 1}
		if err := l.Wait(context.Background(), limitKey, plan); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx, limitKey, plan)
		if err != context.DeadlineExceeded {
			t.Errorf("error = %v, want context.DeadlineExceeded unchanged", err)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("returned after %v, want when the context ended (30s)", d)
		}
		// The cancelled wait gave its token back: the next one is due 100 s
		// after the first, not 200 s.
		start = time.Now()
		if err := l.Wait(context.Background(), limitKey, plan); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 70*time.Second {
			t.Errorf("next wait took %v, want 70s", d)
		}
	})
}

func TestLocalLimiterManyWaitersAllServed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := spapi.NewLocalLimiter()
		plan := spapi.Plan{Rate: 10, Burst: 1}
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		start := time.Now()
		for range 200 {
			wg.Go(func() {
				if err := l.Wait(context.Background(), limitKey, plan); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("waiter failed: %v", err)
		}
		if d := time.Since(start); d != 19900*time.Millisecond {
			t.Errorf("200 waiters at 10/s finished after %v, want 19.9s", d)
		}
	})
}

func TestLimiterCanceledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := spapi.NewLocalLimiter().Wait(ctx, limitKey, spapi.Plan{Rate: 1, Burst: 1}); err != context.Canceled {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestMissingRateHeaderKeepsPlan(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.SetRateHeader(opGetItem, "")
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	p, ok := b.client.Plan(b.seller, spapi.NorthAmerica, opGetItem)
	if !ok || p != testPlans[opGetItem] {
		t.Errorf("plan after a response without header = %+v, want %+v", p, testPlans[opGetItem])
	}
	for _, bad := range []string{"0", "0.0", "-1", "abc", "NaN"} {
		b.srv.SetRateHeader(opGetItem, bad)
		if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
			t.Fatalf("header %q: %v", bad, err)
		}
		if p, _ := b.client.Plan(b.seller, spapi.NorthAmerica, opGetItem); p != testPlans[opGetItem] {
			t.Errorf("plan after header %q = %+v, want it unchanged", bad, p)
		}
	}
}

func TestRateHeaderUpdatesPlan(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.SetRateHeader(opGetItem, "0.0167")
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil); err != nil {
		t.Fatal(err)
	}
	p, _ := b.client.Plan(b.seller, spapi.NorthAmerica, opGetItem)
	if p.Rate != 0.0167 || p.Burst != testPlans[opGetItem].Burst {
		t.Errorf("plan = %+v, want rate 0.0167 and the plan's burst", p)
	}
	// Another seller's bucket is not affected.
	if p, _ := b.client.Plan("A2OTHERSELLER", spapi.NorthAmerica, opGetItem); p.Rate != testPlans[opGetItem].Rate {
		t.Errorf("other seller's rate = %v, want %v", p.Rate, testPlans[opGetItem].Rate)
	}
}

func TestThrottleWithoutHeaderBacksOff(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Times: 2, Status: 429,
		Body: `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`})
	resp, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("1"), nil)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", resp.Attempts)
	}
	if p, _ := b.client.Plan(b.seller, spapi.NorthAmerica, opGetItem); p.Rate != b.srv.ClientConfig().Plans[opGetItem].Rate && p.Rate <= 0 {
		t.Errorf("rate after 429s without header = %v", p.Rate)
	}
}

func TestHeaderAboveRealRateStillSucceeds(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{Plans: spapi.Plans{opGetItem: {Rate: 2, Burst: 2}}}, nil)
	// The header promises 5 requests/s, but the bucket refills at 2/s.
	b.srv.SetRateHeader(opGetItem, "5.0")
	ctx := ctxTimeout(t, 30*time.Second)
	for i := range 8 {
		if _, err := b.client.Do(ctx, b.getItem("1"), nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if p, _ := b.client.Plan(b.seller, spapi.NorthAmerica, opGetItem); p.Rate != 5 {
		t.Errorf("rate = %v, want 5 from the header", p.Rate)
	}
	if n := b.srv.Count(opGetItem, http.StatusTooManyRequests); n == 0 {
		t.Error("no 429: the test did not exercise a header above the real rate")
	}
	if n := b.srv.Count(opGetItem, http.StatusOK); n != 8 {
		t.Errorf("successful calls = %d, want 8", n)
	}
}

func TestSellerPlanOverride(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) {
		c.Plans = spapi.Plans{"orders.getOrders": {Rate: 1, Burst: 5}}
		c.SellerPlans = map[string]spapi.Plans{"A2BIGSELLER": {"orders.getOrders": {Rate: 3, Burst: 40}}}
	})
	if p, _ := b.client.Plan("A2BIGSELLER", spapi.Europe, "orders.getOrders"); p != (spapi.Plan{Rate: 3, Burst: 40}) {
		t.Errorf("seller plan = %+v, want {3 40}", p)
	}
	if p, _ := b.client.Plan(b.seller, spapi.Europe, "orders.getOrders"); p != (spapi.Plan{Rate: 1, Burst: 5}) {
		t.Errorf("configured plan = %+v, want {1 5}", p)
	}
	if p, _ := b.client.Plan(b.seller, spapi.Europe, "orders20260101.searchOrders"); p != (spapi.Plan{Rate: 0.0056, Burst: 20}) {
		t.Errorf("default plan = %+v, want {0.0056 20}", p)
	}
	if _, ok := b.client.Plan(b.seller, spapi.Europe, "nothing.here"); ok {
		t.Error("Plan reports a plan for an unknown operation")
	}
}

// runShared sends calls from several clients against one seller and operation
// with plan 10/s burst 5 on the server, and returns how many were throttled.
// The clients keep 400ms of headroom (4 tokens at 10/s), because a loaded
// test machine can delay a request that long between limiter and server.
func runShared(t *testing.T, limiters []spapi.Limiter, calls int) (throttled int) {
	t.Helper()
	b := setup(t, spapitest.Options{Plans: spapi.Plans{opGetItem: {Rate: 10, Burst: 5}}}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i, lim := range limiters {
		cfg := b.srv.ClientConfig()
		cfg.Limiter = lim
		cfg.Retry.MaxAttempts = 1
		cfg.Headroom = 400 * time.Millisecond
		client, err := spapi.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for w := range 3 {
			n := calls / (len(limiters) * 3)
			if i == 0 && w == 0 {
				n += calls % (len(limiters) * 3)
			}
			wg.Go(func() {
				for range n {
					if _, err := client.Do(ctxTimeout(t, 20*time.Second), b.getItem("1"), nil); err != nil && !errors.Is(err, spapi.ErrThrottled) {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
	if n := b.srv.Count(opGetItem, 0); n != calls {
		t.Errorf("server saw %d calls, want %d", n, calls)
	}
	return b.srv.Count(opGetItem, http.StatusTooManyRequests)
}

func TestClientsSharingLocalLimiter(t *testing.T) {
	t.Parallel()
	shared := spapi.NewLocalLimiter()
	if n := runShared(t, []spapi.Limiter{shared, shared}, 24); n != 0 {
		t.Errorf("two clients sharing one limiter got %d 429s, want 0", n)
	}
}

func TestClientsWithSeparateLimitersThrottled(t *testing.T) {
	t.Parallel()
	// The control for the shared cases: separate local limiters let each
	// client spend the whole quota, so the server throttles.
	if n := runShared(t, []spapi.Limiter{spapi.NewLocalLimiter(), spapi.NewLocalLimiter(), spapi.NewLocalLimiter()}, 30); n == 0 {
		t.Error("three clients with separate local limiters got no 429, want some")
	}
}

func newRedisLimiter(t testing.TB, rdb redis.UniversalClient, prefix string) *spapi.RedisLimiter {
	t.Helper()
	l, err := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	deleteRateKeys(t, rdb, prefix)
	return l
}

// deleteRateKeys deletes the limiter's keys at cleanup. redistest deletes
// the keys under its prefix, but redis_rate puts "rate:" in front of them.
func deleteRateKeys(t testing.TB, rdb redis.UniversalClient, prefix string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := rdb.Keys(ctx, "rate:"+prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
}

func TestClientsSharingRedisLimiter(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	limiters := []spapi.Limiter{
		newRedisLimiter(t, rdb, prefix),
		newRedisLimiter(t, rdb, prefix),
		newRedisLimiter(t, rdb, prefix),
	}
	if n := runShared(t, limiters, 24); n != 0 {
		t.Errorf("three clients sharing Redis got %d 429s, want 0", n)
	}
}

func TestRedisLimiterRateBelowOne(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newRedisLimiter(t, rdb, prefix)
	plan := spapi.Plan{Rate: 0.8, Burst: 1}
	ctx := ctxTimeout(t, 10*time.Second)
	if err := l.Wait(ctx, limitKey, plan); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := l.Wait(ctx, limitKey, plan); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1100*time.Millisecond || d > 10*time.Second {
		t.Errorf("second call at 0.8/s waited %v, want about 1.25s", d)
	}
}

func TestRedisLimiterWaitHonoursContext(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newRedisLimiter(t, rdb, prefix)
	plan := spapi.Plan{Rate: 0.0167, Burst: 1}
	if err := l.Wait(ctxTimeout(t, 5*time.Second), limitKey, plan); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := l.Wait(ctx, limitKey, plan); err != context.DeadlineExceeded {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 10*time.Second {
		t.Errorf("returned after %v, want when the context ended (200ms)", d)
	}
}

func TestRedisLimiterFallsBackWhenUnreachable(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1 of the loopback address.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{FallbackShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	plan := spapi.Plan{Rate: 20, Burst: 4}
	ctx := ctxTimeout(t, 10*time.Second)
	start := time.Now()
	for range 4 {
		if err := l.Wait(ctx, limitKey, plan); err != nil {
			t.Fatalf("Wait with Redis down: %v", err)
		}
	}
	// Half the plan: burst 2, then 10/s, so 4 calls take about 200ms.
	if d := time.Since(start); d < 150*time.Millisecond || d > 10*time.Second {
		t.Errorf("4 calls on the fallback took %v, want about 200ms", d)
	}
}

func TestNewRedisLimiterValidates(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	if _, err := spapi.NewRedisLimiter(nil, spapi.RedisLimiterOptions{}); err == nil {
		t.Error("nil client accepted")
	}
	for _, share := range []float64{-0.1, 1.5} {
		if _, err := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{FallbackShare: share}); err == nil {
			t.Errorf("FallbackShare %v accepted", share)
		}
	}
	l, _ := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{})
	if err := l.Wait(context.Background(), limitKey, spapi.Plan{}); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("zero plan: error = %v, want ErrInvalidRequest", err)
	}
}

func TestLocalLimiterRejectsInvalidPlan(t *testing.T) {
	t.Parallel()
	l := spapi.NewLocalLimiter()
	for _, p := range []spapi.Plan{{}, {Rate: 1}, {Burst: 1}, {Rate: -1, Burst: 1}} {
		if err := l.Wait(context.Background(), limitKey, p); !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("plan %+v: error = %v, want ErrInvalidRequest", p, err)
		}
	}
}

// limiterConformance runs the behaviour every Limiter must have, in real
// time, against implementations built by newLimiter.
func limiterConformance(t *testing.T, newLimiter func(t *testing.T) spapi.Limiter) {
	t.Run("burst then pace", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		plan := spapi.Plan{Rate: 2, Burst: 3}
		ctx := ctxTimeout(t, 20*time.Second)
		start := time.Now()
		for range 3 {
			if err := l.Wait(ctx, limitKey, plan); err != nil {
				t.Fatal(err)
			}
		}
		// Waiting for tokens would take at least a second at 2/s.
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("burst of 3 took %v, want no wait", d)
		}
		for range 2 {
			if err := l.Wait(ctx, limitKey, plan); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < 900*time.Millisecond || d > 10*time.Second {
			t.Errorf("5 calls at 2/s burst 3 took %v, want about 1s", d)
		}
	})
	t.Run("keys are separate", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		plan := spapi.Plan{Rate: 0.01, Burst: 1}
		ctx := ctxTimeout(t, 10*time.Second)
		start := time.Now()
		for _, op := range []string{"a.one", "a.two", "a.three"} {
			k := limitKey
			k.Operation = op
			if err := l.Wait(ctx, k, plan); err != nil {
				t.Fatal(err)
			}
		}
		// A shared bucket would make the second key wait 100 s.
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("three keys took %v, want no wait", d)
		}
	})
	t.Run("context ends the wait", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		plan := spapi.Plan{Rate: 0.01, Burst: 1}
		if err := l.Wait(ctxTimeout(t, 10*time.Second), limitKey, plan); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx, limitKey, plan); err != context.DeadlineExceeded {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("invalid plan", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		if err := l.Wait(context.Background(), limitKey, spapi.Plan{Rate: 0, Burst: 1}); !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("error = %v, want ErrInvalidRequest", err)
		}
	})
}

func TestLocalLimiterConformance(t *testing.T) {
	t.Parallel()
	limiterConformance(t, func(t *testing.T) spapi.Limiter { return spapi.NewLocalLimiter() })
}

func TestRedisLimiterConformance(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	var n atomic.Int64
	limiterConformance(t, func(t *testing.T) spapi.Limiter {
		return newRedisLimiter(t, rdb, prefix+strconv.FormatInt(n.Add(1), 10)+":")
	})
}

func TestRedisLimiterRecoversAfterOutage(t *testing.T) {
	t.Parallel()
	_, prefix := redistest.New(t)
	var down atomic.Bool
	down.Store(true)
	rdb := redis.NewClient(&redis.Options{
		Addr:       redistest.Addr(),
		MaxRetries: -1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if down.Load() {
				return nil, errors.New("redis down for the test")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	t.Cleanup(func() { _ = rdb.Close() })
	deleteRateKeys(t, rdb, prefix)
	l, err := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{Prefix: prefix, FallbackFor: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	plan := spapi.Plan{Rate: 100, Burst: 10}
	ctx := ctxTimeout(t, 10*time.Second)
	if err := l.Wait(ctx, limitKey, plan); err != nil {
		t.Fatalf("Wait while Redis is down: %v", err)
	}

	// go-redis itself waits about a second before it dials again after
	// failed dials, so poll until the limiter writes its bucket to Redis.
	down.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := l.Wait(ctx, limitKey, plan); err != nil {
			t.Fatalf("Wait after Redis is back: %v", err)
		}
		// redis_rate puts "rate:" in front of every key.
		keys, err := rdb.Keys(ctx, "rate:"+prefix+"*").Result()
		if err == nil && len(keys) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bucket in Redis 5s after it came back (keys %v, error %v)", keys, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
