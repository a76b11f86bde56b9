package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"slices"
	"sync"
)

// MinKeySize is the minimum length in bytes of a Key's secret.
const MinKeySize = 32

// Key is one HMAC key of a Keyring. ID is stored with every entry and every
// pseudonym made with the key, so it must stay stable and unique for the
// key's life. It is 1 to 32 characters of [a-z0-9_.-].
type Key struct {
	ID     string
	Secret []byte
}

// ErrUnknownKey is returned when an operation names a key ID that the
// Keyring does not hold.
var ErrUnknownKey = errors.New("audit: unknown key ID")

// Keyring holds the HMAC keys of an audit trail: one active key that MACs new
// entries and pseudonymizes identifiers, and older keys kept so that entries
// made with them can still be verified and searched. Keep an old key for at
// least as long as the entries it MACed are kept; without it Verify reports
// those entries as unverifiable.
//
// Two keys are derived from each secret with HMAC-SHA256 under fixed labels,
// one for the chain and one for pseudonyms, so a pseudonym never equals a
// chain MAC. A Keyring is safe for concurrent use.
type Keyring struct {
	mu      sync.RWMutex
	active  string
	keys    map[string]*derivedKey
	retired map[string]bool // IDs of removed keys
}

type derivedKey struct {
	id    string
	chain sync.Pool // of hash.Hash keyed with the chain key
	ident sync.Pool // of hash.Hash keyed with the pseudonym key
}

const (
	chainLabel = "spkit/audit/chain/v1"
	identLabel = "spkit/audit/pseudonym/v1"
)

func deriveKey(k Key) (*derivedKey, error) {
	if !isKeyID(k.ID) {
		return nil, fmt.Errorf("audit: key ID %q must be 1 to 32 characters of [a-z0-9_.-]", clip(k.ID))
	}
	if len(k.Secret) < MinKeySize {
		return nil, fmt.Errorf("audit: key %s: secret has %d bytes, need at least %d", k.ID, len(k.Secret), MinKeySize)
	}
	chainKey := labelMAC(k.Secret, chainLabel)
	identKey := labelMAC(k.Secret, identLabel)
	d := &derivedKey{id: k.ID}
	d.chain.New = func() any { return hmac.New(sha256.New, chainKey) }
	d.ident.New = func() any { return hmac.New(sha256.New, identKey) }
	return d, nil
}

func labelMAC(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// NewKeyring returns a keyring whose active key is active and which also
// holds the older keys. The secrets are copied into derived keys; the caller
// may clear its copies.
func NewKeyring(active Key, older ...Key) (*Keyring, error) {
	kr := &Keyring{keys: make(map[string]*derivedKey, 1+len(older))}
	for _, k := range append([]Key{active}, older...) {
		if _, dup := kr.keys[k.ID]; dup {
			return nil, fmt.Errorf("audit: key ID %q appears twice", k.ID)
		}
		d, err := deriveKey(k)
		if err != nil {
			return nil, err
		}
		kr.keys[k.ID] = d
	}
	kr.active = active.ID
	return kr, nil
}

// Rotate makes k the active key. The previous active key stays in the ring
// for verification and search. Rotating to an ID already in the ring is an
// error, so that one ID never names two secrets.
func (kr *Keyring) Rotate(k Key) error {
	d, err := deriveKey(k)
	if err != nil {
		return err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if _, dup := kr.keys[k.ID]; dup || kr.retired[k.ID] {
		return fmt.Errorf("audit: rotate to key ID %q: ID already used in the keyring", k.ID)
	}
	kr.keys[k.ID] = d
	kr.active = k.ID
	return nil
}

// Remove drops the secret of an old key, for example once every entry it
// MACed has been pruned, and remembers its ID as retired. Removing the
// active key is an error.
func (kr *Keyring) Remove(id string) error {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if id == kr.active {
		return fmt.Errorf("audit: remove key %q: it is the active key; rotate first", id)
	}
	if _, ok := kr.keys[id]; !ok {
		return fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	delete(kr.keys, id)
	kr.retireLocked(id)
	return nil
}

// Retire records IDs of keys whose secrets are gone. With
// VerifyOptions.StrictKeyIDs, Verify reports entries under a retired key as
// unverifiable and entries under any other unknown key ID as tampered.
func (kr *Keyring) Retire(ids ...string) error {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	for _, id := range ids {
		if !isKeyID(id) {
			return fmt.Errorf("audit: retired key ID %q must be 1 to 32 characters of [a-z0-9_.-]", clip(id))
		}
		if _, ok := kr.keys[id]; ok {
			return fmt.Errorf("audit: retire key ID %q: the key is still in the ring; use Remove", id)
		}
	}
	for _, id := range ids {
		kr.retireLocked(id)
	}
	return nil
}

func (kr *Keyring) retireLocked(id string) {
	if kr.retired == nil {
		kr.retired = make(map[string]bool)
	}
	kr.retired[id] = true
}

func (kr *Keyring) isRetired(id string) bool {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.retired[id]
}

// ActiveID returns the ID of the active key.
func (kr *Keyring) ActiveID() string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.active
}

// IDs returns the IDs of all keys in the ring, sorted.
func (kr *Keyring) IDs() []string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	ids := make([]string, 0, len(kr.keys))
	for id := range kr.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (kr *Keyring) key(id string) *derivedKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.keys[id]
}

func (kr *Keyring) activeKey() *derivedKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.keys[kr.active]
}

// pseudonymPrefix starts every pseudonym; a value with it is never hashed
// again.
const pseudonymPrefix = "hmac:"

// Pseudonym returns the keyed HMAC pseudonym of value under the key with the
// given ID, in the form "hmac:<key ID>:<22 base64url characters>" (the first
// 128 bits of HMAC-SHA256). Use it to search the trail for an identifier:
// compute the pseudonym under each key ID in IDs. An empty ID means the
// active key.
func (kr *Keyring) Pseudonym(keyID, value string) (string, error) {
	var d *derivedKey
	if keyID == "" {
		d = kr.activeKey()
	} else {
		d = kr.key(keyID)
	}
	if d == nil {
		return "", fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	return d.pseudonym(value), nil
}

func (d *derivedKey) pseudonym(value string) string {
	m := d.ident.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	d.ident.Put(m)

	buf := make([]byte, 0, len(pseudonymPrefix)+len(d.id)+1+22)
	buf = append(buf, pseudonymPrefix...)
	buf = append(buf, d.id...)
	buf = append(buf, ':')
	buf = base64.RawURLEncoding.AppendEncode(buf, sum[:16])
	return string(buf)
}

func (d *derivedKey) chainMAC(msg []byte, dst []byte) []byte {
	m := d.chain.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	dst = m.Sum(dst)
	d.chain.Put(m)
	return dst
}

func isKeyID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
