package vaultkms_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hidemont/spkit/vaultkms"
)

// fakeVault serves a small imitation of the Transit API for transport
// tests. Its "ciphertext" is not encrypted: it carries the plaintext and
// associated data so the tests can check what was sent. The real engine is
// exercised in the integration module.
type fakeVault struct {
	srv      *httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	fault    func(w http.ResponseWriter, r *http.Request) bool // returns true when it wrote a response
	tokens   map[string]bool
	last     http.Header
	logins   atomic.Int64
	renews   atomic.Int64
}

type fakeBlob struct {
	PT string `json:"pt"`
	AD string `json:"ad"`
}

func newFakeVault(t *testing.T) *fakeVault {
	t.Helper()
	fv := &fakeVault{tokens: map[string]bool{"root": true}}
	fv.srv = httptest.NewServer(http.HandlerFunc(fv.serve))
	t.Cleanup(fv.srv.Close)
	return fv
}

func (fv *fakeVault) setFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	fv.mu.Lock()
	fv.fault = f
	fv.mu.Unlock()
}

func (fv *fakeVault) lastHeader() http.Header {
	fv.mu.Lock()
	defer fv.mu.Unlock()
	return fv.last
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func vaultErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"errors": []string{msg}})
}

func (fv *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	fv.requests.Add(1)
	fv.mu.Lock()
	fault := fv.fault
	fv.last = r.Header.Clone()
	fv.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}

	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	if path == "auth/test/login" {
		if r.Header.Get("X-Vault-Token") != "" {
			vaultErr(w, 400, "login request carries a token")
			return
		}
		fv.logins.Add(1)
		tok := "login-" + time.Now().Format("150405.000000000")
		fv.mu.Lock()
		fv.tokens[tok] = true
		fv.mu.Unlock()
		writeJSON(w, 200, map[string]any{"auth": map[string]any{"client_token": tok, "lease_duration": 60, "renewable": true}})
		return
	}
	fv.mu.Lock()
	ok := fv.tokens[r.Header.Get("X-Vault-Token")]
	fv.mu.Unlock()
	if !ok {
		vaultErr(w, 403, "permission denied")
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)

	switch {
	case path == "auth/token/renew-self":
		fv.renews.Add(1)
		writeJSON(w, 200, map[string]any{"auth": map[string]any{"client_token": r.Header.Get("X-Vault-Token"), "lease_duration": 60, "renewable": true}})
	case strings.Contains(path, "/encrypt/"):
		pt, _ := body["plaintext"].(string)
		ad, _ := body["associated_data"].(string)
		blob, _ := json.Marshal(fakeBlob{PT: pt, AD: ad})
		writeJSON(w, 200, map[string]any{"data": map[string]any{"ciphertext": "vault:v1:" + base64.StdEncoding.EncodeToString(blob)}})
	case strings.Contains(path, "/decrypt/"):
		if in, ok := body["batch_input"].([]any); ok {
			results := make([]any, len(in))
			for i, item := range in {
				m := item.(map[string]any)
				pt, err := fakeOpen(m)
				if err != nil {
					results[i] = map[string]any{"error": err.Error()}
				} else {
					results[i] = map[string]any{"plaintext": pt}
				}
			}
			writeJSON(w, 200, map[string]any{"data": map[string]any{"batch_results": results}})
			return
		}
		pt, err := fakeOpen(body)
		if err != nil {
			vaultErr(w, 400, err.Error())
			return
		}
		writeJSON(w, 200, map[string]any{"data": map[string]any{"plaintext": pt}})
	default:
		vaultErr(w, 404, "no handler for route")
	}
}

func fakeOpen(m map[string]any) (string, error) {
	ct, _ := m["ciphertext"].(string)
	ad, _ := m["associated_data"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(ct, "vault:v1:"))
	if err != nil {
		return "", errors.New("invalid ciphertext")
	}
	var blob fakeBlob
	if json.Unmarshal(raw, &blob) != nil || blob.AD != ad {
		return "", errors.New("cipher: message authentication failed")
	}
	return blob.PT, nil
}

