package transit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hidemont/spkit/integration/transit"
)

// encrypt encrypts plaintext with the Transit key at keyPath (for example
// "transit/encrypt/kek") and returns the ciphertext.
func encrypt(t *testing.T, c *api.Client, keyPath string, plaintext []byte, extra map[string]any) string {
	t.Helper()
	data := map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)}
	for k, v := range extra {
		data[k] = v
	}
	secret, err := c.Logical().WriteWithContext(context.Background(), keyPath, data)
	require.NoError(t, err, "encrypt with %s", keyPath)
	require.NotNil(t, secret, "encrypt with %s returned no secret", keyPath)
	ct, ok := secret.Data["ciphertext"].(string)
	require.True(t, ok, "encrypt response has no ciphertext string: %v", secret.Data)
	return ct
}

// decrypt decrypts ciphertext with the key at keyPath (for example
// "transit/decrypt/kek").
func decrypt(c *api.Client, keyPath, ciphertext string, extra map[string]any) ([]byte, error) {
	data := map[string]any{"ciphertext": ciphertext}
	for k, v := range extra {
		data[k] = v
	}
	secret, err := c.Logical().WriteWithContext(context.Background(), keyPath, data)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		return nil, errors.New("decrypt returned no secret")
	}
	b64, _ := secret.Data["plaintext"].(string)
	return base64.StdEncoding.DecodeString(b64)
}

// responseStatus returns the HTTP status of a vault/api error, or 0.
func responseStatus(err error) int {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// rawRequest sends one HTTP request with token and returns status and body.
func rawRequest(t *testing.T, srv *transit.Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	plaintext := []byte(gofakeit.Name())

	_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", map[string]any{"type": "aes256-gcm96"})
	require.NoError(t, err)
	ct := encrypt(t, c, "transit/encrypt/kek", plaintext, nil)
	assert.True(t, strings.HasPrefix(ct, "vault:v1:"), "ciphertext %q lacks the v1 prefix", ct)

	got, err := decrypt(c, "transit/decrypt/kek", ct, nil)
	require.NoError(t, err)
	assert.Equal(t, plaintext, got)
}

func TestRotationAndMinDecryptionVersion(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	plaintext := []byte(gofakeit.Email())

	ctV1 := encrypt(t, c, "transit/encrypt/kek", plaintext, nil) // creates the key
	_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek/rotate", nil)
	require.NoError(t, err)
	ctV2 := encrypt(t, c, "transit/encrypt/kek", plaintext, nil)
	require.True(t, strings.HasPrefix(ctV2, "vault:v2:"), "ciphertext after rotation is %q, want vault:v2:", ctV2)

	got, err := decrypt(c, "transit/decrypt/kek", ctV1, nil)
	require.NoError(t, err, "v1 ciphertext before raising min_decryption_version")
	assert.Equal(t, plaintext, got)

	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek/config", map[string]any{"min_decryption_version": 2})
	require.NoError(t, err)

	_, err = decrypt(c, "transit/decrypt/kek", ctV1, nil)
	require.Error(t, err, "v1 ciphertext must be rejected after min_decryption_version=2")
	assert.Equal(t, http.StatusBadRequest, responseStatus(err))
	assert.Contains(t, err.Error(), "too old")

	got, err = decrypt(c, "transit/decrypt/kek", ctV2, nil)
	require.NoError(t, err, "v2 ciphertext after raising min_decryption_version")
	assert.Equal(t, plaintext, got)

	key, err := c.Logical().ReadWithContext(ctx, "transit/keys/kek")
	require.NoError(t, err)
	assert.Equal(t, json.Number("2"), key.Data["latest_version"])
	assert.Equal(t, json.Number("2"), key.Data["min_decryption_version"])
}

func TestAssociatedDataAndDerivedContext(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	plaintext := []byte(gofakeit.Phone())
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	t.Run("associated data", func(t *testing.T) {
		ad := map[string]any{"associated_data": b64("seller-1/orders/42")}
		ct := encrypt(t, c, "transit/encrypt/aead", plaintext, ad)

		got, err := decrypt(c, "transit/decrypt/aead", ct, ad)
		require.NoError(t, err)
		assert.Equal(t, plaintext, got)

		_, err = decrypt(c, "transit/decrypt/aead", ct, map[string]any{"associated_data": b64("seller-1/orders/43")})
		require.Error(t, err, "decrypt with other associated data must fail")
		assert.Equal(t, http.StatusBadRequest, responseStatus(err))
	})

	t.Run("derived key context", func(t *testing.T) {
		_, err := c.Logical().WriteWithContext(ctx, "transit/keys/derived", map[string]any{"derived": true})
		require.NoError(t, err)
		_, err = c.Logical().WriteWithContext(ctx, "transit/encrypt/derived",
			map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)})
		require.Error(t, err, "a derived key without context must be rejected")
		assert.Equal(t, http.StatusBadRequest, responseStatus(err))

		ct := encrypt(t, c, "transit/encrypt/derived", plaintext, map[string]any{"context": b64("seller-1")})
		got, err := decrypt(c, "transit/decrypt/derived", ct, map[string]any{"context": b64("seller-1")})
		require.NoError(t, err)
		assert.Equal(t, plaintext, got)

		_, err = decrypt(c, "transit/decrypt/derived", ct, map[string]any{"context": b64("seller-2")})
		require.Error(t, err, "decrypt with another context must fail")
		assert.Equal(t, http.StatusBadRequest, responseStatus(err))
	})
}

