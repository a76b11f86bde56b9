package retention_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/retentiontest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	retentiontest.Run(t, func(*testing.T) retention.Store { return retention.NewMemoryStore() })
}

// BenchmarkMemoryPlan1M measures a 30-day dry run over 1,000,000 orders of
// buyer PII in the memory store.
func BenchmarkMemoryPlan1M(b *testing.B) {
	const orders = 1_000_000
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	store := retention.NewMemoryStore()
	recs := make([]retention.Record, 0, 10_000)
	for i := range orders {
		recs = append(recs, retention.Record{
			SellerID: fmt.Sprintf("A1BENCHSELLER%d", i%10), OrderID: fmt.Sprintf("%019d", i), Class: retention.ClassBuyerPII,
			Bucket: fmt.Sprintf("ship-%d", i%60), Anchor: now.Add(-time.Duration(i%60)*24*time.Hour - time.Duration(i%86400)*time.Second),
		})
		if len(recs) == cap(recs) {
			if err := store.Register(ctx, recs); err != nil {
				b.Fatalf("Register: %v", err)
			}
			recs = recs[:0]
		}
	}
	runner, err := retention.NewRunner(retention.Config{
		Store: store, Recorder: &retentiontest.Recorder{}, Shredder: &retentiontest.Shredder{},
		Now: func() time.Time { return now },
	})
	if err != nil {
		b.Fatalf("NewRunner: %v", err)
	}
	var plan retention.Plan
	for b.Loop() {
		plan, err = runner.Plan(ctx, 30)
		if err != nil {
			b.Fatalf("Plan: %v", err)
		}
	}
	b.StopTimer()
	if got := plan.Total(retention.ClassBuyerPII); got != orders {
		b.Fatalf("plan covers %d orders, want %d", got, orders)
	}
	b.ReportMetric(float64(orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}
