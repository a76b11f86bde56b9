package vaultkms

import (
	"context"
	"testing"
	"time"

	"github.com/hidemont/spkit/pii"
)

// benchPlaintext is the size of a typical sealed field, such as an address
// line or an e-mail address.
const benchPlaintext = 64

// warmRing returns a keyring with one cached bucket, the raw Tink AEAD
// primitive of that bucket's keyset, and the associated data a field of
// bind gets.
func warmRing(b *testing.B) (*Keyring, *entry, pii.Binding) {
	b.Helper()
	ring, err := New(Config{KEK: NewInsecureLocalKEK(), Store: NewMemoryKeyStore()})
	if err != nil {
		b.Fatal(err)
	}
	bind := pii.Binding{Seller: "A2EXAMPLESELLER", Table: "orders", Column: "shipping_address", RowID: "902-3159896-1390916"}
	if _, err := ring.Seal(context.Background(), "2026-12-04", bind, []byte("x")); err != nil {
		b.Fatal(err)
	}
	e, _ := ring.cache.get(BucketRef{bind.Seller, "2026-12-04"})
	if e == nil {
		b.Fatal("bucket not cached")
	}
	return ring, e, bind
}

// interleave runs b.N calls of each function in alternating chunks, so that
// load from other processes on the machine hits both alike, and returns the
// time spent in each.
func interleave(b *testing.B, ours, baseline func() error) (oursTime, baseTime time.Duration) {
	const chunk = 256
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		start := time.Now()
		for range n {
			if err := ours(); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		for range n {
			if err := baseline(); err != nil {
				b.Fatal(err)
			}
		}
		oursTime += mid.Sub(start)
		baseTime += time.Since(mid)
	}
	return oursTime, baseTime
}

// BenchmarkFieldSeal compares Keyring.Seal on a warm keyring with Tink's
// raw AEAD primitive of the same keyset and the same associated data, in
// the same run, and reports keyring time over Tink time as "ratio".
func BenchmarkFieldSeal(b *testing.B) {
	ring, e, bind := warmRing(b)
	ctx := context.Background()
	pt := make([]byte, benchPlaintext)
	ad := fieldAssociatedData("2026-12-04", bind)

	b.ReportAllocs()
	b.ResetTimer()
	ringTime, rawTime := interleave(b, func() error {
		_, err := ring.Seal(ctx, "2026-12-04", bind, pt)
		return err
	}, func() error {
		_, err := e.aead.Encrypt(pt, ad)
		return err
	})
	b.ReportMetric(float64(ringTime.Nanoseconds())/float64(b.N), "keyring-ns/op")
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "tink-ns/op")
	b.ReportMetric(float64(ringTime)/float64(rawTime), "ratio")
}

// BenchmarkFieldOpen is BenchmarkFieldSeal for decryption.
func BenchmarkFieldOpen(b *testing.B) {
	ring, e, bind := warmRing(b)
	ctx := context.Background()
	pt := make([]byte, benchPlaintext)
	ad := fieldAssociatedData("2026-12-04", bind)
	ct, err := ring.Seal(ctx, "2026-12-04", bind, pt)
	if err != nil {
		b.Fatal(err)
	}
	rawCT := ct[fieldHeaderSize:]

	b.ReportAllocs()
	b.ResetTimer()
	ringTime, rawTime := interleave(b, func() error {
		_, err := ring.Open(ctx, "2026-12-04", bind, ct)
		return err
	}, func() error {
		_, err := e.aead.Decrypt(rawCT, ad)
		return err
	})
	b.ReportMetric(float64(ringTime.Nanoseconds())/float64(b.N), "keyring-ns/op")
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "tink-ns/op")
	b.ReportMetric(float64(ringTime)/float64(rawTime), "ratio")
}

// BenchmarkFieldOpenOnly measures Keyring.Open alone, for profiling.
func BenchmarkFieldOpenOnly(b *testing.B) {
	ring, _, bind := warmRing(b)
	ctx := context.Background()
	ct, err := ring.Seal(ctx, "2026-12-04", bind, make([]byte, benchPlaintext))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ring.Open(ctx, "2026-12-04", bind, ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlindIndex measures one blind index on a warm keyring.
func BenchmarkBlindIndex(b *testing.B) {
	ring, _, bind := warmRing(b)
	ctx := context.Background()
	v := []byte("synthetic.buyer@example.invalid")
	if _, err := ring.BlindIndex(ctx, bind.Seller, pii.KindEmail, v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ring.BlindIndex(ctx, bind.Seller, pii.KindEmail, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFieldSealOnly measures Keyring.Seal alone, for profiling.
func BenchmarkFieldSealOnly(b *testing.B) {
	ring, _, bind := warmRing(b)
	ctx := context.Background()
	pt := make([]byte, benchPlaintext)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ring.Seal(ctx, "2026-12-04", bind, pt); err != nil {
			b.Fatal(err)
		}
	}
}
