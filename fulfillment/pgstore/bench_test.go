package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
	retentionpg "github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
)

// discardRecorder accepts audit events; the benchmark measures the sync.
type discardRecorder struct{}

func (discardRecorder) Record(context.Context, audit.Event) error { return nil }

func (discardRecorder) AuditReveal(context.Context, pii.Access) error { return nil }

// heapSampler samples the live heap (as marked by the last garbage
// collection) every few milliseconds and keeps the peak, so that memory use
// over a whole sync is measured, not just its end. The live heap leaves out
// garbage not yet collected, whose amount depends on GOGC and on the size of
// the fake server's data set rather than on the sync.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak uint64
}

const heapMetric = "/gc/heap/live:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// startHeapSampler starts sampling. With collect set it runs a garbage
// collection before each sample, every 20 ms, so that the live heap is
// exact even in runs too short to trigger a collection. Collecting slows
// the sync, so throughput is measured without it.
func startHeapSampler(collect bool) *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	every := 2 * time.Millisecond
	if collect {
		every = 20 * time.Millisecond
	}
	h.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if collect {
				runtime.GC()
			}
			v := heapNow()
			h.mu.Lock()
			h.peak = max(h.peak, v)
			h.mu.Unlock()
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	})
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.done.Wait()
	return h.peak
}

// syncBench is one synthetic seller served by spapitest and an order sync
// writing to PostgreSQL.
type syncBench struct {
	srv    *spapitest.Server
	seller *spapitest.SellerData
	now    time.Time
}

func newSyncBench(b *testing.B, orders int) *syncBench {
	b.Helper()
	// Throttling stays on, with Amazon's plans scaled up a million times,
	// so that pacing costs microseconds instead of hours. The server's
	// request log is kept short, so that the fake's own memory does not grow
	// with the number of requests.
	srv := spapitest.NewServer(b, spapitest.Options{TimeScale: 1e6, MaxLogEntries: 64})
	ds := spapitest.NewDataset(11, spapitest.DatasetOptions{OrdersPerSeller: orders})
	srv.Load(ds)
	return &syncBench{srv: srv, seller: ds.SellerIn(spapi.NorthAmerica), now: ds.Now.Add(49 * time.Hour)}
}

// run syncs every order of the seller into fresh PostgreSQL stores and
// returns the orders stored, the peak live heap during the sync, and how far
// that peak rose above the heap before the sync.
func (sb *syncBench) run(b *testing.B, collect bool) (int, uint64, uint64) {
	b.Helper()
	b.StopTimer()
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	if err := retentionpg.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	ret, err := retentionpg.New(pool, retentionpg.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		b.Fatal(err)
	}
	revealer, err := pii.NewRevealer(pii.DefaultPolicy(), discardRecorder{})
	if err != nil {
		b.Fatal(err)
	}
	client, err := spapi.New(sb.srv.ClientConfig())
	if err != nil {
		b.Fatal(err)
	}
	s, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client: client, Store: pgstore.New(pool), Sealer: ring, Indexer: ring, Retention: ret, Recorder: discardRecorder{},
		Customizations:  &fulfillment.CustomFetcher{Revealer: revealer, HTTPClient: sb.srv.Client()},
		InitialLookback: 90 * 24 * time.Hour,
		Now:             func() time.Time { return sb.now },
	})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	before := heapNow()
	sampler := startHeapSampler(collect)
	b.StartTimer()

	stored := 0
	for _, m := range sb.seller.Marketplaces {
		rep, err := s.Run(ctx, sb.seller.ID, m, nil)
		if err != nil {
			b.Fatalf("Run: %v", err)
		}
		stored += rep.Created
	}

	b.StopTimer()
	peak := sampler.Stop()
	if stored != len(sb.seller.Orders) {
		b.Fatalf("stored %d orders, want %d", stored, len(sb.seller.Orders))
	}
	// The peak above the heap before the sync can come out as zero when a
	// collection frees garbage left from earlier, which makes a ratio of
	// such peaks meaningless, so the ratio uses absolute peaks. Both data
	// sets stay in memory for the whole benchmark, so those compare fairly.
	var added uint64
	if peak > before {
		added = peak - before
	}
	return stored, peak, added
}

// BenchmarkOrderSync syncs a seller's orders from spapitest into
// PostgreSQL with sealing, blind indexes, personalisation downloads and
// retention registration, and reports orders per second. Memory is measured
// by BenchmarkOrderSyncMemoryRatio, because the live heap is only known
// after a collection.
func BenchmarkOrderSync(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			sb := newSyncBench(b, n)
			var total int
			for range b.N {
				stored, _, _ := sb.run(b, false)
				total += stored
			}
			// b.Elapsed counts only the timed sync, not the database set-up.
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// BenchmarkOrderSyncMemoryRatio syncs 1,000 and then 10,000 orders in the
// same run and reports the ratio of their peak heaps: a sync that streams
// page by page keeps it near 1.
func BenchmarkOrderSyncMemoryRatio(b *testing.B) {
	small, large := newSyncBench(b, 1000), newSyncBench(b, 10000)
	var ratio float64
	for range b.N {
		_, p1, added1 := small.run(b, true)
		_, p10, added10 := large.run(b, true)
		ratio = float64(p10) / float64(p1)
		b.ReportMetric(float64(p1)/(1<<20), "peak-1k-MB")
		b.ReportMetric(float64(p10)/(1<<20), "peak-10k-MB")
		b.ReportMetric(float64(added1)/(1<<20), "added-1k-MB")
		b.ReportMetric(float64(added10)/(1<<20), "added-10k-MB")
	}
	b.ReportMetric(ratio, "peak-10k/1k")
}
