package audit_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

// benchEvents returns n synthetic events to cycle through.
func benchEvents(n int) []audit.Event {
	f := gofakeit.New(99)
	events := make([]audit.Event, n)
	for i := range events {
		events[i] = fakeEvent(f, audit.ActionRead)
	}
	return events
}

// encodeBaseline writes n events with a plain json.Encoder to a new file in
// dir, and returns the time it took.
func encodeBaseline(b *testing.B, dir string, events []audit.Event, n int) time.Duration {
	b.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "baseline.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	start := time.Now()
	for i := range n {
		if err := enc.Encode(&events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// BenchmarkFileSinkVsEncoder records b.N events one after another through a
// Trail with a FileSink: validation, pseudonyms, chain MAC, JSON and one
// write per event. It then writes b.N events with a plain json.Encoder to a
// file in the same directory, and reports both rates and their ratio.
// Neither side calls fsync (SyncNone), so the ratio shows the cost of the
// trail itself.
func BenchmarkFileSinkVsEncoder(b *testing.B) {
	events := benchEvents(1024)
	dir := b.TempDir()
	sink, err := audit.OpenFile(audit.FileConfig{Path: filepath.Join(dir, "audit.jsonl"), Sync: audit.SyncNone, MaxSize: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	tr := newTrail(b, audit.Config{Keyring: newKeyring(b), Sink: sink})
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := tr.Record(ctx, events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
	chained := time.Since(start)
	b.StopTimer()

	baseline := encodeBaseline(b, dir, events, b.N)
	chainedRate := float64(b.N) / chained.Seconds()
	baselineRate := float64(b.N) / baseline.Seconds()
	b.ReportMetric(chainedRate, "events/s")
	b.ReportMetric(baselineRate, "encoder-events/s")
	b.ReportMetric(chainedRate/baselineRate, "ratio")
}

// BenchmarkFileSinkParallel records from many goroutines, so that the trail
// groups events into batches of one write each.
func BenchmarkFileSinkParallel(b *testing.B) {
	for _, sync := range []struct {
		name   string
		policy audit.SyncPolicy
	}{{"SyncNone", audit.SyncNone}, {"SyncEachAppend", audit.SyncEachAppend}} {
		b.Run(sync.name, func(b *testing.B) {
			events := benchEvents(1024)
			sink, err := audit.OpenFile(audit.FileConfig{Path: filepath.Join(b.TempDir(), "audit.jsonl"), Sync: sync.policy, MaxSize: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			tr := newTrail(b, audit.Config{Keyring: newKeyring(b), Sink: sink})
			var next atomic.Int64
			b.SetParallelism(16)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					if err := tr.Record(context.Background(), events[int(i)%len(events)]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkVerify measures Verify over entries already in memory.
func BenchmarkVerify(b *testing.B) {
	kr := newKeyring(b)
	sink := audit.NewMemorySink()
	tr := newTrail(b, audit.Config{Keyring: kr, Sink: sink})
	recordN(b, tr, gofakeit.New(1), 10000)
	entries := sink.Entries()
	b.ResetTimer()
	for range b.N {
		rep, err := audit.Verify(context.Background(), seqOf(entries), audit.VerifyOptions{Keyring: kr})
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Err())
		}
	}
	b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "entries/s")
}