func newTestTransit(t *testing.T, fv *fakeVault, mutate func(*vaultkms.TransitConfig)) *vaultkms.Transit {
	t.Helper()
	addr := fv.srv.URL
	cfg := vaultkms.TransitConfig{
		KeyURI:      "hcvault://" + strings.TrimPrefix(addr, "http://") + "/team/transit/keys/kek",
		Address:     addr,
		Token:       "root",
		Timeout:     time.Second,
		MaxAttempts: 3,
		MinBackoff:  time.Millisecond,
		MaxBackoff:  5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	tr, err := vaultkms.NewTransit(cfg)
	if err != nil {
		t.Fatalf("NewTransit: %v", err)
	}
	return tr
}

func TestTransitRoundTrip(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) { c.Namespace = "team-a" })
	ctx := context.Background()

	ct, err := tr.EncryptWithContext(ctx, []byte("key material"), []byte("ad"))
	if err != nil {
		t.Fatalf("EncryptWithContext: %v", err)
	}
	if !bytes.HasPrefix(ct, []byte("vault:v1:")) {
		t.Fatalf("ciphertext %q lacks the Transit prefix", ct)
	}
	if got := fv.lastHeader().Get("X-Vault-Namespace"); got != "team-a" {
		t.Errorf("X-Vault-Namespace = %q, want team-a", got)
	}
	pt, err := tr.DecryptWithContext(ctx, ct, []byte("ad"))
	if err != nil {
		t.Fatalf("DecryptWithContext: %v", err)
	}
	if string(pt) != "key material" {
		t.Fatalf("DecryptWithContext = %q", pt)
	}
	// The associated data reached Vault: another one fails.
	if _, err := tr.DecryptWithContext(ctx, ct, []byte("other")); !errors.Is(err, vaultkms.ErrDecrypt) {
		t.Fatalf("DecryptWithContext with other associated data: %v, want ErrDecrypt", err)
	}
	// The tink.AEAD methods work too.
	ct2, err := tr.Encrypt([]byte("k"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := tr.Decrypt(ct2, nil); err != nil || string(pt) != "k" {
		t.Fatalf("Decrypt = %q, %v", pt, err)
	}
}

func TestTransitIgnoresEnvironment(t *testing.T) {
	// Not parallel: it sets environment variables.
	t.Setenv("VAULT_TOKEN", "env-token")
	t.Setenv("VAULT_NAMESPACE", "env-namespace")
	t.Setenv("VAULT_HEADERS", `{"X-Env":"1"}`)
	t.Setenv("VAULT_WRAP_TTL", "5m")
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, nil)
	if _, err := tr.EncryptWithContext(context.Background(), []byte("k"), nil); err != nil {
		t.Fatalf("EncryptWithContext: %v", err)
	}
	h := fv.lastHeader()
	for name, want := range map[string]string{"X-Vault-Token": "root", "X-Vault-Namespace": "", "X-Env": "", "X-Vault-Wrap-Ttl": ""} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}

func TestTransitErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		fault    func(w http.ResponseWriter, r *http.Request) bool
		want     error
		attempts int64
	}{
		{"503 sealed", func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 503, "Vault is sealed"); return true }, vaultkms.ErrUnavailable, 3},
		{"500", func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 500, "internal error"); return true }, vaultkms.ErrUnavailable, 3},
		{"429", func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 429, "rate limited"); return true }, vaultkms.ErrUnavailable, 3},
		{"403", func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 403, "permission denied"); return true }, vaultkms.ErrPermissionDenied, 1},
		{"key not found", func(w http.ResponseWriter, r *http.Request) bool {
			vaultErr(w, 400, "encryption key not found")
			return true
		}, vaultkms.ErrKeyNotFound, 1},
		{"too old", func(w http.ResponseWriter, r *http.Request) bool {
			vaultErr(w, 400, "ciphertext or signature version is disallowed by policy (too old)")
			return true
		}, vaultkms.ErrVersionTooOld, 1},
		{"bad ciphertext", func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 400, "invalid ciphertext"); return true }, vaultkms.ErrDecrypt, 1},
		{"404", func(w http.ResponseWriter, r *http.Request) bool {
			vaultErr(w, 404, "no handler for route")
			return true
		}, vaultkms.ErrKeyNotFound, 1},
		{"204", func(w http.ResponseWriter, r *http.Request) bool { w.WriteHeader(204); return true }, vaultkms.ErrInvalidResponse, 1},
		{"empty body", func(w http.ResponseWriter, r *http.Request) bool { w.WriteHeader(200); return true }, vaultkms.ErrInvalidResponse, 1},
		{"no data", func(w http.ResponseWriter, r *http.Request) bool { writeJSON(w, 200, map[string]any{}); return true }, vaultkms.ErrInvalidResponse, 1},
		{"missing plaintext", func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, map[string]any{"data": map[string]any{"other": "x"}})
			return true
		}, vaultkms.ErrInvalidResponse, 1},
		{"empty plaintext", func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, map[string]any{"data": map[string]any{"plaintext": ""}})
			return true
		}, vaultkms.ErrInvalidResponse, 1},
		{"plaintext not base64", func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, map[string]any{"data": map[string]any{"plaintext": "%%%"}})
			return true
		}, vaultkms.ErrInvalidResponse, 1},
		{"html", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>proxy</html>"))
			return true
		}, vaultkms.ErrInvalidResponse, 1},
		{"oversized body", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":{"plaintext":"`))
			chunk := bytes.Repeat([]byte("A"), 1<<20)
			for range 2 { // export_test.go lowers the limit to 1 MiB
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			_, _ = w.Write([]byte(`"}}`))
			return true
		}, vaultkms.ErrInvalidResponse, 1},
		{"cut connection", func(w http.ResponseWriter, r *http.Request) bool {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return true
		}, vaultkms.ErrUnavailable, 3},
		{"redirect", func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "http://127.0.0.1:1/v1/elsewhere", http.StatusTemporaryRedirect)
			return true
		}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fv := newFakeVault(t)
			tr := newTestTransit(t, fv, nil)
			ct, err := tr.EncryptWithContext(ctx, []byte("k"), []byte("ad"))
			if err != nil {
				t.Fatalf("EncryptWithContext: %v", err)
			}
			before := fv.requests.Load()
			fv.setFault(tc.fault)

			pt, err := tr.DecryptWithContext(ctx, ct, []byte("ad"))
			if err == nil {
				t.Fatalf("DecryptWithContext succeeded with %q, want an error", pt)
			}
			if pt != nil {
				t.Errorf("DecryptWithContext returned %d bytes with the error", len(pt))
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
			var te *vaultkms.TransitError
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *TransitError", err)
			}
			if got := fv.requests.Load() - before; got != tc.attempts {
				t.Errorf("requests = %d, want %d", got, tc.attempts)
			}
		})
	}
}

