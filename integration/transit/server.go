package transit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/vault/api"
)

// DefaultMount is the path where Transit is mounted when Options.Mounts is
// empty, the same default as "vault secrets enable transit".
const DefaultMount = "transit"

// maxRequestBytes is Vault's default max_request_size (32 MiB).
const maxRequestBytes = 32 << 20

// Options configures a Server. The zero value starts Transit at "transit/" in
// the root namespace on a free port of 127.0.0.1, with a root token that never
// expires.
type Options struct {
	// Addr is the TCP address to listen on. Its host must be a loopback
	// address. The default is "127.0.0.1:0", a free port.
	Addr string

	// Mounts lists the paths where Transit is mounted, in the root namespace
	// and in every namespace. Paths may be nested, for example
	// "teams/billing/transit". The default is [DefaultMount].
	Mounts []string

	// Namespaces lists namespaces to create at start, for example "team-a"
	// or "team-a/child". Each one has its own mounts and storage, selected
	// by the X-Vault-Namespace header.
	Namespaces []string

	// RootTokenTTL is the TTL of the root token. The default, zero, means it
	// never expires and cannot be renewed, as with Vault's root tokens.
	RootTokenTTL time.Duration

	// LoginTTL is the TTL of tokens returned by the AppRole login. The
	// default is one hour.
	LoginTTL time.Duration

	// MaxTTL is the maximum lifetime of a token, counted from its creation,
	// that renewals cannot extend. The default is 768h, Vault's default
	// max_lease_ttl.
	MaxTTL time.Duration

	// Now returns the current time for token expiry. The default is
	// time.Now. Tests set it to expire tokens without sleeping. It must be
	// safe for concurrent use.
	Now func() time.Time

	// Logger receives start and stop events and one debug record per
	// request (namespace, operation, path, status; never bodies or
	// tokens). The default discards everything.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if len(o.Mounts) == 0 {
		o.Mounts = []string{DefaultMount}
	}
	if o.LoginTTL == 0 {
		o.LoginTTL = time.Hour
	}
	if o.MaxTTL == 0 {
		o.MaxTTL = 768 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) validate() error {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("transit: invalid Addr %q: %w", o.Addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("transit: Addr %q is not a loopback address; use 127.0.0.1", o.Addr)
	}
	for _, m := range o.Mounts {
		if _, err := cleanMountPath(m); err != nil {
			return fmt.Errorf("transit: invalid Mounts entry: %w", err)
		}
	}
	for _, ns := range o.Namespaces {
		if _, err := cleanNamespace(ns); err != nil {
			return fmt.Errorf("transit: invalid Namespaces entry: %w", err)
		}
	}
	switch {
	case o.RootTokenTTL < 0:
		return fmt.Errorf("transit: RootTokenTTL %v is negative", o.RootTokenTTL)
	case o.LoginTTL < 0:
		return fmt.Errorf("transit: LoginTTL %v is negative", o.LoginTTL)
	case o.MaxTTL < 0:
		return fmt.Errorf("transit: MaxTTL %v is negative", o.MaxTTL)
	}
	return nil
}

// Server is Vault's Transit engine behind Vault's HTTP API. All methods are
// safe for concurrent use. A Server must be closed with Close; Start does
// that at the end of the test.
type Server struct {
	opts      Options
	logger    *slog.Logger
	rootToken string
	roleID    string
	secretID  string

	inflight sync.WaitGroup // requests in ServeHTTP, added to only while !closed

	mu         sync.Mutex
	addr       string // fixed by the first listen, reused by Restart
	httpServer *http.Server
	closed     bool
	sealed     bool
	latency    time.Duration
	failCount  int
	failStatus int
	namespaces map[string]*namespace
	tokens     map[string]*token
	calls      []Call
}

// New builds the Transit backends of opts and starts serving. The caller must
// call Close.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		opts:       opts,
		logger:     opts.Logger,
		namespaces: make(map[string]*namespace),
		tokens:     make(map[string]*token),
	}

	// Credentials.
	s.rootToken = s.addToken(tokenSpec{
		ttl:         opts.RootTokenTTL,
		renewable:   opts.RootTokenTTL > 0,
		policies:    []string{"root"},
		displayName: "root",
		path:        "auth/token/root",
	}).id
	s.roleID = randomID(36)
	s.secretID = randomID(36)

	// Mounts of the root namespace, then of every other namespace.
	if err := s.CreateNamespace(""); err != nil {
		s.cleanupBackends()
		return nil, err
	}
	for _, ns := range opts.Namespaces {
		if err := s.CreateNamespace(ns); err != nil {
			s.cleanupBackends()
			return nil, err
		}
	}

	// Listener.
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.cleanupBackends()
		return nil, fmt.Errorf("transit: listen on %s: %w", opts.Addr, err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	s.logger.Info("transit server started", slog.String("addr", s.addr))
	return s, nil
}

