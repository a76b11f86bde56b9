package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hidemont/spkit/pii"
)

// Entry is an event as stored in the trail: its fields after pseudonymization,
// and its place in the hash chain. Sinks store entries; Verify checks them.
type Entry struct {
	// Seq is the entry's position in the chain, starting at 1.
	Seq uint64
	// Time is when the action happened, in UTC, with microsecond precision.
	Time time.Time
	// Actor is the user ID, or its pseudonym when the trail hashes actors.
	Actor string
	// Source is the source address as the trail's IPPolicy stored it: an
	// address ("192.0.2.10"), a prefix ("192.0.2.0/24"), a pseudonym, or
	// empty when unknown.
	Source  string
	Action  Action
	Outcome Outcome
	Reason  string
	// SellerID, OrderID and Bucket identify the data acted on. OrderID is a
	// pseudonym unless the trail keeps order IDs.
	SellerID string
	OrderID  string
	Bucket   string
	Purpose  string
	Kind     pii.Kind
	Count    int
	// KeyID names the key of the Keyring that made MAC.
	KeyID string
	// Prev is the MAC of the entry before, empty for the first entry.
	Prev []byte
	// MAC is the HMAC-SHA256 of every field above, under the chain key
	// derived from KeyID.
	MAC []byte
}

// Link is the head of a chain: the sequence number and MAC of its last
// entry. The zero Link is the head of an empty chain.
type Link struct {
	Seq uint64
	MAC []byte
}

// link returns the head of a chain that ends with e.
func (e *Entry) link() Link { return Link{Seq: e.Seq, MAC: e.MAC} }

// canonicalVersion starts the bytes that a chain MAC covers, so that a
// future layout cannot be confused with this one.
const canonicalVersion = 1

// canonicalBuffers holds buffers for appendCanonical, which would otherwise
// escape to the heap through the hash.Hash interface on every MAC.
var canonicalBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// appendCanonical appends the unambiguous encoding of e without its MAC:
// fixed-width integers and length-prefixed strings.
func appendCanonical(b []byte, e *Entry) []byte {
	b = append(b, canonicalVersion)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	for _, s := range [...]string{
		e.Actor, e.Source, string(e.Action), string(e.Outcome), e.Reason,
		e.SellerID, e.OrderID, e.Bucket, e.Purpose, string(e.Kind), e.KeyID,
	} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(int64(e.Count)))
	b = binary.AppendUvarint(b, uint64(len(e.Prev)))
	b = append(b, e.Prev...)
	return b
}

// Chain places e after head: it sets e.Seq, e.Prev and e.KeyID, MACs the
// entry with the active key and returns the new head. Primary sinks call it
// while they hold the chain head, so that no two entries follow one head.
func (kr *Keyring) Chain(head Link, e *Entry) (Link, error) {
	d := kr.activeKey()
	if d == nil {
		return Link{}, errors.New("audit: keyring has no active key")
	}
	// Prev and MAC share one allocation but never the caller's head, so
	// that changing one entry's bytes cannot change another's.
	macs := make([]byte, len(head.MAC), len(head.MAC)+sha256.Size)
	copy(macs, head.MAC)
	e.Seq = head.Seq + 1
	e.Prev = macs[:len(head.MAC):len(head.MAC)]
	e.KeyID = d.id
	buf := canonicalBuffers.Get().(*[]byte)
	*buf = appendCanonical((*buf)[:0], e)
	e.MAC = d.chainMAC(*buf, macs[len(head.MAC):])
	canonicalBuffers.Put(buf)
	return e.link(), nil
}

// ErrMACMismatch is returned by CheckMAC when an entry's MAC does not match
// its fields: the entry was changed after it was written.
var ErrMACMismatch = errors.New("audit: entry MAC does not match its fields")

// CheckMAC checks e's MAC. It returns an error matching ErrUnknownKey when
// the ring lacks e.KeyID, and ErrMACMismatch when the MAC is wrong.
func (kr *Keyring) CheckMAC(e *Entry) error {
	d := kr.key(e.KeyID)
	if d == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, clip(e.KeyID))
	}
	buf := canonicalBuffers.Get().(*[]byte)
	defer canonicalBuffers.Put(buf)
	*buf = appendCanonical((*buf)[:0], e)
	// The MAC goes into the same buffer, after the message.
	n := len(*buf)
	want := d.chainMAC((*buf)[:n], (*buf)[n:n])
	if !hmac.Equal(want, e.MAC) {
		return ErrMACMismatch
	}
	return nil
}
