package spapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MaxRestrictedResources is the most resources one createRestrictedDataToken
// request may name.
const MaxRestrictedResources = 50

// rdtOperation is the operation that issues Restricted Data Tokens.
const rdtOperation = "tokens.createRestrictedDataToken"

// RestrictedResource is one entry of a createRestrictedDataToken request.
type RestrictedResource struct {
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements,omitempty"`
}

func rdtCacheKey(clientID, sellerID string, region Region, r RestrictedResource) string {
	elems := slices.Clone(r.DataElements)
	slices.Sort(elems)
	elems = slices.Compact(elems)
	return "rdt:" + clientID + "\x00" + sellerID + "\x00" + string(region) + "\x00" +
		strings.ToUpper(r.Method) + " " + r.Path + "\x00" + strings.Join(elems, ",")
}

func rdtKey(cl *call) string {
	return rdtCacheKey(cl.grant.clientID, cl.req.SellerID, cl.region, RestrictedResource{
		Method: cl.method, Path: cl.req.Restricted.Path, DataElements: cl.req.Restricted.DataElements,
	})
}

// restrictedToken returns a cached or new RDT for the restricted resource of cl.
func (c *Client) restrictedToken(ctx context.Context, cl *call) (string, error) {
	res := RestrictedResource{Method: cl.method, Path: cl.req.Restricted.Path, DataElements: cl.req.Restricted.DataElements}
	return c.tokens.get(ctx, rdtKey(cl), c.cfg.Now, c.cfg.TokenRefreshBefore, func(ctx context.Context) (cachedToken, error) {
		return c.createRDT(ctx, cl.req.SellerID, cl.region, []RestrictedResource{res})
	})
}

// PrefetchRestrictedDataTokens gets Restricted Data Tokens covering resources
// for a seller in a region and caches each token under every resource it
// covers, so that later calls with a matching [Request.Restricted] (same
// method, path and data elements) send no token request. Resources are sent
// [MaxRestrictedResources] per request.
func (c *Client) PrefetchRestrictedDataTokens(ctx context.Context, sellerID string, region Region, resources []RestrictedResource) error {
	for start := 0; start < len(resources); start += MaxRestrictedResources {
		chunk := slices.Clone(resources[start:min(start+MaxRestrictedResources, len(resources))])
		for i := range chunk {
			chunk[i].Method = strings.ToUpper(chunk[i].Method)
		}
		t, err := c.createRDT(ctx, sellerID, region, chunk)
		if err != nil {
			return err
		}
		for _, r := range chunk {
			c.tokens.put(rdtCacheKey(c.clientIDFor(ctx, sellerID, region), sellerID, region, r), t, c.cfg.Now, c.cfg.TokenRefreshBefore)
		}
	}
	return nil
}

// clientIDFor returns the LWA client ID used for a seller's calls.
func (c *Client) clientIDFor(ctx context.Context, sellerID string, region Region) string {
	if c.cfg.Credentials != nil {
		if cred, err := c.cfg.Credentials.Credential(ctx, sellerID, region); err == nil && cred.ClientID != "" {
			return cred.ClientID
		}
	}
	return c.cfg.ClientID
}

// createRDT calls createRestrictedDataToken for up to MaxRestrictedResources resources.
func (c *Client) createRDT(ctx context.Context, sellerID string, region Region, resources []RestrictedResource) (cachedToken, error) {
	if len(resources) == 0 || len(resources) > MaxRestrictedResources {
		return cachedToken{}, fmt.Errorf("spapi: %s: %d resources, want 1 to %d: %w", rdtOperation, len(resources), MaxRestrictedResources, ErrInvalidRequest)
	}
	var out struct {
		RestrictedDataToken string  `json:"restrictedDataToken"`
		ExpiresIn           float64 `json:"expiresIn"`
	}
	_, err := c.Do(ctx, &Request{
		Operation:  rdtOperation,
		Method:     http.MethodPost,
		Path:       "/tokens/2021-03-01/restrictedDataToken",
		Body:       map[string]any{"restrictedResources": resources},
		SellerID:   sellerID,
		Region:     region,
		Idempotent: true, // issuing a token changes nothing on Amazon's side
	}, &out)
	if err != nil {
		var apiErr *Error
		if errors.As(err, &apiErr) && missingRole(apiErr) {
			apiErr.kind = ErrMissingRole
		}
		return cachedToken{}, err
	}
	if out.RestrictedDataToken == "" {
		return cachedToken{}, fmt.Errorf("spapi: %s: response has no restrictedDataToken", rdtOperation)
	}
	// Amazon documents one hour. A missing, negative or absurd expiresIn
	// (over a year, as LWA tokens are bounded too) falls back to it, so a
	// corrupt response cannot keep a token cached for years.
	ttl := time.Hour
	if out.ExpiresIn > 0 && out.ExpiresIn <= 365*24*3600 {
		ttl = time.Duration(out.ExpiresIn * float64(time.Second))
	}
	c.cfg.Logger.DebugContext(ctx, "spapi: restricted data token obtained", "resources", len(resources), "ttl", ttl)
	return cachedToken{token: out.RestrictedDataToken, ttl: ttl}, nil
}

// missingRole reports whether a createRestrictedDataToken failure means that
// the application may not have the requested data. Amazon then responds 400
// or 403 with a message naming the data elements or the role.
func missingRole(e *Error) bool {
	if e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusForbidden {
		return false
	}
	return e.mentions("data element") || e.mentions("dataelement") || e.mentions("role") || e.mentions("not authorized to access")
}
