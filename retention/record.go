package retention

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// StoredTime returns t as stores keep it: in UTC, truncated to the
// microsecond.
func StoredTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// newID returns a random 128-bit ID in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error.
	return hex.EncodeToString(b[:])
}

// checkID rejects an empty, too long, non-UTF-8 or control-character ID.
func checkID(field, v string) error {
	if v == "" {
		return &InvalidError{Field: field, Reason: "missing"}
	}
	if len(v) > MaxIDLength {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("%d bytes exceed the maximum of %d", len(v), MaxIDLength)}
	}
	if !utf8.ValidString(v) {
		return &InvalidError{Field: field, Reason: "not valid UTF-8"}
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return &InvalidError{Field: field, Reason: "contains a control character"}
		}
	}
	return nil
}

func checkOrderIDs(ids []string) error {
	if len(ids) > MaxOrderIDs {
		return &InvalidError{Field: "order IDs", Reason: fmt.Sprintf("%d exceed the maximum of %d", len(ids), MaxOrderIDs)}
	}
	for _, id := range ids {
		if err := checkID("order ID", id); err != nil {
			return err
		}
	}
	return nil
}

func checkClasses(cs []Class) error {
	for _, c := range cs {
		if !c.Valid() {
			return &InvalidError{Field: "class", Reason: fmt.Sprintf("%q is unknown; use one of %v", c, Classes)}
		}
	}
	return nil
}

func checkBlindIndex(b []byte) error {
	if len(b) == 0 {
		return &InvalidError{Field: "blind index", Reason: "empty"}
	}
	if len(b) > MaxBlindIndexLength {
		return &InvalidError{Field: "blind index", Reason: fmt.Sprintf("%d bytes exceed the maximum of %d", len(b), MaxBlindIndexLength)}
	}
	return nil
}

// reasonPattern is the form of an audit reason code.
var reasonPattern = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)

