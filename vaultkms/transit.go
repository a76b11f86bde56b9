package vaultkms

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/vault/api"
	"golang.org/x/sync/singleflight"
)

// Defaults of TransitConfig.
const (
	DefaultTransitTimeout     = 10 * time.Second
	DefaultTransitMaxAttempts = 4
	DefaultTransitMinBackoff  = 100 * time.Millisecond
	DefaultTransitMaxBackoff  = 2 * time.Second
)

// maxMessageLen bounds the Vault error text kept in a TransitError.
const maxMessageLen = 200

// MaxResponseSize bounds the body of a Vault response that Transit reads,
// 32 MiB like Vault's default max_request_size. A longer body fails with
// ErrInvalidResponse.
const MaxResponseSize = 32 << 20

// maxResponseBytes is MaxResponseSize, lowered by tests.
var maxResponseBytes int64 = MaxResponseSize

// limitTransport cuts response bodies at max bytes.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (l limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: l.max, max: l.max}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left, max int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 && err == io.EOF {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("response body exceeds %d bytes", b.max)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// TransitConfig configures a Transit KEK. Nothing is read from the VAULT_*
// environment variables: every setting comes from here.
type TransitConfig struct {
	// KeyURI names the Transit key: hcvault://host[:port]/<mount path>/keys/<name>.
	// Required.
	KeyURI string

	// Address is the Vault base URL, such as https://vault.internal:8200.
	// Its host must match the key URI's host. Default: https:// and the key
	// URI's host.
	Address string

	// Namespace is the Vault Enterprise namespace, sent as
	// X-Vault-Namespace. Default: none (root).
	Namespace string

	// Token authenticates requests until Vault rejects it. Required unless
	// Auth is set.
	Token string

	// Auth logs in to get a token: at the first call when Token is empty,
	// when a token from a login nears the end of its TTL and cannot be
	// renewed, and when Vault rejects the token with 403. AppRole and Kubernetes auth from the vault/api/auth modules
	// implement it.
	Auth api.AuthMethod

	// HTTPClient sends the requests. Default: a client with its own
	// transport that ignores proxy environment variables. Redirects are
	// never followed, so a token is not sent to another host.
	HTTPClient *http.Client

	// Timeout bounds each HTTP attempt. Default DefaultTransitTimeout.
	Timeout time.Duration

	// MaxAttempts bounds the attempts of one call when Vault is
	// unavailable (network error, timeout, 429, 5xx). Default
	// DefaultTransitMaxAttempts.
	MaxAttempts int

	// MinBackoff and MaxBackoff bound the exponential, jittered wait between
	// attempts. Defaults DefaultTransitMinBackoff and DefaultTransitMaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// Logger receives retries, logins, renewals and failures, with paths and
	// status codes but never tokens or data. Default: discard.
	Logger *slog.Logger

	// Now is the clock used for token expiry. Default time.Now.
	Now func() time.Time
}

// Transit is a KEK in Vault Transit. It implements tink.AEAD,
// tink.AEADWithContext, BatchDecrypter, KEKRotator and, for per-bucket
// keys in the same mount, BucketKEKs. It is safe for concurrent use.
//
// Associated data is sent as Transit's associated_data parameter, which
// AES-GCM keys (aes128-gcm96, aes256-gcm96) authenticate. Transit rewrap
// does not take associated data, so rotation rewraps by decrypting and
// encrypting again (see Keyring.RotateKEK).
//
// Tokens: a token obtained through Auth is renewed with renew-self when
// less than a third of its TTL is left, and replaced by a new login when
// renewal fails or Vault rejects it.
type Transit struct {
	cfg         TransitConfig
	uri         KeyURI
	client      *api.Client
	loginClient *api.Client

	mu         sync.Mutex
	leaseStart time.Time
	lastLogin  time.Time
	leaseTTL   time.Duration
	renewable  bool
	loggedIn   bool

	logins       singleflight.Group
	bucketKeysMu sync.Mutex
	bucketKeys   map[string]bool // per-bucket key names known to exist

	calls, retries, loginCount, renewals atomic.Int64
}

// TransitStats counts a Transit KEK's work since it was made.
type TransitStats struct {
	Requests int64 // HTTP requests to Vault, attempts included
	Retries  int64 // attempts after the first
	Logins   int64
	Renewals int64
}

