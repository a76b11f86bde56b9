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

// encoder writes events with a plain json.Encoder, the baseline the file
// sink is measured against.
type encoder struct {
	f   *os.File
	enc *json.Encoder
}

func newEncoder(b *testing.B, dir string) *encoder {
	b.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "baseline.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &encoder{f: f, enc: json.NewEncoder(f)}
}

// write encodes n events and returns the time it took.
func (e *encoder) write(b *testing.B, events []audit.Event, from, n int) time.Duration {
	start := time.Now()
	for i := from; i < from+n; i++ {
		if err := e.enc.Encode(&events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

func newFileTrail(b *testing.B, dir string, sync audit.SyncPolicy) *audit.Trail {
	b.Helper()
	sink, err := audit.OpenFile(audit.FileConfig{Path: filepath.Join(dir, "audit.jsonl"), Sync: sync, MaxSize: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sink.Close() })
	return newTrail(b, audit.Config{Keyring: newKeyring(b), Sink: sink})
}

// reportRates reports the trail's and the encoder's rates and their ratio.
func reportRates(b *testing.B, n int, chained, baseline time.Duration) {
	chainedRate := float64(n) / chained.Seconds()
	baselineRate := float64(n) / baseline.Seconds()
	b.ReportMetric(chainedRate, "events/s")
	b.ReportMetric(baselineRate, "encoder-events/s")
	b.ReportMetric(chainedRate/baselineRate, "ratio")
}

// BenchmarkFileSinkVsEncoder compares a Trail over a FileSink (validation,
// pseudonyms, chain MAC, JSON, and one write per append) with a plain
// json.Encoder writing the same events to a file in the same directory.
// Neither calls fsync (SyncNone), so the ratio shows the cost of the trail
// itself. It reports both rates and the ratio.
//
// "sink" appends one entry at a time straight to the FileSink (chain MAC,
// JSON, one write per entry), without a Trail. "sequential" records through
// a Trail from one goroutine, which adds validation, pseudonyms and two
// goroutine hand-offs per event. Both alternate chunks of 256 events with
// the encoder so that both sides see the same machine load. "parallel16"
// records from 16 goroutines, whose events the trail groups into batches,
// against the encoder's rate measured before and after.
func BenchmarkFileSinkVsEncoder(b *testing.B) {
	events := benchEvents(1024)
	ctx := context.Background()

	b.Run("sink", func(b *testing.B) {
		dir := b.TempDir()
		sink, err := audit.OpenFile(audit.FileConfig{Path: filepath.Join(dir, "audit.jsonl"), Sync: audit.SyncNone, MaxSize: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		defer sink.Close()
		kr := newKeyring(b)
		enc := newEncoder(b, dir)
		stored := make([]audit.Entry, len(events))
		for i, e := range events {
			stored[i] = audit.Entry{Time: e.Time, Actor: e.Actor, Source: "192.0.2.0/24", Action: e.Action,
				Outcome: e.Outcome, SellerID: e.SellerID, OrderID: e.OrderID, Bucket: e.Bucket, Count: e.Count}
		}
		const chunk = 256
		var chained, baseline time.Duration
		one := make([]audit.Entry, 1)
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; done += chunk {
			n := min(chunk, b.N-done)
			start := time.Now()
			for i := done; i < done+n; i++ {
				one[0] = stored[i%len(stored)]
				if err := sink.Append(ctx, kr, one); err != nil {
					b.Fatal(err)
				}
			}
			chained += time.Since(start)
			baseline += enc.write(b, events, done, n)
		}
		b.StopTimer()
		reportRates(b, b.N, chained, baseline)
	})

	b.Run("sequential", func(b *testing.B) {
		dir := b.TempDir()
		tr := newFileTrail(b, dir, audit.SyncNone)
		enc := newEncoder(b, dir)
		const chunk = 256
		var chained, baseline time.Duration
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; done += chunk {
			n := min(chunk, b.N-done)
			start := time.Now()
			for i := done; i < done+n; i++ {
				if err := tr.Record(ctx, events[i%len(events)]); err != nil {
					b.Fatal(err)
				}
			}
			chained += time.Since(start)
			baseline += enc.write(b, events, done, n)
		}
		b.StopTimer()
		reportRates(b, b.N, chained, baseline)
	})

	b.Run("parallel16", func(b *testing.B) {
		dir := b.TempDir()
		tr := newFileTrail(b, dir, audit.SyncNone)
		enc := newEncoder(b, dir)
		baseline := enc.write(b, events, 0, b.N/2)
		var next atomic.Int64
		b.SetParallelism(8) // 16 goroutines on 2 cores
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				if err := tr.Record(ctx, events[int(i)%len(events)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		chained := time.Since(start)
		b.StopTimer()
		baseline += enc.write(b, events, b.N/2, b.N-b.N/2)
		reportRates(b, b.N, chained, baseline)
	})
}

// BenchmarkFileSinkSyncEachAppend records from 16 goroutines with an fsync
// per append, the default policy.
func BenchmarkFileSinkSyncEachAppend(b *testing.B) {
	events := benchEvents(1024)
	tr := newFileTrail(b, b.TempDir(), audit.SyncEachAppend)
	var next atomic.Int64
	b.SetParallelism(8)
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
