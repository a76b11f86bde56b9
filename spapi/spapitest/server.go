package spapitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Options configures a [Server]. The zero value gives a server with the
// published plans in real time.
type Options struct {
	// ClientID, ClientSecret and ApplicationID identify the one application
	// the server accepts. Default: random values.
	ClientID      string
	ClientSecret  string
	ApplicationID string

	// TimeScale speeds up time for throttling: every plan's rate is
	// multiplied by it. [Server.ClientConfig] scales the client's plans the
	// same way. Default: 1.
	TimeScale float64
	// Plans overrides entries of spapi.DefaultPlans, before scaling.
	Plans spapi.Plans

	// RateHeaderOn429 adds x-amzn-RateLimit-Limit to 429 responses too.
	// By default throttled responses carry no rate header, as Amazon's often
	// do, and successful ones do.
	RateHeaderOn429 bool

	// AccessTokenTTL and RDTTTL are the lifetimes the server gives tokens.
	// Default: one hour each.
	AccessTokenTTL time.Duration
	RDTTTL         time.Duration
	// DocumentURLTTL is the lifetime of document URLs. Default: 5 minutes.
	DocumentURLTTL time.Duration

	// MaxLogEntries bounds the request log; older entries are dropped
	// first, and [Server.Count] counts only what is kept. Default: 100000.
	MaxLogEntries int
}

// HandlerFunc handles one SP-API operation. The server has already checked
// the token, applied faults and throttling, and set x-amzn-RequestId; call
// describes who is calling. Use [WriteJSON] and [WriteError] to respond.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, call *Call)

// Server is a fake SP-API on 127.0.0.1: the LWA token endpoint, the
// Restricted Data Token operation, document storage, Amazon's throttling,
// fault injection and a request log, with operations registered by
// [Server.Handle]. Endpoints of the three regions live under /na, /eu and
// /fe of [Server.URL]. A Server is safe for concurrent use.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:41234.
	URL string

	opts    Options
	httpSrv *httptest.Server
	mux     *http.ServeMux
	nextID  atomic.Uint64

	mu           sync.Mutex
	sellers      map[string]*sellerState
	refresh      map[string]refreshGrant // refresh token -> seller and region
	tokens       map[string]*tokenState  // access token or RDT -> state
	secretExpiry bool
	routes       []*route
	plans        spapi.Plans
	sellerPlans  map[string]spapi.Plans
	buckets      map[bucketKey]*bucket
	rateHeaders  map[string]string
	faults       []*faultState
	docs         map[string]*document
	log          []Entry
}

// New starts a Server. Close it when done; [NewServer] does that for tests.
func New(opts Options) *Server {
	if opts.ClientID == "" {
		opts.ClientID = "amzn1.application-oa2-client." + randomHex(16)
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "amzn1.oa2-cs.v1." + randomHex(32)
	}
	if opts.ApplicationID == "" {
		opts.ApplicationID = "amzn1.sp.solution." + randomHex(16)
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.RDTTTL <= 0 {
		opts.RDTTTL = time.Hour
	}
	if opts.DocumentURLTTL <= 0 {
		opts.DocumentURLTTL = 5 * time.Minute
	}
	if opts.MaxLogEntries <= 0 {
		opts.MaxLogEntries = 100000
	}

	s := &Server{
		opts:        opts,
		mux:         http.NewServeMux(),
		sellers:     make(map[string]*sellerState),
		refresh:     make(map[string]refreshGrant),
		tokens:      make(map[string]*tokenState),
		plans:       spapi.DefaultPlans(),
		sellerPlans: make(map[string]spapi.Plans),
		buckets:     make(map[bucketKey]*bucket),
		rateHeaders: make(map[string]string),
		docs:        make(map[string]*document),
	}
	maps.Copy(s.plans, opts.Plans)
	s.registerCore()
	s.registerAPIs()

	s.httpSrv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.httpSrv.URL
	return s
}

// NewServer starts a Server that is closed when tb's test ends.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down and closes idle client connections.
func (s *Server) Close() { s.httpSrv.Close() }

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.httpSrv.Client() }