// NewTransit returns a Transit KEK. It makes no request; the first call
// logs in if needed.
func NewTransit(cfg TransitConfig) (*Transit, error) {
	uri, err := ParseKeyURI(cfg.KeyURI)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" && cfg.Auth == nil {
		return nil, errors.New("vaultkms: TransitConfig.Token or TransitConfig.Auth is required")
	}
	if cfg.Address == "" {
		cfg.Address = "https://" + uri.Host
	}
	addr, err := url.Parse(cfg.Address)
	if err != nil || addr.Host == "" || (addr.Scheme != "https" && addr.Scheme != "http") {
		return nil, fmt.Errorf("vaultkms: TransitConfig.Address %q is not an http or https URL", cfg.Address)
	}
	if addr.Host != uri.Host {
		return nil, fmt.Errorf("vaultkms: TransitConfig.Address host %q differs from the key URI host %q", addr.Host, uri.Host)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTransitTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultTransitMaxAttempts
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultTransitMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultTransitMaxBackoff
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("vaultkms: TransitConfig.Timeout %v must be positive", cfg.Timeout)
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("vaultkms: TransitConfig.MaxAttempts %d must be positive", cfg.MaxAttempts)
	case cfg.MinBackoff < 0 || cfg.MaxBackoff < cfg.MinBackoff:
		return nil, fmt.Errorf("vaultkms: TransitConfig.MinBackoff %v and MaxBackoff %v must be positive and ordered", cfg.MinBackoff, cfg.MaxBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil // ignore HTTP_PROXY and the other proxy variables
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	hc := *cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = limitTransport{base: base, max: maxResponseBytes}

	client, err := newAPIClient(cfg, &hc)
	if err != nil {
		return nil, err
	}
	// Logins go through a client of their own that never carries a token,
	// so that an expired token is not sent along with the credentials.
	loginClient, err := newAPIClient(cfg, &hc)
	if err != nil {
		return nil, err
	}
	t := &Transit{cfg: cfg, uri: uri, client: client, loginClient: loginClient, bucketKeys: make(map[string]bool)}
	if cfg.Token != "" {
		// The configured token is used until Vault rejects it; its TTL is
		// unknown, so it is not renewed.
		client.SetToken(cfg.Token)
		t.loggedIn = true
	}
	return t, nil
}

// newAPIClient builds a vault/api client from cfg alone, with no token.
func newAPIClient(cfg TransitConfig, hc *http.Client) (*api.Client, error) {
	client, err := api.NewClient(&api.Config{
		Address:          cfg.Address,
		HttpClient:       hc,
		Timeout:          cfg.Timeout,
		MaxRetries:       0, // retries are ours, with backoff and re-login
		DisableRedirects: true,
	})
	if err != nil {
		return nil, fmt.Errorf("vaultkms: vault client: %w", err)
	}
	// api.NewClient reads VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS;
	// undo all of them.
	client.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	client.ClearToken()
	client.ClearNamespace()
	client.SetWrappingLookupFunc(func(string, string) string { return "" })
	if cfg.Namespace != "" {
		client.SetNamespace(cfg.Namespace)
	}
	return client, nil
}

// KeyURI returns the parsed key URI.
func (t *Transit) KeyURI() KeyURI { return t.uri }

// Stats returns the Transit counters.
func (t *Transit) Stats() TransitStats {
	return TransitStats{
		Requests: t.calls.Load(),
		Retries:  t.retries.Load(),
		Logins:   t.loginCount.Load(),
		Renewals: t.renewals.Load(),
	}
}

// Encrypt implements tink.AEAD with a background context. Prefer
// EncryptWithContext.
func (t *Transit) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return t.EncryptWithContext(context.Background(), plaintext, associatedData)
}

// Decrypt implements tink.AEAD with a background context. Prefer
// DecryptWithContext.
func (t *Transit) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	return t.DecryptWithContext(context.Background(), ciphertext, associatedData)
}

// EncryptWithContext encrypts plaintext with the Transit key, sending
// associatedData as associated_data. It returns Transit's ciphertext
// ("vault:v<version>:..."). Empty plaintext is rejected, because a KEK only
// wraps keys.
func (t *Transit) EncryptWithContext(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	return t.encrypt(ctx, t.uri.Name, plaintext, associatedData)
}

// DecryptWithContext decrypts a Transit ciphertext made with the same
// associated data.
func (t *Transit) DecryptWithContext(ctx context.Context, ciphertext, associatedData []byte) ([]byte, error) {
	return t.decrypt(ctx, t.uri.Name, ciphertext, associatedData)
}