// Start starts a Server for the duration of tb and closes it at cleanup. It
// fails tb when the server cannot start.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("start transit server: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func (s *Server) serve(ln net.Listener) {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.httpServer = hs
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("transit server failed", slog.String("addr", s.addr), slog.Any("error", err))
		}
	}()
}

// Addr returns the host:port the server listens on, for example
// "127.0.0.1:41234".
func (s *Server) Addr() string {
	return s.addr
}

// URL returns the value for VAULT_ADDR or api.Config.Address, for example
// "http://127.0.0.1:41234".
func (s *Server) URL() string {
	return "http://" + s.addr
}

// RootToken returns the token created at start, which may call every path.
func (s *Server) RootToken() string {
	return s.rootToken
}

// Client returns a vault/api client for the server, with the root token, no
// namespace, no extra headers and no retries, so that each call is one
// request. It fails tb when the client cannot be built, which includes
// malformed VAULT_* environment variables because api.NewClient parses them
// before taking the settings given here.
func (s *Server) Client(tb testing.TB) *api.Client {
	tb.Helper()
	cfg := &api.Config{
		Address:    s.URL(),
		HttpClient: cleanhttp.DefaultPooledClient(),
		MaxRetries: 0,
		Timeout:    30 * time.Second,
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		tb.Fatalf("build vault client for %s: %v", s.URL(), err)
	}
	client.SetToken(s.rootToken)
	client.ClearNamespace()
	client.SetHeaders(http.Header{}) // drops headers read from VAULT_HEADERS
	tb.Cleanup(cfg.HttpClient.CloseIdleConnections)
	return client
}

// Stop closes the listener and every open connection, so that clients get
// "connection refused" until Restart. A client that reuses a pooled
// connection may first get EOF or "connection reset". Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	hs := s.httpServer
	s.httpServer = nil
	s.mu.Unlock()
	if hs != nil {
		_ = hs.Close()
		s.logger.Info("transit server stopped listening", slog.String("addr", s.addr))
	}
}

// Restart listens again on the address of the first start, keeping keys,
// tokens and calls. Restarting a running server does nothing. It fails when
// the address was taken in the meantime or the server is closed.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("transit: cannot restart a closed server; start a new one with New")
	}
	if s.httpServer != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("transit: listen again on %s: %w", s.addr, err)
	}
	s.serve(ln)
	s.logger.Info("transit server listening again", slog.String("addr", s.addr))
	return nil
}

// Seal makes every request except sys/health and sys/seal-status fail with
// 503 {"errors":["Vault is sealed"]}, as a sealed Vault does. Keys survive.
func (s *Server) Seal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealed = true
}

// Unseal ends the effect of Seal.
func (s *Server) Unseal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealed = false
}

// SetLatency delays every following request by d before it is handled, or
// until the client gives up. Zero removes the delay.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext makes the next n requests fail with status and
// {"errors":["injected fault"]} without reaching the engine. Status must be
// an HTTP error status (400 to 599); n <= 0 clears a pending fault.
func (s *Server) FailNext(n, status int) error {
	if n > 0 && (status < 400 || status > 599) {
		return fmt.Errorf("transit: FailNext status %d is not an HTTP error status (400-599)", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCount = max(n, 0)
	s.failStatus = status
	return nil
}

// Close stops the server for good, waits for the requests being handled and
// releases the backends. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	hs := s.httpServer
	s.httpServer = nil
	s.mu.Unlock()

	if hs != nil {
		_ = hs.Close()
	}
	// Closing the connections cancels the contexts of requests waiting in
	// SetLatency, so this wait is short.
	s.inflight.Wait()
	s.cleanupBackends()
	s.logger.Info("transit server closed", slog.String("addr", s.addr))
}

func (s *Server) cleanupBackends() {
	s.mu.Lock()
	var mounts []*mount
	for _, ns := range s.namespaces {
		for _, m := range ns.mounts {
			mounts = append(mounts, m)
		}
	}
	s.mu.Unlock()
	for _, m := range mounts {
		m.backend.Cleanup(context.Background())
	}
}
