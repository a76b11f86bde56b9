package spapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"
)

// Credential is the LWA credential for one seller in one region. ClientID and
// ClientSecret default to [Config.ClientID] and [Config.ClientSecret].
type Credential struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// CredentialSource returns the credential of a seller in a region. It returns
// an error wrapping [ErrNoCredential] when the seller has not authorised the
// application in that region. The client calls it on every call, so a source
// backed by a database should cache.
type CredentialSource interface {
	Credential(ctx context.Context, sellerID string, region Region) (Credential, error)
}

// CredentialKey identifies a credential in [Credentials].
type CredentialKey struct {
	SellerID string
	Region   Region
}

// Credentials is a fixed [CredentialSource].
type Credentials map[CredentialKey]Credential

// Credential returns the credential stored for the seller and region.
func (cs Credentials) Credential(_ context.Context, sellerID string, region Region) (Credential, error) {
	c, ok := cs[CredentialKey{sellerID, region}]
	if !ok {
		return Credential{}, fmt.Errorf("spapi: seller %q, region %s: %w", sellerID, region, ErrNoCredential)
	}
	return c, nil
}

// Config configures a [Client]. The zero value of each optional field selects
// the default written on it.
type Config struct {
	// AppName and AppVersion start the User-Agent header in the form Amazon
	// requires: "AppName/AppVersion (Language=Go; Platform=linux/amd64)".
	// AppName is required; AppVersion defaults to "0".
	AppName    string
	AppVersion string

	// ApplicationID is the SP-API application ID (amzn1.sp.solution....). It
	// is part of every rate-limit key, so it must be the same in every
	// process that shares a quota. Required.
	ApplicationID string

	// ClientID and ClientSecret are the application's LWA credentials, used for
	// grantless calls and for seller credentials that leave them empty.
	ClientID     string
	ClientSecret string

	// Credentials returns each seller's refresh token per region. Required for
	// calls on behalf of a seller.
	Credentials CredentialSource

	// Endpoints maps each region to its SP-API base URL. Default:
	// [ProductionEndpoints]. A region missing from the map cannot be called.
	Endpoints map[Region]string
	// LWAEndpoint is the token endpoint. Default: [DefaultLWAEndpoint].
	LWAEndpoint string

	// HTTPClient sends every request. Default: a client with a 60 s timeout.
	HTTPClient *http.Client

	// Limiter paces requests per (seller, application, region, operation).
	// Default: a new [LocalLimiter]. Use a [RedisLimiter] to share quotas
	// between processes.
	Limiter Limiter
	// Plans overrides entries of [DefaultPlans] and adds plans for operations
	// that are not in it. SellerPlans overrides them again for one seller.
	Plans       Plans
	SellerPlans map[string]Plans

	// Headroom is the delay between the limiter's grant and the request
	// reaching Amazon's bucket that the client absorbs without a 429. The
	// client keeps ceil(rate × Headroom) tokens of each burst unused, at
	// least one and at most burst−1, so a burst of 1 keeps none. The cost is
	// those few requests of the burst, not steady throughput. Default: 100 ms.
	Headroom time.Duration

	// Retry bounds retries. The zero value selects the defaults on [RetryPolicy].
	Retry RetryPolicy

	// TokenRefreshBefore is how long before expiry a cached access token or
	// Restricted Data Token is replaced. Default: 5 minutes.
	TokenRefreshBefore time.Duration

	// MaxResponseBytes bounds the body of an API response. Default: 32 MiB.
	MaxResponseBytes int64

	// Logger receives debug records for retries, refreshes and throttling,
	// without tokens or bodies. Default: discards everything.
	Logger *slog.Logger

	// Now returns the current time. Default: time.Now. Tests set it to move
	// token expiry.
	Now func() time.Time
}