// Validate checks the record's fields and limits. It returns an
// *InvalidError.
func (r Record) Validate() error {
	if err := checkID("seller ID", r.SellerID); err != nil {
		return err
	}
	if err := checkID("order ID", r.OrderID); err != nil {
		return err
	}
	if r.Bucket != "" {
		if err := checkID("bucket", r.Bucket); err != nil {
			return err
		}
	}
	if !r.Class.Valid() {
		return &InvalidError{Field: "class", Reason: fmt.Sprintf("%q is unknown; use one of %v", r.Class, Classes)}
	}
	if r.Anchor.IsZero() {
		return &InvalidError{Field: "anchor", Reason: "missing"}
	}
	if len(r.BlindIndexes) > MaxBlindIndexes {
		return &InvalidError{Field: "blind indexes", Reason: fmt.Sprintf("%d exceed the maximum of %d", len(r.BlindIndexes), MaxBlindIndexes)}
	}
	for _, b := range r.BlindIndexes {
		if err := checkBlindIndex(b); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the request's fields. It returns an *InvalidError.
func (r Reanchor) Validate() error {
	if err := checkID("seller ID", r.SellerID); err != nil {
		return err
	}
	if err := checkID("order ID", r.OrderID); err != nil {
		return err
	}
	if err := checkClasses(r.Classes); err != nil {
		return err
	}
	if r.Anchor.IsZero() {
		return &InvalidError{Field: "anchor", Reason: "missing"}
	}
	if r.Bucket != "" {
		return checkID("bucket", r.Bucket)
	}
	return nil
}

// ClassesOrDefault returns r.Classes, or OrderClasses when it is empty.
func (r Reanchor) ClassesOrDefault() []Class {
	if len(r.Classes) == 0 {
		return OrderClasses
	}
	return r.Classes
}

// Validate checks the selector's fields. It returns an *InvalidError.
func (s Selector) Validate() error {
	if !s.Class.Valid() {
		return &InvalidError{Field: "class", Reason: fmt.Sprintf("%q is unknown; use one of %v", s.Class, Classes)}
	}
	if s.SellerID != "" {
		if err := checkID("seller ID", s.SellerID); err != nil {
			return err
		}
	}
	if (len(s.OrderIDs) > 0 || s.BlindIndex != nil) && s.SellerID == "" {
		return &InvalidError{Field: "seller ID", Reason: "missing; order IDs and blind indexes are per seller"}
	}
	if err := checkOrderIDs(s.OrderIDs); err != nil {
		return err
	}
	if s.BlindIndex != nil {
		return checkBlindIndex(s.BlindIndex)
	}
	return nil
}

// Matches reports whether an unpurged record r is selected by s.
func (s Selector) Matches(r Record) bool {
	switch {
	case r.Class != s.Class:
		return false
	case !s.Cutoff.IsZero() && r.Anchor.After(StoredTime(s.Cutoff)):
		return false
	case s.SellerID != "" && r.SellerID != s.SellerID:
		return false
	case len(s.OrderIDs) > 0 && !slices.Contains(s.OrderIDs, r.OrderID):
		return false
	case s.BlindIndex != nil && !slices.ContainsFunc(r.BlindIndexes, func(b []byte) bool { return string(b) == string(s.BlindIndex) }):
		return false
	}
	return true
}

// Hold is a legal hold: while it is active, the records it covers are not
// purged, even when due or named by a deletion notice.
type Hold struct {
	// ID identifies the hold; [Runner.PlaceHold] generates one when empty.
	ID string
	// SellerID is the seller whose records are held. Required.
	SellerID string
	// OrderIDs limits the hold to these orders; empty holds every record of
	// the seller.
	OrderIDs []string
	// Classes limits the hold to these classes; empty holds every class.
	Classes []Class
	// Reason is a code for the legal ground, such as "tax_audit" or
	// "litigation.case_2026_014". It must match [a-z0-9_.]{1,64} because it
	// goes into the audit trail, which holds no free text.
	Reason string
	// Actor is the user ID that placed the hold. Required.
	Actor string
	// PlacedAt is when the hold started.
	PlacedAt time.Time
	// Expires ends the hold; the zero value means until released.
	Expires time.Time
	// ReleasedAt is when the hold was released; zero while not released.
	ReleasedAt time.Time
}

// Active reports whether the hold applies at now.
func (h Hold) Active(now time.Time) bool {
	if !h.ReleasedAt.IsZero() && !now.Before(h.ReleasedAt) {
		return false
	}
	if !h.Expires.IsZero() && !now.Before(h.Expires) {
		return false
	}
	return !now.Before(h.PlacedAt)
}

// Covers reports whether the hold's scope includes record r, whether or not
// the hold is active.
func (h Hold) Covers(r Record) bool {
	if r.SellerID != h.SellerID {
		return false
	}
	if len(h.OrderIDs) > 0 && !slices.Contains(h.OrderIDs, r.OrderID) {
		return false
	}
	return len(h.Classes) == 0 || slices.Contains(h.Classes, r.Class)
}

// Validate checks the hold's fields. It returns an *InvalidError.
func (h Hold) Validate() error {
	if err := checkID("hold ID", h.ID); err != nil {
		return err
	}
	if err := checkID("seller ID", h.SellerID); err != nil {
		return err
	}
	if err := checkOrderIDs(h.OrderIDs); err != nil {
		return err
	}
	if err := checkClasses(h.Classes); err != nil {
		return err
	}
	if !reasonPattern.MatchString(h.Reason) {
		return &InvalidError{Field: "hold reason", Reason: "must be a code matching [a-z0-9_.]{1,64}, not free text"}
	}
	if err := checkID("actor", h.Actor); err != nil {
		return err
	}
	if h.PlacedAt.IsZero() {
		return &InvalidError{Field: "placed at", Reason: "missing"}
	}
	if !h.Expires.IsZero() && !h.Expires.After(h.PlacedAt) {
		return &InvalidError{Field: "expires", Reason: "not after the time the hold was placed"}
	}
	return nil
}

// NoticeStatus is the state of a deletion notice.
type NoticeStatus string

// The states of a deletion notice.
const (
	// NoticeOpen means records named by the notice may remain.
	NoticeOpen NoticeStatus = "open"
	// NoticeDone means every record named by the notice has been purged.
	NoticeDone NoticeStatus = "done"
)

// Notice is a deletion notice: a request, typically from Amazon, to delete
// the data of some orders, of a whole seller, or of one buyer identified by a
// blind index, before a deadline. The next run of a [Runner] carries it out;
// records under a legal hold are kept and leave the notice open.
type Notice struct {
	// ID identifies the notice; [Runner.SubmitNotice] generates one when
	// empty. Submitting the same ID twice is safe.
	ID string
	// SellerID is the seller the notice concerns. Required.
	SellerID string
	// OrderIDs names the orders to delete. At most one of OrderIDs and
	// BlindIndex is set; with neither, the notice covers every record of
	// the seller.
	OrderIDs []string
	// BlindIndex names the buyer whose data to delete, as a pii.Indexer
	// blind index for the seller.
	BlindIndex []byte
	// Classes are the classes to delete; empty means [OrderClasses]. The
	// audit log and tax archive are kept for legal reasons and are deleted
	// only when named here.
	Classes []Class
	// Actor is the user ID that submitted the notice. Required.
	Actor string
	// ReceivedAt is when the notice was received.
	ReceivedAt time.Time
	// Deadline is when the deletion must be complete. It must not be later
	// than ReceivedAt + MaxNoticeDeadline.
	Deadline time.Time
	// Status is NoticeOpen until the notice is carried out.
	Status NoticeStatus
	// CompletedAt is when the notice was carried out.
	CompletedAt time.Time
	// Purged is the number of records purged for the notice.
	Purged int
}

// ClassesOrDefault returns n.Classes, or OrderClasses when it is empty.
func (n Notice) ClassesOrDefault() []Class {
	if len(n.Classes) == 0 {
		return OrderClasses
	}
	return n.Classes
}

// Selector returns the selector of the notice's records of class c.
func (n Notice) Selector(c Class) Selector {
	return Selector{Class: c, SellerID: n.SellerID, OrderIDs: n.OrderIDs, BlindIndex: n.BlindIndex}
}

// Validate checks the notice's fields. It returns an *InvalidError.
func (n Notice) Validate() error {
	if err := checkID("notice ID", n.ID); err != nil {
		return err
	}
	if err := checkID("seller ID", n.SellerID); err != nil {
		return err
	}
	if err := checkOrderIDs(n.OrderIDs); err != nil {
		return err
	}
	if n.BlindIndex != nil {
		if len(n.OrderIDs) > 0 {
			return &InvalidError{Field: "notice", Reason: "both order IDs and a blind index are set; submit one notice for each"}
		}
		if err := checkBlindIndex(n.BlindIndex); err != nil {
			return err
		}
	}
	if err := checkClasses(n.Classes); err != nil {
		return err
	}
	if err := checkID("actor", n.Actor); err != nil {
		return err
	}
	if n.ReceivedAt.IsZero() {
		return &InvalidError{Field: "received at", Reason: "missing"}
	}
	if !n.Deadline.After(n.ReceivedAt) {
		return &InvalidError{Field: "deadline", Reason: "not after the time the notice was received"}
	}
	if n.Deadline.Sub(n.ReceivedAt) > MaxNoticeDeadline {
		return &InvalidError{Field: "deadline", Reason: fmt.Sprintf("%v after receipt exceeds the maximum of %v", n.Deadline.Sub(n.ReceivedAt), MaxNoticeDeadline)}
	}
	return nil
}

func itoa(n int) string { return fmt.Sprint(n) }
