package audit_test

import (
	"context"
	"crypto/rand"
	"net/netip"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

// newKey returns a key with a random secret.
func newKey(t testing.TB, id string) audit.Key {
	t.Helper()
	secret := make([]byte, audit.MinKeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatalf("read random secret: %v", err)
	}
	return audit.Key{ID: id, Secret: secret}
}

func newKeyring(t testing.TB) *audit.Keyring {
	t.Helper()
	kr, err := audit.NewKeyring(newKey(t, "k1"))
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return kr
}

// newTrail returns a running trail over cfg, closed at cleanup. Keyring and
// Sink default to a fresh keyring and memory sink.
func newTrail(t testing.TB, cfg audit.Config) *audit.Trail {
	t.Helper()
	if cfg.Keyring == nil {
		cfg.Keyring = newKeyring(t)
	}
	if cfg.Sink == nil {
		cfg.Sink = audit.NewMemorySink()
	}
	tr, err := audit.New(cfg)
	if err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return tr
}

// fakeEvent returns a valid event with synthetic identifiers.
func fakeEvent(f *gofakeit.Faker, action audit.Action) audit.Event {
	return audit.Event{
		Time:     time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC).Add(time.Duration(f.IntRange(0, 1e6)) * time.Millisecond),
		Actor:    "u-" + f.Numerify("######"),
		SourceIP: netip.MustParseAddr(f.IPv4Address()),
		Action:   action,
		Outcome:  audit.OutcomeSuccess,
		SellerID: "A" + f.Numerify("#############"),
		OrderID:  f.Numerify("###-#######-#######"),
		Bucket:   "2026-12-04",
		Count:    f.IntRange(0, 50),
	}
}

// recordN records n synthetic read events.
func recordN(t testing.TB, tr *audit.Trail, f *gofakeit.Faker, n int) {
	t.Helper()
	for range n {
		if err := tr.Record(context.Background(), fakeEvent(f, audit.ActionRead)); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
}

func fakerFor(seed uint64) *gofakeit.Faker { return gofakeit.New(seed) }