func TestBatchEncryptDecrypt(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	plaintexts := make([]string, 5)
	batch := make([]map[string]any, len(plaintexts))
	for i := range plaintexts {
		plaintexts[i] = gofakeit.Street()
		batch[i] = map[string]any{"plaintext": base64.StdEncoding.EncodeToString([]byte(plaintexts[i]))}
	}
	secret, err := c.Logical().WriteWithContext(ctx, "transit/encrypt/kek", map[string]any{"batch_input": batch})
	require.NoError(t, err)
	results, ok := secret.Data["batch_results"].([]any)
	require.True(t, ok, "batch_results missing: %v", secret.Data)
	require.Len(t, results, len(plaintexts))

	decBatch := make([]map[string]any, len(results))
	for i, r := range results {
		decBatch[i] = map[string]any{"ciphertext": r.(map[string]any)["ciphertext"]}
	}
	secret, err = c.Logical().WriteWithContext(ctx, "transit/decrypt/kek", map[string]any{"batch_input": decBatch})
	require.NoError(t, err)
	results, ok = secret.Data["batch_results"].([]any)
	require.True(t, ok, "batch_results missing: %v", secret.Data)
	require.Len(t, results, len(plaintexts))
	for i, r := range results {
		got, err := base64.StdEncoding.DecodeString(r.(map[string]any)["plaintext"].(string))
		require.NoError(t, err)
		assert.Equal(t, plaintexts[i], string(got), "batch item %d", i)
	}
	assert.Equal(t, 1, srv.CallCount(transit.OpWrite, "transit/encrypt/kek"), "one call for the whole batch")
	assert.Equal(t, 1, srv.CallCount(transit.OpWrite, "transit/decrypt/kek"))
}

func TestBatchPartialFailureIs400(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	ct := encrypt(t, c, "transit/encrypt/kek", []byte(gofakeit.City()), nil)

	_, err := c.Logical().WriteWithContext(ctx, "transit/decrypt/kek", map[string]any{
		"batch_input": []map[string]any{{"ciphertext": ct}, {"ciphertext": "vault:v1:bm90LWEtY2lwaGVydGV4dA=="}},
	})
	require.Error(t, err)
	assert.Equal(t, http.StatusBadRequest, responseStatus(err))
}

func TestNestedMount(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{Mounts: []string{"transit", "teams/billing/transit"}})
	c := srv.Client(t)
	plaintext := []byte(gofakeit.Name())

	ct := encrypt(t, c, "teams/billing/transit/encrypt/kek", plaintext, nil)
	got, err := decrypt(c, "teams/billing/transit/decrypt/kek", ct, nil)
	require.NoError(t, err)
	assert.Equal(t, plaintext, got)

	_, err = decrypt(c, "transit/decrypt/kek", ct, nil)
	require.Error(t, err, "the key of the nested mount must not exist at transit/")
	assert.Equal(t, http.StatusBadRequest, responseStatus(err))
}