func TestTransitRetryThenSuccess(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, nil)
	var n atomic.Int64
	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1) <= 2 {
			vaultErr(w, 502, "bad gateway")
			return true
		}
		return false
	})
	if _, err := tr.EncryptWithContext(context.Background(), []byte("k"), nil); err != nil {
		t.Fatalf("EncryptWithContext after two 502s: %v", err)
	}
	if got := tr.Stats().Retries; got != 2 {
		t.Errorf("retries = %d, want 2", got)
	}
}

func TestTransitTimeout(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) { c.Timeout = 50 * time.Millisecond; c.MaxAttempts = 2 })
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	start := time.Now()
	_, err := tr.EncryptWithContext(context.Background(), []byte("k"), nil)
	if !errors.Is(err, vaultkms.ErrUnavailable) || !vaultkms.IsRetryable(err) {
		t.Fatalf("EncryptWithContext against a hung server: %v, want retryable ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about two 50ms attempts", d)
	}
}

func TestTransitContextCanceled(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) { c.MinBackoff = time.Second; c.MaxBackoff = time.Second })
	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 503, "sealed"); return true })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := tr.EncryptWithContext(ctx, []byte("k"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("EncryptWithContext with a deadline during backoff: %v, want context.DeadlineExceeded", err)
	}
}

type testLogin struct{}

func (testLogin) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	return c.Logical().WriteWithContext(ctx, "auth/test/login", map[string]any{"role_id": "synthetic"})
}

func TestTransitReloginAfter403(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) { c.Token = "expired"; c.Auth = testLogin{} })
	ctx := context.Background()
	if _, err := tr.EncryptWithContext(ctx, []byte("k"), nil); err != nil {
		t.Fatalf("EncryptWithContext with an expired token and an auth method: %v", err)
	}
	if got := fv.logins.Load(); got != 1 {
		t.Errorf("logins = %d, want 1", got)
	}
	if _, err := tr.EncryptWithContext(ctx, []byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	if got := fv.logins.Load(); got != 1 {
		t.Errorf("logins after a second call = %d, want still 1", got)
	}
}

func TestTransitLoginDeniedStaysDenied(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) { c.Token = ""; c.Auth = testLogin{} })
	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/encrypt/") {
			vaultErr(w, 403, "permission denied")
			return true
		}
		return false
	})
	_, err := tr.EncryptWithContext(context.Background(), []byte("k"), nil)
	if !errors.Is(err, vaultkms.ErrPermissionDenied) {
		t.Fatalf("EncryptWithContext without the capability: %v, want ErrPermissionDenied", err)
	}
	if got := fv.logins.Load(); got != 1 {
		t.Errorf("logins = %d, want 1: a 403 right after a login does not trigger another", got)
	}
}

