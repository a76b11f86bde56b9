package pgsink_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/audit/pgsink"
	"github.com/hidemont/spkit/internal/pgtest"
)

// BenchmarkThreeWriters records events through three trails, each with its
// own connection pool, as three ERP processes would, into one database and
// one chain. Sixteen goroutines per writer call Record, so each trail groups
// events into batches. It reports events stored per second across all
// three, and checks the chain afterwards.
func BenchmarkThreeWriters(b *testing.B) {
	dsn := pgtest.NewDatabase(b)
	ctx := context.Background()
	key := newKey(b)
	kr, err := audit.NewKeyring(key)
	if err != nil {
		b.Fatal(err)
	}

	const writers = 3
	trails := make([]*audit.Trail, writers)
	var sink *pgsink.Sink
	for i := range trails {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		if i == 0 {
			if err := pgsink.Migrate(ctx, pool); err != nil {
				b.Fatal(err)
			}
		}
		s := pgsink.New(pool)
		sink = s
		trails[i], err = audit.New(audit.Config{Keyring: kr, Sink: s, WriteTimeout: 30 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { trails[i].Close(ctx) })
	}
	f := gofakeit.New(1)
	events := make([]audit.Event, 1024)
	for i := range events {
		events[i] = fakeEvent(f)
	}

	var next atomic.Int64
	b.SetParallelism(writers * 16 / 2) // 48 goroutines on 2 cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		tr := trails[int(n)%writers]
		for i := 0; pb.Next(); i++ {
			if err := tr.Record(ctx, events[(int(n)+i)%len(events)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")

	head, err := sink.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := audit.Verify(ctx, sink.All(ctx), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil || !rep.OK() {
		b.Fatalf("chain after the benchmark: %v %v", err, rep.Err())
	}
}