func TestNamespaceIsolation(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{Namespaces: []string{"team-a", "team-b"}})
	ctx := context.Background()
	a := srv.Client(t)
	a.SetNamespace("team-a")
	b := srv.Client(t)
	b.SetNamespace("team-b")
	plaintext := []byte(gofakeit.Name())

	ct := encrypt(t, a, "transit/encrypt/kek", plaintext, nil)
	got, err := decrypt(a, "transit/decrypt/kek", ct, nil)
	require.NoError(t, err)
	assert.Equal(t, plaintext, got)

	key, err := b.Logical().ReadWithContext(ctx, "transit/keys/kek")
	require.NoError(t, err)
	assert.Nil(t, key, "team-b must not see team-a's key")
	key, err = srv.Client(t).Logical().ReadWithContext(ctx, "transit/keys/kek")
	require.NoError(t, err)
	assert.Nil(t, key, "the root namespace must not see team-a's key")

	unknown := srv.Client(t)
	unknown.SetNamespace("team-c")
	_, err = unknown.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	assert.Equal(t, http.StatusNotFound, responseStatus(err), "unknown namespace: %v", err)

	calls := srv.Calls()
	require.NotEmpty(t, calls)
	assert.Equal(t, "team-a", calls[0].Namespace)
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenExpiryAndRenewSelf(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := transit.Start(t, transit.Options{Now: clock.Now, MaxTTL: 3 * time.Hour})
	c := srv.Client(t)
	c.SetToken(srv.NewToken(time.Hour))
	ctx := context.Background()

	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	require.NoError(t, err)
	ttl, err := self.TokenTTL()
	require.NoError(t, err)
	assert.Equal(t, time.Hour, ttl)
	renewable, err := self.TokenIsRenewable()
	require.NoError(t, err)
	assert.True(t, renewable)

	clock.Advance(50 * time.Minute)
	renewed, err := c.Auth().Token().RenewSelfWithContext(ctx, 7200)
	require.NoError(t, err)
	assert.Equal(t, 7200, renewed.Auth.LeaseDuration)
	assert.Equal(t, c.Token(), renewed.Auth.ClientToken)

	clock.Advance(90 * time.Minute) // past the original hour, within the renewal
	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err, "renewed token must still work")

	// The next renewal is capped by MaxTTL: 3h from creation.
	renewed, err = c.Auth().Token().RenewSelfWithContext(ctx, 7200)
	require.NoError(t, err)
	assert.Equal(t, int((40 * time.Minute).Seconds()), renewed.Auth.LeaseDuration)
	assert.NotEmpty(t, renewed.Warnings, "a capped renewal carries a warning")

	clock.Advance(41 * time.Minute)
	_, err = c.Logical().ReadWithContext(ctx, "transit/keys/kek")
	require.Error(t, err, "expired token must be rejected")
	assert.Equal(t, http.StatusForbidden, responseStatus(err))
	assert.Contains(t, err.Error(), "permission denied")
	_, err = c.Auth().Token().RenewSelfWithContext(ctx, 0)
	assert.Equal(t, http.StatusForbidden, responseStatus(err), "an expired token cannot renew itself")
}

func TestRootTokenNotRenewable(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	require.NoError(t, err)
	assert.Equal(t, []any{"root"}, self.Data["policies"])
	assert.Nil(t, self.Data["expire_time"])

	_, err = c.Auth().Token().RenewSelfWithContext(ctx, 0)
	assert.Equal(t, http.StatusBadRequest, responseStatus(err), "renew a root token: %v", err)
}

func TestBadTokenIs403(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})

	status, body := rawRequest(t, srv, http.MethodGet, "/v1/transit/keys/kek", "", "")
	assert.Equal(t, http.StatusForbidden, status, "no token")
	assert.JSONEq(t, `{"errors":["permission denied"]}`, body, "no token")

	// Vault 1.21 joins two errors for a token it does not know.
	const invalid = `{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}`
	status, body = rawRequest(t, srv, http.MethodGet, "/v1/transit/keys/kek", "hvs.not-a-token", "")
	assert.Equal(t, http.StatusForbidden, status, "unknown token")
	assert.JSONEq(t, invalid, body, "unknown token")

	revoked := srv.NewToken(time.Hour)
	srv.RevokeToken(revoked)
	status, body = rawRequest(t, srv, http.MethodGet, "/v1/transit/keys/kek", revoked, "")
	assert.Equal(t, http.StatusForbidden, status, "revoked token")
	assert.JSONEq(t, invalid, body, "revoked token")
}

