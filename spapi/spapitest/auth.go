package spapitest

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

const lwaPath = "/auth/o2/token"

// LWAOperation names the LWA token endpoint in faults and the request log.
const LWAOperation = "lwa.token"

// Seller is a selling partner known to the server.
type Seller struct {
	ID string
	// Regions lists the regions the seller has authorised. Default: all three.
	Regions []spapi.Region
	// DeniedDataElements lists the RDT data elements (such as "buyerTaxInformation")
	// the application may not get for this seller.
	DeniedDataElements []string
	// NoRestrictedRole makes every Restricted Data Token request for this
	// seller fail as if the application lacked the role.
	NoRestrictedRole bool
}

type sellerState struct {
	Seller
	refreshTokens map[spapi.Region]string
	revoked       bool
}

type refreshGrant struct {
	sellerID string
	region   spapi.Region
}

// tokenState is an issued access token or RDT.
type tokenState struct {
	sellerID  string // "" for grantless tokens
	region    spapi.Region
	scope     string
	expires   time.Time
	expired   bool
	resources []spapi.RestrictedResource // set for RDTs only
}

// grantlessScopes are the scopes LWA issues client_credentials tokens for.
var grantlessScopes = []string{"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}

// AddSeller registers a seller and issues a refresh token per region. Adding
// an existing seller ID replaces its settings and keeps its refresh tokens.
func (s *Server) AddSeller(sel Seller) {
	if len(sel.Regions) == 0 {
		sel.Regions = slices.Clone(spapi.Regions)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.sellers[sel.ID]
	if !ok {
		st = &sellerState{refreshTokens: make(map[spapi.Region]string)}
		s.sellers[sel.ID] = st
	}
	st.Seller = sel
	for _, r := range sel.Regions {
		if _, ok := st.refreshTokens[r]; !ok {
			t := "Atzr|" + randomHex(24)
			st.refreshTokens[r] = t
			s.refresh[t] = refreshGrant{sellerID: sel.ID, region: r}
		}
	}
}

// Credentials returns the refresh tokens of the given sellers (every seller
// when none is named) for the regions they authorised.
func (s *Server) Credentials(sellerIDs ...string) spapi.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := spapi.Credentials{}
	for id, st := range s.sellers {
		if len(sellerIDs) > 0 && !slices.Contains(sellerIDs, id) {
			continue
		}
		for _, r := range st.Regions {
			out[spapi.CredentialKey{SellerID: id, Region: r}] = spapi.Credential{RefreshToken: st.refreshTokens[r]}
		}
	}
	return out
}

// RevokeSeller withdraws the seller's consent: its refresh tokens get
// invalid_grant and its access tokens stop working.
func (s *Server) RevokeSeller(sellerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.sellers[sellerID]; ok {
		st.revoked = true
	}
	for _, t := range s.tokens {
		if t.sellerID == sellerID {
			t.expired = true
		}
	}
}

// ExpireClientSecret makes the token endpoint reject the client secret as
// expired, as LWA does after a missed secret rotation.
func (s *Server) ExpireClientSecret() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secretExpiry = true
}

// ExpireTokens marks every access token and RDT issued so far as expired.
// Calls with them get 403 with details saying the token has expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expired = true
	}
}