// RetryPolicy bounds the retries of one call. Calls are retried on 429, 500,
// 502, 503, 504 and network errors, and only when they are idempotent (GET,
// HEAD, PUT, DELETE) or carry an idempotency key.
type RetryPolicy struct {
	// MaxAttempts is the total number of HTTP requests per call, first
	// included. Default: 5. Set 1 to disable retries.
	MaxAttempts int
	// MaxElapsed bounds the time spent on one call, waits included.
	// Default: 2 minutes.
	MaxElapsed time.Duration
	// InitialInterval is the first backoff. Default: 500 ms.
	InitialInterval time.Duration
	// MaxInterval caps each backoff. Default: 30 s.
	MaxInterval time.Duration
}

const (
	defaultMaxAttempts        = 5
	defaultMaxElapsed         = 2 * time.Minute
	defaultInitialInterval    = 500 * time.Millisecond
	defaultMaxInterval        = 30 * time.Second
	defaultTokenRefreshBefore = 5 * time.Minute
	defaultMaxResponseBytes   = 32 << 20
	defaultHeadroom           = 100 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.AppVersion == "" {
		c.AppVersion = "0"
	}
	if c.Endpoints == nil {
		c.Endpoints = ProductionEndpoints()
	}
	if c.LWAEndpoint == "" {
		c.LWAEndpoint = DefaultLWAEndpoint
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Limiter == nil {
		c.Limiter = NewLocalLimiter()
	}
	if c.Retry.MaxAttempts == 0 {
		c.Retry.MaxAttempts = defaultMaxAttempts
	}
	if c.Retry.MaxElapsed == 0 {
		c.Retry.MaxElapsed = defaultMaxElapsed
	}
	if c.Retry.InitialInterval == 0 {
		c.Retry.InitialInterval = defaultInitialInterval
	}
	if c.Retry.MaxInterval == 0 {
		c.Retry.MaxInterval = defaultMaxInterval
	}
	if c.TokenRefreshBefore == 0 {
		c.TokenRefreshBefore = defaultTokenRefreshBefore
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = defaultMaxResponseBytes
	}
	if c.Headroom == 0 {
		c.Headroom = defaultHeadroom
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.AppName == "":
		return fmt.Errorf("spapi: Config.AppName is required (it starts the User-Agent header)")
	case strings.ContainsAny(c.AppName, "/() \t\r\n"):
		return fmt.Errorf("spapi: Config.AppName %q must not contain spaces, slashes or parentheses", c.AppName)
	case strings.ContainsAny(c.AppVersion, "/() \t\r\n"):
		return fmt.Errorf("spapi: Config.AppVersion %q must not contain spaces, slashes or parentheses", c.AppVersion)
	case c.ApplicationID == "":
		return fmt.Errorf("spapi: Config.ApplicationID is required (it keys the shared rate limits)")
	case c.Retry.MaxAttempts < 0:
		return fmt.Errorf("spapi: Config.Retry.MaxAttempts = %d must not be negative", c.Retry.MaxAttempts)
	case c.Retry.MaxElapsed < 0 || c.Retry.InitialInterval < 0 || c.Retry.MaxInterval < 0:
		return fmt.Errorf("spapi: Config.Retry durations must not be negative")
	case c.TokenRefreshBefore < 0:
		return fmt.Errorf("spapi: Config.TokenRefreshBefore = %v must not be negative", c.TokenRefreshBefore)
	case c.Headroom < 0:
		return fmt.Errorf("spapi: Config.Headroom = %v must not be negative", c.Headroom)
	case c.MaxResponseBytes < 0:
		return fmt.Errorf("spapi: Config.MaxResponseBytes = %d must not be negative", c.MaxResponseBytes)
	}
	for r, u := range c.Endpoints {
		if !r.Valid() {
			return fmt.Errorf("spapi: Config.Endpoints has unknown region %q; use na, eu or fe", r)
		}
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("spapi: Config.Endpoints[%s] = %q must be an http or https URL", r, u)
		}
	}
	if err := c.Plans.validate("Config.Plans"); err != nil {
		return err
	}
	for seller, ps := range c.SellerPlans {
		if err := ps.validate(fmt.Sprintf("Config.SellerPlans[%q]", seller)); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) userAgent() string {
	return fmt.Sprintf("%s/%s (Language=Go; Platform=%s/%s)", c.AppName, c.AppVersion, runtime.GOOS, runtime.GOARCH)
}