// appRoleAuth logs in with AppRole, as api/auth/approle does.
type appRoleAuth struct{ roleID, secretID string }

func (a appRoleAuth) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	return c.Logical().WriteWithContext(ctx, "auth/approle/login",
		map[string]any{"role_id": a.roleID, "secret_id": a.secretID})
}

func TestAppRoleLogin(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{LoginTTL: 10 * time.Minute})
	c := srv.Client(t)
	c.ClearToken()
	ctx := context.Background()
	roleID, secretID := srv.AppRoleCredentials()

	secret, err := c.Auth().Login(ctx, appRoleAuth{roleID, secretID})
	require.NoError(t, err)
	require.NotNil(t, secret.Auth)
	assert.Equal(t, 600, secret.Auth.LeaseDuration)
	assert.True(t, secret.Auth.Renewable)
	assert.Equal(t, secret.Auth.ClientToken, c.Token(), "Login sets the client's token")

	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err, "the login token may call Transit")

	again, err := c.Auth().Login(ctx, appRoleAuth{roleID, secretID})
	require.NoError(t, err)
	assert.NotEqual(t, secret.Auth.ClientToken, again.Auth.ClientToken, "each login returns a fresh token")

	_, err = c.Auth().Login(ctx, appRoleAuth{roleID, "wrong"})
	assert.Equal(t, http.StatusBadRequest, responseStatus(err))
}

func TestStopRefusesConnections(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	ct := encrypt(t, c, "transit/encrypt/kek", []byte(gofakeit.Name()), nil)

	srv.Stop()
	// A pooled connection that the stop closed may fail with EOF first.
	// New connections are refused.
	_, err := decrypt(c, "transit/decrypt/kek", ct, nil)
	require.Error(t, err)
	_, err = decrypt(c, "transit/decrypt/kek", ct, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "want connection refused, got %v", err)

	require.NoError(t, srv.Restart())
	_, err = decrypt(c, "transit/decrypt/kek", ct, nil)
	require.NoError(t, err, "keys survive a restart")
	_, err = c.Sys().HealthWithContext(ctx)
	require.NoError(t, err)
}

func TestSealedIs503(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	ct := encrypt(t, c, "transit/encrypt/kek", []byte(gofakeit.Name()), nil)

	srv.Seal()
	_, err := decrypt(c, "transit/decrypt/kek", ct, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, responseStatus(err))
	status, body := rawRequest(t, srv, http.MethodPut, "/v1/transit/decrypt/kek", srv.RootToken(), `{"ciphertext":"`+ct+`"}`)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.JSONEq(t, `{"errors":["Vault is sealed"]}`, body)

	health, err := c.Sys().HealthWithContext(ctx)
	require.NoError(t, err)
	assert.True(t, health.Sealed)
	seal, err := c.Sys().SealStatusWithContext(ctx)
	require.NoError(t, err)
	assert.True(t, seal.Sealed)

	srv.Unseal()
	_, err = decrypt(c, "transit/decrypt/kek", ct, nil)
	require.NoError(t, err)
}

func TestEmptyResponseIs204(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err)
	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek/config", map[string]any{"deletion_allowed": true})
	require.NoError(t, err)

	status, body := rawRequest(t, srv, http.MethodDelete, "/v1/transit/keys/kek", srv.RootToken(), "")
	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, body)

	status, body = rawRequest(t, srv, http.MethodGet, "/v1/transit/keys/kek", srv.RootToken(), "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"errors":[]}`, body)
}