func (t *Transit) encrypt(ctx context.Context, key string, plaintext, associatedData []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, errors.New("vaultkms: transit encrypt: plaintext is empty")
	}
	path := t.uri.Mount + "/encrypt/" + key
	body := map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)}
	if len(associatedData) > 0 {
		body["associated_data"] = base64.StdEncoding.EncodeToString(associatedData)
	}
	data, err := t.write(ctx, "encrypt", path, body)
	if err != nil {
		return nil, err
	}
	ct, ok := data["ciphertext"].(string)
	if !ok || !strings.HasPrefix(ct, "vault:v") {
		return nil, &TransitError{Op: "encrypt", Path: path, Message: "response has no ciphertext", Err: ErrInvalidResponse}
	}
	return []byte(ct), nil
}

func (t *Transit) decrypt(ctx context.Context, key string, ciphertext, associatedData []byte) ([]byte, error) {
	path := t.uri.Mount + "/decrypt/" + key
	if !strings.HasPrefix(string(ciphertext), "vault:v") {
		return nil, &TransitError{Op: "decrypt", Path: path, Message: "ciphertext is not a Transit ciphertext", Err: ErrDecrypt}
	}
	body := map[string]any{"ciphertext": string(ciphertext)}
	if len(associatedData) > 0 {
		body["associated_data"] = base64.StdEncoding.EncodeToString(associatedData)
	}
	data, err := t.write(ctx, "decrypt", path, body)
	if err != nil {
		return nil, err
	}
	return decodePlaintext("decrypt", path, data["plaintext"])
}

// decodePlaintext decodes Transit's base64 plaintext field. A missing or
// empty field is an error, never empty plaintext.
func decodePlaintext(op, path string, v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil, &TransitError{Op: op, Path: path, Message: "response has no plaintext", Err: ErrInvalidResponse}
	}
	pt, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(pt) == 0 {
		return nil, &TransitError{Op: op, Path: path, Message: "plaintext is not base64", Err: ErrInvalidResponse}
	}
	return pt, nil
}

// DecryptBatch decrypts many ciphertexts in one Transit call (batch_input).
// A failed item gets its own error; the call's error is for failures of the
// whole request.
func (t *Transit) DecryptBatch(ctx context.Context, items []BatchItem) ([]BatchResult, error) {
	return t.decryptBatch(ctx, t.uri.Name, items)
}

func (t *Transit) decryptBatch(ctx context.Context, key string, items []BatchItem) ([]BatchResult, error) {
	path := t.uri.Mount + "/decrypt/" + key
	out := make([]BatchResult, len(items))
	if len(items) == 0 {
		return out, nil
	}
	input := make([]map[string]any, len(items))
	for i, it := range items {
		in := map[string]any{"ciphertext": string(it.Ciphertext)}
		if len(it.AssociatedData) > 0 {
			in["associated_data"] = base64.StdEncoding.EncodeToString(it.AssociatedData)
		}
		input[i] = in
	}
	// With partial_failure_response_code 200 a batch with some failed items
	// still returns batch_results. Without it Vault returns 400, and
	// vault/api drops the per-item results.
	data, err := t.write(ctx, "decrypt batch", path, map[string]any{"batch_input": input, "partial_failure_response_code": 200})
	if err != nil {
		return nil, err
	}
	results, ok := data["batch_results"].([]any)
	if !ok || len(results) != len(items) {
		return nil, &TransitError{Op: "decrypt batch", Path: path,
			Message: fmt.Sprintf("response has %d batch results for %d items", len(results), len(items)), Err: ErrInvalidResponse}
	}
	for i, r := range results {
		m, _ := r.(map[string]any)
		if msg, _ := m["error"].(string); msg != "" {
			out[i].Err = &TransitError{Op: "decrypt batch", Path: path, Message: truncate(msg), Err: classifyMessage("decrypt", msg)}
			continue
		}
		out[i].Plaintext, out[i].Err = decodePlaintext("decrypt batch", path, m["plaintext"])
	}
	return out, nil
}

// RotateKey adds a version to the Transit key and returns the new latest
// version.
func (t *Transit) RotateKey(ctx context.Context) (int, error) {
	if _, err := t.write(ctx, "rotate", t.uri.Mount+"/keys/"+t.uri.Name+"/rotate", map[string]any{}); err != nil && !errors.Is(err, ErrInvalidResponse) {
		return 0, err
	}
	v, err := t.KeyVersions(ctx)
	if err != nil {
		return 0, err
	}
	return v.Latest, nil
}