// serveLWA implements the LWA token endpoint for the refresh_token and
// client_credentials grants.
func (s *Server) serveLWA(w http.ResponseWriter, r *http.Request) {
	entry := Entry{Operation: LWAOperation, Method: r.Method, Path: r.URL.Path}
	logged := false
	defer func() {
		if !logged {
			s.logEntry(entry)
		}
	}()
	lwaError := func(status int, code, desc string) {
		entry.Status = status
		WriteJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		lwaError(http.StatusMethodNotAllowed, "invalid_request", "The token endpoint accepts POST only.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		lwaError(http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		lwaError(http.StatusBadRequest, "invalid_request", "The request body is not form-encoded.")
		return
	}
	if f := s.takeFault(LWAOperation, ""); f != nil {
		entry.Fault = true
		if f.Drop {
			// Log before the connection closes; the client may retry first.
			logged = true
			s.logEntry(entry)
		}
		if s.applyFault(w, r, f) {
			entry.Status = f.Status
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if form.Get("client_id") != s.opts.ClientID || form.Get("client_secret") != s.opts.ClientSecret {
		lwaError(http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	if s.secretExpiry {
		lwaError(http.StatusUnauthorized, "invalid_client", "The LWA secret token you provided has expired.")
		return
	}

	st := &tokenState{}
	switch form.Get("grant_type") {
	case "refresh_token":
		g, ok := s.refresh[form.Get("refresh_token")]
		if !ok || s.sellers[g.sellerID] == nil || s.sellers[g.sellerID].revoked {
			lwaError(http.StatusBadRequest, "invalid_grant",
				"The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.")
			return
		}
		st.sellerID, st.region = g.sellerID, g.region
		entry.SellerID, entry.Region = g.sellerID, g.region
	case "client_credentials":
		scope := form.Get("scope")
		if !slices.Contains(grantlessScopes, scope) {
			lwaError(http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
			return
		}
		st.scope = scope
	default:
		lwaError(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported.")
		return
	}
	st.expires = time.Now().Add(s.opts.AccessTokenTTL)
	token := "Atza|" + randomHex(32)
	s.tokens[token] = st
	entry.Status = http.StatusOK
	WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"token_type":   "bearer",
		"expires_in":   int(s.opts.AccessTokenTTL / time.Second),
	})
}

// Call describes the caller of an operation, as the server authenticated it.
type Call struct {
	Operation string
	// SellerID is the seller whose token was used; "" for grantless calls.
	SellerID  string
	Region    spapi.Region
	Grantless string
	RequestID string

	method    string
	path      string
	resources []spapi.RestrictedResource
}

// HasRDT reports whether the call carried a Restricted Data Token.
func (c *Call) HasRDT() bool { return c.resources != nil }

// Restricted reports whether the call carried an RDT that covers this
// request's method and path (by its generic or its specific path) and, when
// dataElement is not "", that data element. Handlers leave restricted data
// out of the response when it returns false, as Amazon does.
func (c *Call) Restricted(dataElement string) bool {
	for _, res := range c.resources {
		if !strings.EqualFold(res.Method, c.method) || !pathMatches(res.Path, c.path) {
			continue
		}
		if dataElement == "" || slices.Contains(res.DataElements, dataElement) {
			return true
		}
	}
	return false
}

// pathMatches reports whether a pattern path, whose segments may be
// parameters in braces, matches a concrete path segment by segment.
func pathMatches(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if isParam(ps[i]) || isParam(xs[i]) {
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// authenticate checks the x-amz-access-token header of an operation call.
// It returns the call, or writes the 403 Amazon sends and returns nil.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rt *route, region spapi.Region) *Call {
	token := r.Header.Get("x-amz-access-token")
	s.mu.Lock()
	st, ok := s.tokens[token]
	var stCopy tokenState
	if ok {
		stCopy = *st
	}
	s.mu.Unlock()

	denied := func(details string) *Call {
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", details)
		return nil
	}
	switch {
	case token == "":
		return denied("")
	case !ok:
		return denied("The access token you provided is revoked, malformed or invalid.")
	case stCopy.expired || time.Now().After(stCopy.expires):
		return denied("The access token you provided has expired.")
	case stCopy.scope != rt.grantless:
		// Grantless operations take only a token of their scope, and seller
		// operations take no grantless token.
		return denied("")
	case stCopy.sellerID != "" && stCopy.region != region:
		return denied("")
	}
	call := &Call{
		Operation: rt.operation,
		SellerID:  stCopy.sellerID,
		Region:    region,
		Grantless: stCopy.scope,
		method:    r.Method,
		path:      r.URL.EscapedPath(),
		resources: stCopy.resources,
	}
	if stCopy.resources != nil && !call.Restricted("") {
		// An RDT works only for the resources it was issued for.
		return denied("")
	}
	return call
}