func TestResponseEnvelope(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	status, body := rawRequest(t, srv, http.MethodPost, "/v1/transit/encrypt/kek", srv.RootToken(),
		`{"plaintext":"`+base64.StdEncoding.EncodeToString([]byte(gofakeit.Name()))+`"}`)
	require.Equal(t, http.StatusOK, status, body)

	var env map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	for _, field := range []string{"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth"} {
		assert.Contains(t, env, field)
	}
	assert.JSONEq(t, `""`, string(env["lease_id"]))
	assert.JSONEq(t, `false`, string(env["renewable"]))
	assert.JSONEq(t, `0`, string(env["lease_duration"]))
	assert.JSONEq(t, `null`, string(env["wrap_info"]))
	assert.JSONEq(t, `null`, string(env["auth"]))
	assert.NotEqual(t, `""`, string(env["request_id"]))
}

func TestUserErrorsAre400And404(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err)

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		want   int
	}{
		{"bad ciphertext", http.MethodPost, "/v1/transit/decrypt/kek", `{"ciphertext":"vault:v1:AAAA"}`, http.StatusBadRequest},
		{"not base64 plaintext", http.MethodPost, "/v1/transit/encrypt/kek", `{"plaintext":"%%%"}`, http.StatusBadRequest},
		{"invalid JSON", http.MethodPost, "/v1/transit/encrypt/kek", `{"plaintext":`, http.StatusBadRequest},
		{"unknown transit path", http.MethodGet, "/v1/transit/nothing-here", "", http.StatusNotFound},
		{"unknown mount", http.MethodGet, "/v1/secret/data/x", "", http.StatusNotFound},
		{"missing key", http.MethodGet, "/v1/transit/keys/missing", "", http.StatusNotFound},
		{"outside /v1", http.MethodGet, "/transit/keys/kek", "", http.StatusNotFound},
		{"dot segment", http.MethodGet, "/v1/transit/keys/../keys/kek", "", http.StatusBadRequest},
		{"unsupported method", http.MethodOptions, "/v1/transit/keys/kek", "", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, srv, tt.method, tt.path, srv.RootToken(), tt.body)
			assert.Equal(t, tt.want, status, "body %s", body)
			var e struct{ Errors []string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), "body %q is not Vault's error JSON", body)
			assert.NotNil(t, e.Errors, "body %s", body)
		})
	}
}

func TestListKeys(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	list, err := c.Logical().ListWithContext(ctx, "transit/keys")
	require.NoError(t, err)
	assert.Nil(t, list, "no keys yet")

	for _, name := range []string{"a", "b"} {
		_, err := c.Logical().WriteWithContext(ctx, "transit/keys/"+name, nil)
		require.NoError(t, err)
	}
	list, err = c.Logical().ListWithContext(ctx, "transit/keys")
	require.NoError(t, err)
	require.NotNil(t, list)
	assert.ElementsMatch(t, []any{"a", "b"}, list.Data["keys"])

	status, body := rawRequest(t, srv, http.MethodGet, "/v1/transit/keys?list=true", srv.RootToken(), "")
	assert.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, 3, srv.CallCount(transit.OpList, "transit/keys"))
}

func TestCallsAndReset(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	for range 3 {
		encrypt(t, c, "transit/encrypt/kek", []byte(gofakeit.Name()), nil)
	}
	assert.Equal(t, 3, srv.CallCount(transit.OpWrite, "transit/encrypt/kek"))
	assert.Equal(t, 0, srv.CallCount(transit.OpRead, "transit/encrypt/kek"))
	calls := srv.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, transit.Call{Operation: transit.OpWrite, Path: "transit/encrypt/kek", Status: http.StatusOK}, calls[0])

	srv.ResetCalls()
	assert.Empty(t, srv.Calls())
}

func TestFailNextAndLatency(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)

	require.NoError(t, srv.FailNext(2, http.StatusTooManyRequests))
	for i := range 2 {
		_, err := c.Logical().WriteWithContext(context.Background(), "transit/keys/kek", nil)
		assert.Equal(t, http.StatusTooManyRequests, responseStatus(err), "request %d", i)
	}
	_, err := c.Logical().WriteWithContext(context.Background(), "transit/keys/kek", nil)
	require.NoError(t, err, "the fault ends after n requests")
	assert.Error(t, srv.FailNext(1, http.StatusOK), "a success status is not a fault")

	srv.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Logical().ReadWithContext(ctx, "transit/keys/kek")
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "want deadline exceeded, got %v", err)
}