// KeyVersions is the version state of a Transit key.
type KeyVersions struct {
	Latest        int
	MinDecryption int
	MinEncryption int
}

// KeyVersions reads the Transit key's latest and minimum versions.
func (t *Transit) KeyVersions(ctx context.Context) (KeyVersions, error) {
	path := t.uri.Mount + "/keys/" + t.uri.Name
	data, err := t.call(ctx, "read key", path, func(ctx context.Context) (*api.Secret, error) {
		return t.client.Logical().ReadWithContext(ctx, path)
	})
	if err != nil {
		return KeyVersions{}, err
	}
	var v KeyVersions
	for field, dst := range map[string]*int{"latest_version": &v.Latest, "min_decryption_version": &v.MinDecryption, "min_encryption_version": &v.MinEncryption} {
		n, err := intField(data[field])
		if err != nil {
			return KeyVersions{}, &TransitError{Op: "read key", Path: path, Message: field + ": " + err.Error(), Err: ErrInvalidResponse}
		}
		*dst = n
	}
	if v.Latest < 1 {
		return KeyVersions{}, &TransitError{Op: "read key", Path: path, Message: "latest_version is missing", Err: ErrInvalidResponse}
	}
	return v, nil
}

func intField(v any) (int, error) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.Atoi(string(n))
		return i, err
	case float64:
		return int(n), nil
	case int:
		return n, nil
	case nil:
		return 0, errors.New("missing")
	}
	return 0, fmt.Errorf("unexpected type %T", v)
}

// SetMinDecryptionVersion sets the Transit key's min_decryption_version, so
// that ciphertexts of older versions no longer decrypt. Rewrap every stored
// keyset first (Keyring.RewrapAll), or they become unreadable.
func (t *Transit) SetMinDecryptionVersion(ctx context.Context, v int) error {
	if v < 1 {
		return fmt.Errorf("vaultkms: min_decryption_version %d must be at least 1", v)
	}
	_, err := t.write(ctx, "config key", t.uri.Mount+"/keys/"+t.uri.Name+"/config", map[string]any{"min_decryption_version": v})
	if errors.Is(err, ErrInvalidResponse) {
		return nil // the request succeeded but Vault sent no key data back
	}
	return err
}

// bucketKeyName derives a per-bucket Transit key name from the main key
// name and a hash of seller and bucket, so any bucket name maps to a valid
// key name.
func (t *Transit) bucketKeyName(seller, bucket string) string {
	d := sha256.Sum256(appendLP(appendLP(nil, seller), bucket))
	return t.uri.Name + "-bucket-" + hex.EncodeToString(d[:16])
}

// BucketKEK returns the Transit key of one bucket, in the same mount as the
// main key, creating it (aes256-gcm96) when create is set. Without create
// no request is made; a missing key fails later calls with ErrKeyNotFound.
func (t *Transit) BucketKEK(ctx context.Context, seller, bucket string, create bool) (KEK, error) {
	name := t.bucketKeyName(seller, bucket)
	if create {
		t.bucketKeysMu.Lock()
		known := t.bucketKeys[name]
		t.bucketKeysMu.Unlock()
		if !known {
			// Creating an existing key of the same type succeeds and
			// changes nothing.
			_, err := t.write(ctx, "create key", t.uri.Mount+"/keys/"+name, map[string]any{"type": "aes256-gcm96"})
			if err != nil && !errors.Is(err, ErrInvalidResponse) {
				return nil, err
			}
			t.bucketKeysMu.Lock()
			t.bucketKeys[name] = true
			t.bucketKeysMu.Unlock()
		}
	}
	return &transitKey{t: t, name: name}, nil
}

// DestroyBucketKEK deletes a bucket's Transit key: it sets
// deletion_allowed and then deletes the key. A key that does not exist
// counts as deleted.
func (t *Transit) DestroyBucketKEK(ctx context.Context, seller, bucket string) error {
	name := t.bucketKeyName(seller, bucket)
	t.bucketKeysMu.Lock()
	delete(t.bucketKeys, name)
	t.bucketKeysMu.Unlock()

	_, err := t.write(ctx, "config key", t.uri.Mount+"/keys/"+name+"/config", map[string]any{"deletion_allowed": true})
	if err != nil && !errors.Is(err, ErrInvalidResponse) {
		if errors.Is(err, ErrKeyNotFound) {
			return nil
		}
		return err
	}
	path := t.uri.Mount + "/keys/" + name
	_, err = t.call(ctx, "delete key", path, func(ctx context.Context) (*api.Secret, error) {
		return t.client.Logical().DeleteWithContext(ctx, path)
	})
	if err != nil && !errors.Is(err, ErrInvalidResponse) && !errors.Is(err, ErrKeyNotFound) {
		return err
	}
	return nil
}

