package vaultkms_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/hashicorp/vault/api"

	"github.com/hidemont/spkit/integration/transit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

// fakeClock is a settable clock shared by the Transit server and the KEK.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// appRole logs in with AppRole credentials, as the AppRole auth method of
// vault/api/auth/approle does.
type appRole struct {
	roleID, secretID string
}

func (a appRole) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	return c.Logical().WriteWithContext(ctx, "auth/approle/login", map[string]any{"role_id": a.roleID, "secret_id": a.secretID})
}

// startTransit starts the engine and creates the aes256-gcm96 key "kek" in
// every listed mount of the given namespace.
func startTransit(t testing.TB, opts transit.Options, namespace string, mounts ...string) *transit.Server {
	t.Helper()
	srv := transit.Start(t, opts)
	c := srv.Client(t)
	if namespace != "" {
		c.SetNamespace(namespace)
	}
	if len(mounts) == 0 {
		mounts = []string{"transit"}
	}
	for _, m := range mounts {
		if _, err := c.Logical().WriteWithContext(context.Background(), m+"/keys/kek", map[string]any{"type": "aes256-gcm96"}); err != nil {
			t.Fatalf("create key %s/keys/kek: %v", m, err)
		}
	}
	srv.ResetCalls()
	return srv
}

// newTransitKEK returns a Transit KEK for the key kek of mount in srv.
func newTransitKEK(t testing.TB, srv *transit.Server, mount string, mutate func(*vaultkms.TransitConfig)) *vaultkms.Transit {
	t.Helper()
	cfg := vaultkms.TransitConfig{
		KeyURI:      "hcvault://" + srv.Addr() + "/" + mount + "/keys/kek",
		Address:     srv.URL(),
		Token:       srv.RootToken(),
		Timeout:     2 * time.Second,
		MaxAttempts: 3,
		MinBackoff:  5 * time.Millisecond,
		MaxBackoff:  20 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	kek, err := vaultkms.NewTransit(cfg)
	if err != nil {
		t.Fatalf("NewTransit: %v", err)
	}
	return kek
}

func newKeyring(t testing.TB, cfg vaultkms.Config) *vaultkms.Keyring {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = vaultkms.NewMemoryKeyStore()
	}
	ring, err := vaultkms.New(cfg)
	if err != nil {
		t.Fatalf("vaultkms.New: %v", err)
	}
	return ring
}

func newBinding(f *gofakeit.Faker, seller string) pii.Binding {
	return pii.Binding{Seller: seller, Table: "orders", Column: "shipping_address", RowID: f.UUID()}
}

// transitCalls counts the requests to Transit's encrypt, decrypt and key
// endpoints that the server recorded.
func transitCalls(srv *transit.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Path != "sys/health" {
			n++
		}
	}
	return n
}