func TestTransitTokenRenewal(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tr := newTestTransit(t, fv, func(c *vaultkms.TransitConfig) {
		c.Token = ""
		c.Auth = testLogin{}
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	ctx := context.Background()
	if _, err := tr.EncryptWithContext(ctx, []byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(45 * time.Second) // three quarters of the 60s TTL
	mu.Unlock()
	if _, err := tr.EncryptWithContext(ctx, []byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	if got := fv.renews.Load(); got != 1 {
		t.Errorf("renewals = %d, want 1", got)
	}

	// A failed renewal leads to a new login.
	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "renew-self") {
			vaultErr(w, 403, "permission denied")
			return true
		}
		return false
	})
	mu.Lock()
	now = now.Add(45 * time.Second)
	mu.Unlock()
	if _, err := tr.EncryptWithContext(ctx, []byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	if got := fv.logins.Load(); got != 2 {
		t.Errorf("logins = %d, want 2", got)
	}
}

func TestTransitDecryptBatch(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, nil)
	ctx := context.Background()
	var items []vaultkms.BatchItem
	for i := range 5 {
		ad := []byte{byte(i)}
		ct, err := tr.EncryptWithContext(ctx, []byte{'k', byte(i)}, ad)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, vaultkms.BatchItem{Ciphertext: ct, AssociatedData: ad})
	}
	items[3].AssociatedData = []byte("wrong")
	before := fv.requests.Load()
	res, err := tr.DecryptBatch(ctx, items)
	if err != nil {
		t.Fatalf("DecryptBatch: %v", err)
	}
	if got := fv.requests.Load() - before; got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
	for i, r := range res {
		if i == 3 {
			if !errors.Is(r.Err, vaultkms.ErrDecrypt) {
				t.Errorf("item 3 error = %v, want ErrDecrypt", r.Err)
			}
			continue
		}
		if r.Err != nil || !bytes.Equal(r.Plaintext, []byte{'k', byte(i)}) {
			t.Errorf("item %d = %q, %v", i, r.Plaintext, r.Err)
		}
	}

	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		writeJSON(w, 200, map[string]any{"data": map[string]any{"batch_results": []any{}}})
		return true
	})
	if _, err := tr.DecryptBatch(ctx, items); !errors.Is(err, vaultkms.ErrInvalidResponse) {
		t.Fatalf("DecryptBatch with too few results: %v, want ErrInvalidResponse", err)
	}
}

func TestNewTransitConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  vaultkms.TransitConfig
	}{
		{"bad URI", vaultkms.TransitConfig{KeyURI: "gcp-kms://x", Token: "t"}},
		{"no credentials", vaultkms.TransitConfig{KeyURI: "hcvault://h/transit/keys/k"}},
		{"host mismatch", vaultkms.TransitConfig{KeyURI: "hcvault://h/transit/keys/k", Address: "http://other", Token: "t"}},
		{"bad address", vaultkms.TransitConfig{KeyURI: "hcvault://h/transit/keys/k", Address: "ftp://h", Token: "t"}},
		{"negative timeout", vaultkms.TransitConfig{KeyURI: "hcvault://h/transit/keys/k", Token: "t", Timeout: -1}},
	} {
		if _, err := vaultkms.NewTransit(tc.cfg); err == nil {
			t.Errorf("%s: NewTransit succeeded, want an error", tc.name)
		}
	}
}

func TestKeyringOverFakeTransit(t *testing.T) {
	t.Parallel()
	fv := newFakeVault(t)
	tr := newTestTransit(t, fv, nil)
	ring, err := vaultkms.New(vaultkms.Config{KEK: tr, Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bind := binding(nil)
	ct, err := ring.Seal(ctx, "b1", bind, []byte("v"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	ring.Flush()

	fv.setFault(func(w http.ResponseWriter, r *http.Request) bool { vaultErr(w, 503, "Vault is sealed"); return true })
	_, err = ring.Open(ctx, "b1", bind, ct)
	if !errors.Is(err, vaultkms.ErrUnavailable) {
		t.Fatalf("Open with Vault sealed: %v, want ErrUnavailable", err)
	}
	_, err = ring.Seal(ctx, "b2", bind, []byte("v"))
	if !errors.Is(err, vaultkms.ErrUnavailable) {
		t.Fatalf("Seal with Vault sealed: %v, want ErrUnavailable", err)
	}

	fv.setFault(nil)
	if pt, err := ring.Open(ctx, "b1", bind, ct); err != nil || string(pt) != "v" {
		t.Fatalf("Open with Vault back: %q, %v", pt, err)
	}
}
