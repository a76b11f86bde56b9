package transit

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/hashicorp/vault/sdk/logical"
)

// handleToken serves the token store paths under auth/token/ for the
// authenticated token tok.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, op logical.Operation, nsPath, path string, tok *token) {
	write := op == logical.UpdateOperation
	switch {
	case path == "lookup-self" && (op == logical.ReadOperation || write):
		s.writeData(w, s.tokenData(tok))

	case path == "lookup" && write:
		data, ok := s.readBody(w, r, op)
		if !ok {
			return
		}
		id := stringField(data, "token")
		if id == "" {
			writeErrors(w, http.StatusBadRequest, "missing token ID")
			return
		}
		target, ok := s.lookupToken(id)
		if !ok {
			writeErrors(w, http.StatusForbidden, "bad token")
			return
		}
		s.writeData(w, s.tokenData(target))

	case (path == "renew-self" || path == "renew") && write:
		data, ok := s.readBody(w, r, op)
		if !ok {
			return
		}
		target := tok
		if path == "renew" {
			if target, ok = s.lookupToken(stringField(data, "token")); !ok {
				writeErrors(w, http.StatusBadRequest, "invalid token")
				return
			}
		}
		increment, err := durationField(data, "increment")
		if err != nil {
			writeErrors(w, http.StatusBadRequest, err.Error())
			return
		}
		ttl, warning, err := s.renewToken(target, increment)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, err.Error())
			return
		}
		var warnings []string
		if warning != "" {
			warnings = []string{warning}
		}
		writeJSON(w, http.StatusOK, authResponse(target, ttl, warnings))

	case path == "revoke-self" && write:
		s.RevokeToken(tok.id)
		w.WriteHeader(http.StatusNoContent)

	case path == "revoke" && write:
		data, ok := s.readBody(w, r, op)
		if !ok {
			return
		}
		s.RevokeToken(stringField(data, "token"))
		w.WriteHeader(http.StatusNoContent)

	case path == "create" && write:
		s.handleTokenCreate(w, r, op, nsPath)

	case isTokenPath(path):
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")

	default:
		writeErrors(w, http.StatusNotFound, "unsupported path")
	}
}

func isTokenPath(path string) bool {
	switch path {
	case "lookup-self", "lookup", "renew-self", "renew", "revoke-self", "revoke", "create":
		return true
	}
	return false
}

// handleTokenCreate serves auth/token/create with the parameters ttl,
// explicit_max_ttl, renewable, policies, display_name and meta. The new token
// belongs to the request's namespace nsPath.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, op logical.Operation, nsPath string) {
	if !s.namespaceExists(nsPath) {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", nsPath+"auth/token/create"))
		return
	}
	data, ok := s.readBody(w, r, op)
	if !ok {
		return
	}
	ttl, err := durationField(data, "ttl")
	if err != nil {
		writeErrors(w, http.StatusBadRequest, err.Error())
		return
	}
	maxTTL, err := durationField(data, "explicit_max_ttl")
	if err != nil {
		writeErrors(w, http.StatusBadRequest, err.Error())
		return
	}
	renewable := true
	if raw, ok := data["renewable"]; ok {
		if renewable, err = parseutil.ParseBool(raw); err != nil {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("invalid renewable %v: %v", raw, err))
			return
		}
	}
	if ttl == 0 {
		ttl = maxTTL
	}
	if ttl == 0 {
		ttl = s.opts.MaxTTL
	}
	policies, err := parseutil.ParseCommaStringSlice(data["policies"])
	if err != nil {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("invalid policies: %v", err))
		return
	}
	if len(policies) == 0 {
		policies = []string{"default"}
	}
	displayName := "token"
	if name := stringField(data, "display_name"); name != "" {
		displayName = "token-" + name
	}
	meta := map[string]string(nil)
	if raw, ok := data["meta"].(map[string]any); ok {
		meta = make(map[string]string, len(raw))
		for k, v := range raw {
			meta[k] = fmt.Sprint(v)
		}
	}

	t := s.addToken(tokenSpec{
		namespace:   nsPath,
		ttl:         ttl,
		maxTTL:      maxTTL,
		renewable:   renewable,
		policies:    policies,
		displayName: displayName,
		path:        "auth/token/create",
		meta:        meta,
	})
	writeJSON(w, http.StatusOK, authResponse(t, t.remaining(s.opts.Now()), nil))
}