// transitKey is a per-bucket Transit key.
type transitKey struct {
	t    *Transit
	name string
}

func (k *transitKey) EncryptWithContext(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	return k.t.encrypt(ctx, k.name, plaintext, associatedData)
}

func (k *transitKey) DecryptWithContext(ctx context.Context, ciphertext, associatedData []byte) ([]byte, error) {
	return k.t.decrypt(ctx, k.name, ciphertext, associatedData)
}

// write sends a PUT with a JSON body and returns the response data. A
// response without data is ErrInvalidResponse.
func (t *Transit) write(ctx context.Context, op, path string, body map[string]any) (map[string]any, error) {
	return t.call(ctx, op, path, func(ctx context.Context) (*api.Secret, error) {
		return t.client.Logical().WriteWithContext(ctx, path, body)
	})
}

// call runs one Vault request with token upkeep, per-attempt timeouts,
// retries while Vault is unavailable and one new login after a 403.
func (t *Transit) call(ctx context.Context, op, path string, do func(context.Context) (*api.Secret, error)) (map[string]any, error) {
	if err := t.ensureToken(ctx); err != nil {
		return nil, err
	}

	relogged := false
	attempt, unavailable := 0, 0
	operation := func() (*api.Secret, error) {
		attempt++
		if attempt > 1 {
			t.retries.Add(1)
		}
		t.calls.Add(1)
		actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
		defer cancel()
		sec, err := do(actx)
		if err == nil {
			return sec, nil
		}
		if ctx.Err() != nil {
			return nil, backoff.Permanent(ctx.Err())
		}
		terr := classify(op, path, err)
		if terr.StatusCode == http.StatusForbidden && t.cfg.Auth != nil && !relogged && t.mayRelogin() {
			relogged = true
			t.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "vaultkms: vault rejected the token, logging in again", slog.String("path", path))
			if lerr := t.login(ctx); lerr != nil {
				return nil, backoff.Permanent(lerr)
			}
			return nil, backoff.RetryAfter(0)
		}
		if !terr.Retryable() {
			return nil, backoff.Permanent(terr)
		}
		unavailable++
		if unavailable >= t.cfg.MaxAttempts {
			return nil, backoff.Permanent(terr)
		}
		t.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "vaultkms: vault unavailable",
			slog.String("op", op), slog.String("path", path), slog.Int("status", terr.StatusCode), slog.Int("attempt", attempt))
		return nil, terr
	}
	expo := &backoff.ExponentialBackOff{
		InitialInterval:     t.cfg.MinBackoff,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         t.cfg.MaxBackoff,
	}
	sec, err := backoff.Retry(ctx, operation,
		backoff.WithBackOff(expo),
		backoff.WithMaxTries(uint(t.cfg.MaxAttempts)+1), // +1 for the attempt after a new login
		backoff.WithMaxElapsedTime(0))
	if err != nil {
		// Retry returns a permanent error wrapped when it came on the last
		// attempt.
		var pe *backoff.PermanentError
		if errors.As(err, &pe) {
			err = pe.Unwrap()
		}
		var ra *backoff.RetryAfterError
		if errors.As(err, &ra) {
			// Retries ran out right after a new login.
			return nil, &TransitError{Op: op, Path: path, StatusCode: http.StatusForbidden, Err: ErrPermissionDenied}
		}
		return nil, err
	}
	if sec == nil || sec.Data == nil {
		return nil, &TransitError{Op: op, Path: path, Message: "empty response", Err: ErrInvalidResponse}
	}
	return sec.Data, nil
}

