package vaultkms_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hidemont/spkit/integration/transit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

// BenchmarkVaultCalls10kFields seals 10,000 fields spread over 10 buckets
// with a new keyring (a process start) and reports the Transit requests
// this costs as "vault-calls/op": the keysets are unwrapped once each and
// then cached. "existing" buckets already have keysets in the store;
// "new" buckets are created by the first seal.
func BenchmarkVaultCalls10kFields(b *testing.B) {
	for _, existing := range []bool{true, false} {
		name := "new"
		if existing {
			name = "existing"
		}
		b.Run(name, func(b *testing.B) {
			srv := startTransit(b, transit.Options{}, "")
			ctx := context.Background()
			pt := []byte("Synthetic Street 12, 12345 Exampletown")
			store := vaultkms.NewMemoryKeyStore()
			if existing {
				ring := newKeyring(b, vaultkms.Config{KEK: newTransitKEK(b, srv, "transit", nil), Store: store})
				for i := range 10 {
					if _, err := ring.Seal(ctx, fmt.Sprintf("bucket-%d", i), benchBinding(0), pt); err != nil {
						b.Fatal(err)
					}
				}
			}

			b.ResetTimer()
			calls := 0
			for range b.N {
				b.StopTimer()
				if !existing {
					store = vaultkms.NewMemoryKeyStore()
				}
				ring := newKeyring(b, vaultkms.Config{KEK: newTransitKEK(b, srv, "transit", nil), Store: store})
				srv.ResetCalls()
				b.StartTimer()
				for i := range 10_000 {
					if _, err := ring.Seal(ctx, fmt.Sprintf("bucket-%d", i%10), benchBinding(i), pt); err != nil {
						b.Fatal(err)
					}
				}
				calls += transitCalls(srv)
			}
			b.ReportMetric(float64(calls)/float64(b.N), "vault-calls/op")
		})
	}
}

func benchBinding(i int) pii.Binding {
	return pii.Binding{Seller: "A2EXAMPLESELLER", Table: "orders", Column: "shipping_address", RowID: fmt.Sprintf("row-%d", i)}
}

// BenchmarkWarm1000Buckets unwraps the keysets of 1,000 buckets at start-up
// against the real Transit engine, in batches of 250 and, as the baseline
// in the same run, one Transit call each. It reports the median time of
// each way, the speed-up ("speedup" = one-by-one time / batch time) and the
// Transit requests of each way.
func BenchmarkWarm1000Buckets(b *testing.B) {
	srv := startTransit(b, transit.Options{}, "")
	ctx := context.Background()
	store := vaultkms.NewMemoryKeyStore()
	kek := newTransitKEK(b, srv, "transit", nil)
	ring := newKeyring(b, vaultkms.Config{KEK: kek, Store: store})
	refs := make([]vaultkms.BucketRef, 1000)
	for i := range refs {
		refs[i] = vaultkms.BucketRef{Seller: "A2EXAMPLESELLER", Bucket: fmt.Sprintf("2026-%04d", i)}
		if _, err := ring.Seal(ctx, refs[i].Bucket, benchBinding(i), []byte("v")); err != nil {
			b.Fatal(err)
		}
	}

	warm := func(batch int) (time.Duration, int) {
		r := newKeyring(b, vaultkms.Config{KEK: kek, Store: store, BatchSize: batch})
		srv.ResetCalls()
		start := time.Now()
		n, err := r.Warm(ctx, refs)
		d := time.Since(start)
		if err != nil || n != len(refs) {
			b.Fatalf("Warm with batch size %d = %d, %v", batch, n, err)
		}
		return d, transitCalls(srv)
	}

	// Each iteration warms both ways; the medians leave out iterations that
	// other load on a shared machine slowed down.
	b.ResetTimer()
	var batchTimes, singleTimes []time.Duration
	var batchCalls, singleCalls int
	for range b.N {
		d, c := warm(250)
		batchTimes = append(batchTimes, d)
		batchCalls += c
		d, c = warm(1)
		singleTimes = append(singleTimes, d)
		singleCalls += c
	}
	batch, single := median(batchTimes), median(singleTimes)
	b.ReportMetric(float64(batch.Microseconds())/1000, "batch-ms/op")
	b.ReportMetric(float64(single.Microseconds())/1000, "single-ms/op")
	b.ReportMetric(float64(single)/float64(batch), "speedup")
	b.ReportMetric(float64(batchCalls)/float64(b.N), "batch-vault-calls/op")
	b.ReportMetric(float64(singleCalls)/float64(b.N), "single-vault-calls/op")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}