func TestSysMountsAndNamespaces(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	require.NoError(t, c.Sys().MountWithContext(ctx, "kms/transit", &api.MountInput{Type: "transit"}))
	err := c.Sys().MountWithContext(ctx, "kms/transit", &api.MountInput{Type: "transit"})
	assert.Equal(t, http.StatusBadRequest, responseStatus(err), "mounting twice")
	err = c.Sys().MountWithContext(ctx, "kv", &api.MountInput{Type: "kv"})
	assert.Equal(t, http.StatusBadRequest, responseStatus(err), "only transit can be mounted")

	encrypt(t, c, "kms/transit/encrypt/kek", []byte(gofakeit.Name()), nil)
	mounts, err := c.Sys().ListMountsWithContext(ctx)
	require.NoError(t, err)
	assert.Contains(t, mounts, "kms/transit/")
	assert.Contains(t, mounts, "transit/")

	require.NoError(t, c.Sys().UnmountWithContext(ctx, "kms/transit"))
	_, err = c.Logical().WriteWithContext(ctx, "kms/transit/keys/kek", nil)
	assert.Equal(t, http.StatusNotFound, responseStatus(err), "write to a removed mount: %v", err)

	_, err = c.Logical().WriteWithContext(ctx, "sys/namespaces/team-x", nil)
	require.NoError(t, err)
	c.SetNamespace("team-x")
	encrypt(t, c, "transit/encrypt/kek", []byte(gofakeit.Name()), nil)
}

func TestTokenCreate(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	secret, err := c.Auth().Token().CreateWithContext(ctx, &api.TokenCreateRequest{TTL: "15m"})
	require.NoError(t, err)
	assert.Equal(t, 900, secret.Auth.LeaseDuration)

	c.SetToken(secret.Auth.ClientToken)
	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	require.NoError(t, err)
	ttl, err := self.TokenTTL()
	require.NoError(t, err)
	assert.Equal(t, 15*time.Minute, ttl)

	require.NoError(t, c.Auth().Token().RevokeSelfWithContext(ctx, ""))
	_, err = c.Auth().Token().LookupSelfWithContext(ctx)
	assert.Equal(t, http.StatusForbidden, responseStatus(err))
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts transit.Options
	}{
		{"non-loopback address", transit.Options{Addr: "0.0.0.0:0"}},
		{"bad address", transit.Options{Addr: "localhost"}},
		{"reserved mount", transit.Options{Mounts: []string{"sys/transit"}}},
		{"dot-dot mount", transit.Options{Mounts: []string{"a/../b"}}},
		{"overlapping mounts", transit.Options{Mounts: []string{"a", "a/b"}}},
		{"bad namespace", transit.Options{Namespaces: []string{"a//b"}}},
		{"negative TTL", transit.Options{RootTokenTTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := transit.New(tt.opts)
			if err == nil {
				srv.Close()
			}
			assert.Error(t, err)
		})
	}
}