// classify turns a vault/api error into a TransitError with a sentinel.
func classify(op, path string, err error) *TransitError {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		var ue *url.Error
		if errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) {
			// No HTTP response: connection refused or cut, timeout, TLS failure.
			return &TransitError{Op: op, Path: path, Message: truncate(err.Error()), Err: ErrUnavailable}
		}
		// A response arrived but its body is not Vault's JSON.
		return &TransitError{Op: op, Path: path, Message: truncate(err.Error()), Err: ErrInvalidResponse}
	}
	te := &TransitError{Op: op, Path: path, StatusCode: re.StatusCode}
	if len(re.Errors) > 0 && !re.RawError {
		te.Message = truncate(re.Errors[0])
	}
	switch code := re.StatusCode; {
	case code == http.StatusForbidden || code == http.StatusUnauthorized:
		te.Err = ErrPermissionDenied
	case code == http.StatusNotFound:
		te.Err = ErrKeyNotFound
	case code == http.StatusTooManyRequests || code == http.StatusPreconditionFailed || code >= 500:
		te.Err = ErrUnavailable
	case code == http.StatusBadRequest:
		te.Err = classifyMessage(op, te.Message)
	default:
		te.Err = errors.New("unexpected status")
	}
	return te
}

// classifyMessage maps Transit's 400 messages to sentinels. The messages
// are those of Vault 1.21 (builtin/logical/transit and sdk/helper/keysutil).
func classifyMessage(op, msg string) error {
	switch {
	case strings.Contains(msg, "key not found"), // encrypt, decrypt
		strings.Contains(msg, "no existing key named"), // keys/<name>/config
		strings.Contains(msg, "not found"):             // delete: "could not delete key; not found"
		return ErrKeyNotFound
	case strings.Contains(msg, "too old"):
		return ErrVersionTooOld
	case strings.HasPrefix(op, "decrypt"):
		return ErrDecrypt
	}
	return errors.New("request rejected")
}

func truncate(s string) string {
	if len(s) > maxMessageLen {
		return s[:maxMessageLen] + "…"
	}
	return s
}

// ensureToken logs in when there is no token yet and renews a renewable
// token when less than a third of its TTL is left. A failed renewal leads
// to a new login.
func (t *Transit) ensureToken(ctx context.Context) error {
	if t.cfg.Auth == nil {
		return nil
	}
	t.mu.Lock()
	loggedIn, renewable := t.loggedIn, t.renewable
	due := t.leaseTTL > 0 && t.cfg.Now().After(t.leaseStart.Add(t.leaseTTL*2/3))
	t.mu.Unlock()

	switch {
	case !loggedIn:
		return t.login(ctx)
	case !due:
		return nil
	case !renewable:
		return t.login(ctx)
	}
	_, err, _ := t.logins.Do("renew", func() (any, error) {
		t.calls.Add(1)
		rctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
		defer cancel()
		sec, err := t.client.Auth().Token().RenewSelfWithContext(rctx, 0)
		if err != nil || sec == nil || sec.Auth == nil {
			t.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "vaultkms: token renewal failed, logging in again", slog.Any("error", err))
			return nil, t.login(ctx)
		}
		t.renewals.Add(1)
		t.setLease(sec)
		return nil, nil
	})
	return err
}

// minReloginInterval is the minimum time between a login and a new login
// after a 403. A token rejected that soon lacks a capability rather than
// being expired, and logging in again would not help.
const minReloginInterval = time.Second

func (t *Transit) mayRelogin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastLogin.IsZero() || t.cfg.Now().Sub(t.lastLogin) >= minReloginInterval
}

// login runs the auth method once for all concurrent callers.
func (t *Transit) login(ctx context.Context) error {
	_, err, _ := t.logins.Do("login", func() (any, error) {
		t.calls.Add(1)
		lctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
		defer cancel()
		sec, err := t.cfg.Auth.Login(lctx, t.loginClient)
		if err != nil {
			te := classify("login", "auth", err)
			t.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "vaultkms: vault login failed", slog.Int("status", te.StatusCode))
			return nil, te
		}
		if sec == nil || sec.Auth == nil || sec.Auth.ClientToken == "" {
			return nil, &TransitError{Op: "login", Path: "auth", Message: "login returned no token", Err: ErrInvalidResponse}
		}
		t.loginCount.Add(1)
		t.mu.Lock()
		t.lastLogin = t.cfg.Now()
		t.mu.Unlock()
		t.setLease(sec)
		t.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "vaultkms: logged in to vault",
			slog.Duration("ttl", time.Duration(sec.Auth.LeaseDuration)*time.Second), slog.Bool("renewable", sec.Auth.Renewable))
		return nil, nil
	})
	return err
}

func (t *Transit) setLease(sec *api.Secret) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.loggedIn = true
	t.leaseStart = t.cfg.Now()
	t.leaseTTL = time.Duration(sec.Auth.LeaseDuration) * time.Second
	t.renewable = sec.Auth.Renewable
	if sec.Auth.ClientToken != "" {
		t.client.SetToken(sec.Auth.ClientToken)
	}
}