// handleAppRoleLogin serves auth/approle/login: it returns a new token of
// the request's namespace nsPath when role_id and secret_id are those of
// AppRoleCredentials, which every namespace accepts.
func (s *Server) handleAppRoleLogin(w http.ResponseWriter, r *http.Request, op logical.Operation, nsPath string) {
	if op != logical.UpdateOperation {
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")
		return
	}
	if !s.namespaceExists(nsPath) {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", nsPath+"auth/approle/login"))
		return
	}
	data, ok := s.readBody(w, r, op)
	if !ok {
		return
	}
	roleID, secretID := stringField(data, "role_id"), stringField(data, "secret_id")
	if roleID == "" {
		writeErrors(w, http.StatusBadRequest, "missing role_id")
		return
	}
	if subtle.ConstantTimeCompare([]byte(roleID), []byte(s.roleID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secretID), []byte(s.secretID)) != 1 {
		writeErrors(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	t := s.addToken(tokenSpec{
		namespace:   nsPath,
		ttl:         s.opts.LoginTTL,
		renewable:   true,
		policies:    []string{"default"},
		displayName: "approle",
		path:        "auth/approle/login",
		meta:        map[string]string{"role_name": "transit"},
	})
	writeJSON(w, http.StatusOK, authResponse(t, t.remaining(s.opts.Now()), nil))
}

// readBody decodes the JSON body, writing the error response on failure.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, op logical.Operation) (map[string]any, bool) {
	data, status, err := requestData(w, r, op)
	if err != nil {
		writeErrors(w, status, err.Error())
		return nil, false
	}
	return data, true
}

// tokenData returns what auth/token/lookup-self reports about t.
func (s *Server) tokenData(t *token) map[string]any {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var expireTime any
	if !t.expires.IsZero() {
		expireTime = t.expires.UTC().Format(time.RFC3339Nano)
	}
	var explicitMaxTTL int64
	if !t.maxExpires.IsZero() {
		explicitMaxTTL = int64(t.maxExpires.Sub(t.created).Seconds())
	}
	data := map[string]any{
		"accessor":         t.accessor,
		"creation_time":    t.created.Unix(),
		"creation_ttl":     int64(t.creationTTL.Seconds()),
		"display_name":     t.displayName,
		"entity_id":        "",
		"expire_time":      expireTime,
		"explicit_max_ttl": explicitMaxTTL,
		"id":               t.id,
		"issue_time":       t.created.UTC().Format(time.RFC3339Nano),
		"meta":             t.meta,
		"num_uses":         0,
		"orphan":           true,
		"path":             t.path,
		"policies":         t.policies,
		"renewable":        t.renewable,
		"ttl":              int64(t.remaining(now).Seconds()),
		"type":             "service",
	}
	if t.namespace != "" {
		data["namespace_path"] = t.namespace
	}
	return data
}

// authResponse is the envelope of a login, token creation or renewal.
func authResponse(t *token, ttl time.Duration, warnings []string) *logical.HTTPResponse {
	return &logical.HTTPResponse{
		RequestID: newUUID(),
		Warnings:  warnings,
		Auth: &logical.HTTPAuth{
			ClientToken:   t.id,
			Accessor:      t.accessor,
			Policies:      t.policies,
			TokenPolicies: t.policies,
			Metadata:      t.meta,
			LeaseDuration: int(ttl.Seconds()),
			Renewable:     t.renewable,
			TokenType:     "service",
			Orphan:        true,
		},
	}
}

// writeData writes data in Vault's response envelope.
func (s *Server) writeData(w http.ResponseWriter, data map[string]any) {
	writeJSON(w, http.StatusOK, &logical.HTTPResponse{RequestID: newUUID(), Data: data})
}

func stringField(data map[string]any, key string) string {
	v, _ := data[key].(string)
	return strings.TrimSpace(v)
}

// durationField parses data[key] as Vault does: seconds as a number, or a
// duration string such as "90s" or "1h". A missing key gives zero.
func durationField(data map[string]any, key string) (time.Duration, error) {
	raw, ok := data[key]
	if !ok || raw == nil {
		return 0, nil
	}
	d, err := parseutil.ParseDurationSecond(raw)
	if err != nil {
		return 0, fmt.Errorf("invalid %s %v: %v", key, raw, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid %s %v: must not be negative", key, raw)
	}
	return d, nil
}
