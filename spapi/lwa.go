package spapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// maxTokenBodyBytes bounds an LWA response body.
const maxTokenBodyBytes = 64 << 10

// accessTokenKey returns the cache key of an access token: a hash of the
// client ID and the refresh token or grantless scope, so that the cache holds
// no refresh token in clear and two sellers never share an entry.
func accessTokenKey(clientID, refreshToken, scope string) string {
	h := sha256.New()
	h.Write([]byte(clientID))
	h.Write([]byte{0})
	if scope != "" {
		h.Write([]byte("scope:" + scope))
	} else {
		h.Write([]byte("refresh:" + refreshToken))
	}
	return "lwa:" + hex.EncodeToString(h.Sum(nil))
}

// lwaGrant is one access token request.
type lwaGrant struct {
	clientID, clientSecret string
	refreshToken           string // for a refresh_token grant
	scope                  string // for a client_credentials (grantless) grant
}

func (g lwaGrant) cacheKey() string { return accessTokenKey(g.clientID, g.refreshToken, g.scope) }

// accessToken returns a cached or new access token for the grant.
func (c *Client) accessToken(ctx context.Context, g lwaGrant) (string, error) {
	return c.tokens.get(ctx, g.cacheKey(), c.cfg.Now, c.cfg.TokenRefreshBefore, func(ctx context.Context) (cachedToken, error) {
		return c.fetchAccessToken(ctx, g)
	})
}

// fetchAccessToken requests a token from LWA, retrying transient failures only.
func (c *Client) fetchAccessToken(ctx context.Context, g lwaGrant) (cachedToken, error) {
	form := url.Values{"client_id": {g.clientID}, "client_secret": {g.clientSecret}}
	if g.scope != "" {
		form.Set("grant_type", "client_credentials")
		form.Set("scope", g.scope)
	} else {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", g.refreshToken)
	}
	body := form.Encode()

	op := func() (cachedToken, error) {
		t, err := c.postToken(ctx, body, g.scope)
		if err == nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return t, backoff.Permanent(ctx.Err())
		}
		var te *TokenError
		if errors.As(err, &te) && !te.transient() {
			return t, backoff.Permanent(err)
		}
		c.cfg.Logger.DebugContext(ctx, "spapi: LWA token request failed, retrying", errAttr(err))
		return t, err
	}
	t, err := backoff.Retry(ctx, op, c.retryOptions()...)
	if err == nil {
		c.cfg.Logger.DebugContext(ctx, "spapi: LWA access token obtained", "grantless", g.scope != "", "ttl", t.ttl)
	}
	return t, err
}

func (c *Client) postToken(ctx context.Context, body, scope string) (cachedToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LWAEndpoint, strings.NewReader(body))
	if err != nil {
		return cachedToken{}, backoff.Permanent(fmt.Errorf("spapi: LWA endpoint %q: %w", c.cfg.LWAEndpoint, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return cachedToken{}, fmt.Errorf("spapi: LWA token request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBodyBytes))
	if err != nil {
		return cachedToken{}, fmt.Errorf("spapi: LWA token response: %w", err)
	}

	return parseTokenResponse(resp.StatusCode, raw, scope)
}

// parseTokenResponse turns an LWA token endpoint response into a token or
// a [*TokenError].
func parseTokenResponse(status int, raw []byte, scope string) (cachedToken, error) {
	var out struct {
		AccessToken      string          `json:"access_token"`
		ExpiresIn        json.RawMessage `json:"expires_in"`
		Error            json.RawMessage `json:"error"`
		ErrorDescription json.RawMessage `json:"error_description"`
	}
	jsonErr := json.Unmarshal(raw, &out)
	if status/100 != 2 || jsonErr != nil || out.AccessToken == "" {
		te := &TokenError{StatusCode: status, Grantless: scope}
		if jsonErr == nil {
			te.Code = truncate(jsonText(out.Error), 100)
			te.Description = truncate(jsonText(out.ErrorDescription), 300)
		}
		if status/100 == 2 {
			te.Description = "response has no access_token"
		}
		return cachedToken{}, te
	}
	secs, err := strconv.ParseFloat(strings.Trim(string(out.ExpiresIn), `"`), 64)
	if err != nil || secs <= 0 || secs > 365*24*3600 {
		// LWA documents one hour. A missing or absurd value must neither make
		// the token look expired nor keep it cached forever.
		secs = 3600
	}
	return cachedToken{token: out.AccessToken, ttl: time.Duration(secs * float64(time.Second))}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
