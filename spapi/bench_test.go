package spapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/internal/redistest"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// quotaPlan is the plan of the quota benchmarks: 20 requests per second with
// a burst of 5, on the server and in the clients.
var quotaPlan = spapi.Plan{Rate: 20, Burst: 5}

const quotaRun = 10 * time.Second

// runQuota sends getItem calls for one seller from one client per limiter,
// four goroutines each, for quotaRun, without retries, and reports the share
// of the bucket's allowance that succeeded and the number of 429s.
func runQuota(b *testing.B, limiters func() []spapi.Limiter) {
	for range b.N {
		bundle := setup(b, spapitest.Options{Plans: spapi.Plans{opGetItem: quotaPlan}}, nil)
		var clients []*spapi.Client
		for _, lim := range limiters() {
			cfg := bundle.srv.ClientConfig()
			cfg.Limiter = lim
			cfg.Retry.MaxAttempts = 1
			c, err := spapi.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			// Warm the token cache so that LWA is not part of the run.
			if _, err := c.Do(context.Background(), &spapi.Request{
				Operation: opCreateItem, Method: http.MethodPost, Path: "/test/v0/items",
				SellerID: bundle.seller, Region: spapi.NorthAmerica,
			}, nil); err != nil {
				b.Fatal(err)
			}
			clients = append(clients, c)
		}

		ctx, cancel := context.WithTimeout(context.Background(), quotaRun)
		start := time.Now()
		var wg sync.WaitGroup
		for _, c := range clients {
			for range 4 {
				wg.Go(func() {
					for ctx.Err() == nil {
						_, _ = c.Do(ctx, bundle.getItem("1"), nil)
					}
				})
			}
		}
		wg.Wait()
		elapsed := time.Since(start)
		cancel()

		ok := bundle.srv.Count(opGetItem, http.StatusOK)
		throttled := bundle.srv.Count(opGetItem, http.StatusTooManyRequests)
		allowed := float64(quotaPlan.Burst) + quotaPlan.Rate*elapsed.Seconds()
		b.ReportMetric(100*float64(ok)/allowed, "%quota")
		b.ReportMetric(float64(throttled), "429s")
		b.ReportMetric(float64(ok), "calls")
	}
}

// BenchmarkQuotaRedisThreeClients measures three clients, each with its own
// RedisLimiter on one Redis server, sharing one seller's quota. Run it with
// -benchtime=1x: each iteration takes 10 s.
func BenchmarkQuotaRedisThreeClients(b *testing.B) {
	rdb, prefix := redistest.New(b)
	iteration := 0
	runQuota(b, func() []spapi.Limiter {
		// A new key prefix per iteration, so that each run starts with a full bucket.
		iteration++
		iterPrefix := prefix + strconv.Itoa(iteration) + ":"
		var out []spapi.Limiter
		for range 3 {
			out = append(out, newRedisLimiter(b, rdb, iterPrefix))
		}
		return out
	})
}

// BenchmarkQuotaLocalLimiter measures one client with a LocalLimiter. Run it
// with -benchtime=1x: each iteration takes 10 s.
func BenchmarkQuotaLocalLimiter(b *testing.B) {
	runQuota(b, func() []spapi.Limiter { return []spapi.Limiter{spapi.NewLocalLimiter()} })
}

// BenchmarkClientOverhead measures a Client.Do round trip against a bare
// http.Client GET of the same endpoint with the same token and the same JSON
// decoding, and reports the medians of both and the client's extra time per
// request. Its ns/op is the mean time of both requests together.
func BenchmarkClientOverhead(b *testing.B) {
	bundle := setup(b, spapitest.Options{Plans: spapi.Plans{opGetItem: {Rate: 1e9, Burst: 1 << 30}}}, nil)
	ctx := context.Background()
	var out itemResponse
	if _, err := bundle.client.Do(ctx, bundle.getItem("1"), &out); err != nil {
		b.Fatal(err)
	}
	token := lwaToken(b, bundle, spapi.NorthAmerica)
	hc := bundle.srv.Client()
	url := bundle.srv.Endpoint(spapi.NorthAmerica) + "/test/v0/items/1"

	bare := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("x-amz-access-token", token)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var v itemResponse
		err = json.NewDecoder(resp.Body).Decode(&v)
		// Drain the body so that the connection is reused, as Client.Do does.
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
	}

	// Bare and client requests alternate, so that changes in the machine's
	// load during the run affect both alike, and medians keep load spikes
	// out of the figures.
	bareTimes := make([]time.Duration, 0, b.N)
	clientTimes := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		if _, err := bundle.client.Do(ctx, bundle.getItem("1"), &out); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bareTimes = append(bareTimes, t1.Sub(t0))
		clientTimes = append(clientTimes, t2.Sub(t1))
	}
	b.StopTimer()
	bareNs := float64(median(bareTimes).Nanoseconds())
	clientNs := float64(median(clientTimes).Nanoseconds())
	b.ReportMetric(clientNs, "client-ns/op")
	b.ReportMetric(bareNs, "bare-ns/op")
	b.ReportMetric(clientNs-bareNs, "overhead-ns/op")
	b.ReportMetric(clientNs/bareNs, "x-bare")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
