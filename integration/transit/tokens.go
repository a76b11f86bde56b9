package transit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	uuid "github.com/hashicorp/go-uuid"
)

// token is one Vault service token.
type token struct {
	namespace   string // namespace path it was created in, "" for root
	id          string
	accessor    string
	policies    []string
	displayName string
	path        string
	meta        map[string]string
	created     time.Time
	creationTTL time.Duration // zero: never expires
	expires     time.Time     // zero: never expires
	maxExpires  time.Time     // renewals stop here; zero without a TTL
	renewable   bool
}

// tokenSpec are the settings of a new token.
type tokenSpec struct {
	namespace   string
	ttl         time.Duration
	maxTTL      time.Duration // zero: Options.MaxTTL
	renewable   bool
	policies    []string
	displayName string
	path        string
	meta        map[string]string
}

// usableIn reports whether t may call paths in the namespace nsPath: its own
// namespace or one below it, as in Vault.
func (t *token) usableIn(nsPath string) bool {
	return strings.HasPrefix(nsPath, t.namespace)
}

// valid reports whether t can authenticate a request at now.
func (t *token) valid(now time.Time) bool {
	return t.expires.IsZero() || now.Before(t.expires)
}

// remaining returns the TTL left at now rounded to the second, or zero for
// a token without expiry.
func (t *token) remaining(now time.Time) time.Duration {
	if t.expires.IsZero() {
		return 0
	}
	return max(t.expires.Sub(now).Round(time.Second), 0)
}

func (s *Server) addToken(spec tokenSpec) *token {
	now := s.opts.Now()
	t := &token{
		namespace:   spec.namespace,
		id:          "hvs." + randomID(24),
		accessor:    randomID(24),
		policies:    spec.policies,
		displayName: spec.displayName,
		path:        spec.path,
		meta:        spec.meta,
		created:     now,
		creationTTL: spec.ttl,
		renewable:   spec.renewable && spec.ttl > 0,
	}
	if spec.ttl > 0 {
		maxTTL := spec.maxTTL
		if maxTTL <= 0 || maxTTL > s.opts.MaxTTL {
			maxTTL = s.opts.MaxTTL
		}
		t.maxExpires = now.Add(maxTTL)
		t.expires = now.Add(min(spec.ttl, maxTTL))
	}
	s.mu.Lock()
	s.tokens[t.id] = t
	s.mu.Unlock()
	return t
}

// NewToken creates a renewable token in the root namespace with the given
// TTL, which may call every path in every namespace, and returns its ID. A
// ttl of zero or less gives a token that never expires and cannot be
// renewed.
func (s *Server) NewToken(ttl time.Duration) string {
	return s.addToken(tokenSpec{
		ttl:         max(ttl, 0),
		renewable:   true,
		policies:    []string{"default"},
		displayName: "token",
		path:        "auth/token/create",
	}).id
}

// NewNamespaceToken is NewToken for a token created in the namespace ns,
// which may call paths only in ns and the namespaces below it. It fails when
// ns does not exist.
func (s *Server) NewNamespaceToken(ns string, ttl time.Duration) (string, error) {
	nsPath, err := cleanNamespace(ns)
	if err != nil {
		return "", fmt.Errorf("transit: %w", err)
	}
	if !s.namespaceExists(nsPath) {
		return "", fmt.Errorf("transit: namespace %q not found; create it with CreateNamespace", nsPath)
	}
	return s.addToken(tokenSpec{
		namespace:   nsPath,
		ttl:         max(ttl, 0),
		renewable:   true,
		policies:    []string{"default"},
		displayName: "token",
		path:        "auth/token/create",
	}).id, nil
}

// RevokeToken makes token invalid, so that requests with it get 403
// "permission denied" and "invalid token". Revoking an unknown token does
// nothing.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// AppRoleCredentials returns the role_id and secret_id that
// auth/approle/login accepts.
func (s *Server) AppRoleCredentials() (roleID, secretID string) {
	return s.roleID, s.secretID
}

// lookupToken returns the token with ID id if it is valid now.
func (s *Server) lookupToken(id string) (*token, bool) {
	if id == "" {
		return nil, false
	}
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return nil, false
	}
	if !t.valid(now) {
		delete(s.tokens, id)
		return nil, false
	}
	return t, true
}

// renewToken extends t by increment (or by its creation TTL when increment
// is zero), capped at its maximum lifetime. It returns the new TTL and a
// warning when the cap applied.
func (s *Server) renewToken(t *token, increment time.Duration) (time.Duration, string, error) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.renewable {
		return 0, "", fmt.Errorf("lease is not renewable")
	}
	if increment <= 0 {
		increment = t.creationTTL
	}
	ttl := increment
	var warning string
	if limit := t.maxExpires.Sub(now); ttl > limit {
		ttl = max(limit, 0)
		warning = fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly",
			increment.String(), ttl.Truncate(time.Second).String())
	}
	t.expires = now.Add(ttl)
	return ttl, warning, nil
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomID returns n random characters from [a-zA-Z0-9]. Since Go 1.24
// crypto/rand.Read never returns an error.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	id, err := uuid.GenerateUUID()
	if err != nil {
		// GenerateUUID fails only when crypto/rand.Read does, which Go
		// 1.24 and later rule out; random hex keeps IDs unique regardless.
		return randomHex(16)
	}
	return id
}