// Options returns the options the server runs with, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Endpoint returns the base URL of a region.
func (s *Server) Endpoint(region spapi.Region) string { return s.URL + "/" + string(region) }

// LWAEndpoint returns the URL of the token endpoint.
func (s *Server) LWAEndpoint() string { return s.URL + lwaPath }

// ClientConfig returns a client configuration for the server. It holds the
// application credentials, the credentials of the given sellers (every seller
// when none is named), the endpoints and the plans scaled by the time scale.
// It also sets an HTTP client for the server and short retry intervals.
func (s *Server) ClientConfig(sellerIDs ...string) spapi.Config {
	s.mu.Lock()
	plans := spapi.Plans(maps.Clone(s.plans)).Scaled(s.opts.TimeScale)
	sellerPlans := make(map[string]spapi.Plans, len(s.sellerPlans))
	for id, ps := range s.sellerPlans {
		sellerPlans[id] = ps.Scaled(s.opts.TimeScale)
	}
	s.mu.Unlock()

	return spapi.Config{
		AppName:       "spapitest-client",
		AppVersion:    "1.0",
		ApplicationID: s.opts.ApplicationID,
		ClientID:      s.opts.ClientID,
		ClientSecret:  s.opts.ClientSecret,
		Credentials:   s.Credentials(sellerIDs...),
		Endpoints: map[spapi.Region]string{
			spapi.NorthAmerica: s.Endpoint(spapi.NorthAmerica),
			spapi.Europe:       s.Endpoint(spapi.Europe),
			spapi.FarEast:      s.Endpoint(spapi.FarEast),
		},
		LWAEndpoint: s.LWAEndpoint(),
		HTTPClient:  s.Client(),
		Plans:       plans,
		SellerPlans: sellerPlans,
		Retry: spapi.RetryPolicy{
			MaxAttempts:     5,
			MaxElapsed:      20 * time.Second,
			InitialInterval: 5 * time.Millisecond,
			MaxInterval:     100 * time.Millisecond,
		},
	}
}

// NewClient returns a spapi.Client built from [Server.ClientConfig], failing
// the test on error.
func (s *Server) NewClient(tb testing.TB, sellerIDs ...string) *spapi.Client {
	tb.Helper()
	c, err := spapi.New(s.ClientConfig(sellerIDs...))
	if err != nil {
		tb.Fatalf("spapitest: spapi.New: %v", err)
	}
	return c
}

// serveHTTP routes the token endpoint, document storage and the regional
// API prefixes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == lwaPath:
		s.serveLWA(w, r)
		return
	case strings.HasPrefix(r.URL.Path, documentsPrefix):
		s.serveDocument(w, r)
		return
	}
	for _, region := range spapi.Regions {
		prefix := "/" + string(region)
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			r2 := r.Clone(context.WithValue(r.Context(), regionKey{}, region))
			r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
			if r.URL.RawPath != "" {
				r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
			}
			s.mux.ServeHTTP(w, r2)
			return
		}
	}
	s.logEntry(Entry{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: http.StatusNotFound})
	WriteError(w, http.StatusNotFound, "NotFound", "Resource not found. Endpoints are under /na, /eu and /fe.", "")
}

type regionKey struct{}

// WriteJSON writes status and v encoded as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes status and an SP-API error body with one error.
// An empty details is left out, as Amazon does.
func WriteError(w http.ResponseWriter, status int, code, message, details string) {
	e := map[string]any{"code": code, "message": message}
	if details != "" {
		e["details"] = details
	}
	WriteJSON(w, status, map[string]any{"errors": []any{e}})
}

func (s *Server) newRequestID() string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", s.nextID.Add(1), s.nextID.Load())
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
