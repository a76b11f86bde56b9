package vaultkms

import (
	"fmt"
	"net/url"
	"strings"
)

// KeyURI is a parsed hcvault:// key URI: the Vault host, the Transit mount
// path (nested mounts have several segments) and the key name.
type KeyURI struct {
	Host  string // host[:port]
	Mount string // mount path without slashes at either end, such as "transit" or "team/a/transit"
	Name  string // key name
}

// String returns the URI in hcvault://host/<mount>/keys/<name> form.
func (u KeyURI) String() string {
	return "hcvault://" + u.Host + "/" + u.Mount + "/keys/" + u.Name
}

// ParseKeyURI parses hcvault://host[:port]/<mount path>/keys/<name>, the
// form Tink's hcvault integration uses. The mount path may have several
// segments; the last "keys" segment before the name ends it. Query strings,
// fragments, user information, escaped characters and "." or ".." segments
// are rejected.
func ParseKeyURI(s string) (KeyURI, error) {
	bad := func(reason string) (KeyURI, error) {
		return KeyURI{}, fmt.Errorf("vaultkms: invalid key URI %q: %s; want hcvault://host/<mount path>/keys/<name>", s, reason)
	}
	if len(s) > 2048 {
		return KeyURI{}, fmt.Errorf("vaultkms: invalid key URI: %d bytes, the maximum is 2048", len(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("does not parse")
	}
	switch {
	case u.Scheme != "hcvault":
		return bad("scheme is not hcvault")
	case u.Opaque != "":
		return bad("missing // after the scheme")
	case u.User != nil:
		return bad("user information is not allowed")
	case u.Host == "":
		return bad("host is missing")
	case u.RawQuery != "" || u.ForceQuery:
		return bad("query is not allowed")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return bad("fragment is not allowed")
	case u.RawPath != "" || strings.Contains(u.Path, "%"):
		return bad("escaped characters are not allowed")
	}

	segs := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(segs) < 3 {
		return bad("path is too short")
	}
	for _, seg := range segs {
		if err := checkPathSegment(seg); err != nil {
			return bad(err.Error())
		}
	}
	if segs[len(segs)-2] != "keys" {
		return bad(`the segment before the key name is not "keys"`)
	}
	return KeyURI{
		Host:  u.Host,
		Mount: strings.Join(segs[:len(segs)-2], "/"),
		Name:  segs[len(segs)-1],
	}, nil
}

// checkPathSegment accepts the characters Vault allows in mount paths and
// Transit key names: letters, digits, '-', '_', '.', '@'.
func checkPathSegment(seg string) error {
	if seg == "" {
		return fmt.Errorf("empty path segment")
	}
	if seg == "." || seg == ".." {
		return fmt.Errorf("path segment %q is not allowed", seg)
	}
	for _, c := range []byte(seg) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@'
		if !ok {
			return fmt.Errorf("path segment %q contains %q", seg, c)
		}
	}
	return nil
}