func TestWriteToTrailingSlashIs400(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	status, body := rawRequest(t, srv, http.MethodPost, "/v1/transit/keys/kek/", srv.RootToken(), "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"errors":["cannot write to a path ending in '/'"]}`, body)
}

func TestConcurrentEncryptAndRotate(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()
	_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err)

	const workers, perWorker = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker+1)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				plaintext := []byte(gofakeit.Name())
				secret, err := c.Logical().WriteWithContext(ctx, "transit/encrypt/kek",
					map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)})
				if err != nil {
					errs <- err
					continue
				}
				got, err := decrypt(c, "transit/decrypt/kek", secret.Data["ciphertext"].(string), nil)
				if err != nil {
					errs <- err
					continue
				}
				if string(got) != string(plaintext) {
					errs <- errors.New("decrypted text differs from the plaintext")
				}
			}
		})
	}
	wg.Go(func() {
		if _, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek/rotate", nil); err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, workers*perWorker, srv.CallCount(transit.OpWrite, "transit/encrypt/kek"))
}

func TestLoggerOmitsTokensAndBodies(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := transit.Start(t, transit.Options{Logger: logger})
	plaintext := gofakeit.Email()

	encrypt(t, srv.Client(t), "transit/encrypt/kek", []byte(plaintext), nil)
	srv.Close()

	out := buf.String()
	assert.Contains(t, out, "path=transit/encrypt/kek")
	assert.Contains(t, out, "status=200")
	assert.NotContains(t, out, srv.RootToken())
	assert.NotContains(t, out, plaintext)
	assert.NotContains(t, out, base64.StdEncoding.EncodeToString([]byte(plaintext)))
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestNamespaceTokenScope(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{Namespaces: []string{"team-a", "team-a/child", "team-b"}})
	ctx := context.Background()
	token, err := srv.NewNamespaceToken("team-a", time.Hour)
	require.NoError(t, err)
	c := srv.Client(t)
	c.SetToken(token)

	for _, ns := range []string{"team-a", "team-a/child"} {
		c.SetNamespace(ns)
		_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
		assert.NoError(t, err, "token of team-a in %s", ns)
	}
	for _, ns := range []string{"team-b", ""} {
		c.SetNamespace(ns)
		_, err := c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
		assert.Equal(t, http.StatusForbidden, responseStatus(err), "token of team-a in %q: %v", ns, err)
	}

	c.SetNamespace("team-a")
	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	require.NoError(t, err)
	assert.Equal(t, "team-a/", self.Data["namespace_path"])

	_, err = srv.NewNamespaceToken("team-c", time.Hour)
	assert.Error(t, err, "a token for a missing namespace")
}

func TestAppRoleLoginInNamespace(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{Namespaces: []string{"team-a", "team-b"}})
	ctx := context.Background()
	roleID, secretID := srv.AppRoleCredentials()
	c := srv.Client(t)
	c.ClearToken()
	c.SetNamespace("team-a")

	_, err := c.Auth().Login(ctx, appRoleAuth{roleID, secretID})
	require.NoError(t, err)
	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	require.NoError(t, err, "login token in its namespace")

	c.SetNamespace("team-b")
	_, err = c.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	assert.Equal(t, http.StatusForbidden, responseStatus(err), "login token of team-a in team-b")
}

func TestTokenLookupErrors(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	_, err := c.Auth().Token().LookupWithContext(ctx, "hvs.unknown")
	assert.Equal(t, http.StatusForbidden, responseStatus(err), "unknown token: %v", err)
	_, err = c.Logical().WriteWithContext(ctx, "auth/token/lookup", map[string]any{"token": ""})
	assert.Equal(t, http.StatusBadRequest, responseStatus(err), "empty token: %v", err)

	other := srv.NewToken(time.Minute)
	secret, err := c.Auth().Token().LookupWithContext(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, other, secret.Data["id"])
	_, hasNamespace := secret.Data["namespace_path"]
	assert.False(t, hasNamespace, "root-namespace tokens have no namespace_path")
}

func TestHealthStatusCodes(t *testing.T) {
	t.Parallel()
	srv := transit.Start(t, transit.Options{})
	tests := []struct {
		name   string
		method string
		path   string
		sealed bool
		want   int
	}{
		{"active", http.MethodGet, "/v1/sys/health", false, http.StatusOK},
		{"active HEAD", http.MethodHead, "/v1/sys/health", false, http.StatusOK},
		{"active code", http.MethodGet, "/v1/sys/health?activecode=204", false, http.StatusNoContent},
		{"sealed", http.MethodGet, "/v1/sys/health", true, http.StatusServiceUnavailable},
		{"sealed code", http.MethodGet, "/v1/sys/health?sealedcode=299", true, 299},
		{"bad code", http.MethodGet, "/v1/sys/health?activecode=abc", false, http.StatusBadRequest},
		{"seal status while sealed", http.MethodGet, "/v1/sys/seal-status", true, http.StatusOK},
	}
	for _, tt := range tests {
		// Subtests run in order because they share the seal switch.
		t.Run(tt.name, func(t *testing.T) {
			if tt.sealed {
				srv.Seal()
				defer srv.Unseal()
			}
			status, _ := rawRequest(t, srv, tt.method, tt.path, "", "")
			assert.Equal(t, tt.want, status)
		})
	}
}
