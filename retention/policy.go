package retention

import (
	"fmt"
	"slices"
	"time"
)

// Class names a kind of retained data. Each class has one rule in a [Policy].
type Class string

// The retention classes.
const (
	// ClassBuyerPII is the buyer's name, shipping address, phone and e-mail.
	ClassBuyerPII Class = "buyer_pii"
	// ClassPersonalization is the customisation text and images of an order
	// item (Amazon Custom) and gift messages.
	ClassPersonalization Class = "personalization"
	// ClassNonPII is order data that identifies no person: items, quantities,
	// prices, carriers and tracking numbers.
	ClassNonPII Class = "non_pii"
	// ClassAuditLog is the audit trail, which must be kept for a minimum time.
	ClassAuditLog Class = "audit_log"
	// ClassTaxArchive is data kept for tax law, such as invoices, whose
	// retention is a legal obligation.
	ClassTaxArchive Class = "tax_archive"
)

// Classes lists every class in the order runners process them.
var Classes = []Class{ClassBuyerPII, ClassPersonalization, ClassNonPII, ClassAuditLog, ClassTaxArchive}

// OrderClasses are the classes an order is registered under. Their anchor is
// the shipment, so shipping an order re-anchors all three.
var OrderClasses = []Class{ClassBuyerPII, ClassPersonalization, ClassNonPII}

// Valid reports whether c is one of the defined classes.
func (c Class) Valid() bool { return slices.Contains(Classes, c) }

// Anchor names the event from which the age of a record is measured.
type Anchor string

// The anchors.
const (
	// AnchorShipment is the shipment time of the order, or for an order that
	// never ships its cancellation time, or its order time while it is
	// neither shipped nor cancelled.
	AnchorShipment Anchor = "shipment"
	// AnchorCreation is the time the record was made, such as the time of an
	// audit event or the issue date of an invoice.
	AnchorCreation Anchor = "creation"
)

// The limits of the data policy. Validate rejects a policy looser than these.
const (
	// MaxPIIAge is the longest that buyer PII and personalisation may be kept
	// after shipment.
	MaxPIIAge = 30 * 24 * time.Hour
	// MaxNonPIIAge is the longest that non-PII may be kept: 546 days, the
	// shortest span of 18 consecutive calendar months (September to February
	// with a 28-day February), so that a duration never exceeds 18 months
	// whatever the start date.
	MaxNonPIIAge = 546 * 24 * time.Hour
	// MinAuditLogAge is the shortest that audit logs must be kept: 366 days,
	// the longest span of 12 calendar months, so that a duration always
	// covers 12 months whatever the start date.
	MinAuditLogAge = 366 * 24 * time.Hour
	// MaxNoticeDeadline is the longest time allowed to carry out a deletion
	// notice.
	MaxNoticeDeadline = 30 * 24 * time.Hour
)

// Rule is the retention rule of one class: a record is purged SafetyMargin
// before MaxAge has passed since its anchor, so that a purge lands before the
// limit rather than on it. A record is due when anchor + MaxAge - SafetyMargin
// is at or before the current time.
type Rule struct {
	// Class is the class the rule applies to.
	Class Class
	// Anchor is the event the age is measured from.
	Anchor Anchor
	// MaxAge is the limit: the age at which the record must be gone.
	MaxAge time.Duration
	// SafetyMargin is how long before MaxAge the record becomes due. It must
	// be positive for classes with an upper limit and shorter than MaxAge.
	SafetyMargin time.Duration
}

// Age is the age at which a record of the rule's class becomes due:
// MaxAge - SafetyMargin.
func (r Rule) Age() time.Duration { return r.MaxAge - r.SafetyMargin }

// Due returns the time at which a record anchored at anchor becomes due, in
// UTC.
func (r Rule) Due(anchor time.Time) time.Time { return anchor.UTC().Add(r.Age()) }

// Cutoff returns the latest anchor that is due at now: records anchored at or
// before it are due.
func (r Rule) Cutoff(now time.Time) time.Time { return now.UTC().Add(-r.Age()) }

// Cutoffs returns the cutoff of every class of the policy at now.
func (p Policy) Cutoffs(now time.Time) Cutoffs {
	out := make(Cutoffs, len(p.Rules))
	for _, r := range p.Rules {
		out[r.Class] = r.Cutoff(now)
	}
	return out
}

// Policy is the set of retention rules, one per class, and the deadline for
// deletion notices. The zero value is invalid; start from [DefaultPolicy].
type Policy struct {
	// Rules holds exactly one rule for each class in [Classes].
	Rules []Rule
	// NoticeDeadline is the default time allowed to carry out a deletion
	// notice, counted from its receipt. It must not exceed MaxNoticeDeadline.
	NoticeDeadline time.Duration
}

// DefaultPolicy returns the policy spkit ships with:
//
//   - buyer PII and personalisation: 30 days after shipment, purged 2 days early;
//   - non-PII: 540 days after shipment, purged 7 days early;
//   - audit logs: 400 days after the event, purged 7 days early (so kept
//     393 days, more than 12 months);
//   - tax archive: 10 years and 7 days after creation, purged 7 days early.
//     Tax periods differ by country, so set this to the law that applies.
//
// Deletion notices are due 30 days after receipt.
func DefaultPolicy() Policy {
	const day = 24 * time.Hour
	return Policy{
		Rules: []Rule{
			{Class: ClassBuyerPII, Anchor: AnchorShipment, MaxAge: 30 * day, SafetyMargin: 2 * day},
			{Class: ClassPersonalization, Anchor: AnchorShipment, MaxAge: 30 * day, SafetyMargin: 2 * day},
			{Class: ClassNonPII, Anchor: AnchorShipment, MaxAge: 540 * day, SafetyMargin: 7 * day},
			{Class: ClassAuditLog, Anchor: AnchorCreation, MaxAge: 400 * day, SafetyMargin: 7 * day},
			{Class: ClassTaxArchive, Anchor: AnchorCreation, MaxAge: (3653 + 7) * day, SafetyMargin: 7 * day},
		},
		NoticeDeadline: MaxNoticeDeadline,
	}
}

// Rule returns the rule of class c.
func (p Policy) Rule(c Class) (Rule, bool) {
	for _, r := range p.Rules {
		if r.Class == c {
			return r, true
		}
	}
	return Rule{}, false
}

// MinSafetyMargin returns the smallest safety margin among the classes with
// an upper limit. A runner must run more often than this, or a record could
// pass its limit between two runs.
func (p Policy) MinSafetyMargin() time.Duration {
	var m time.Duration
	for _, r := range p.Rules {
		if !upperLimited(r.Class) {
			continue
		}
		if m == 0 || r.SafetyMargin < m {
			m = r.SafetyMargin
		}
	}
	return m
}

// upperLimited reports whether the data policy caps how long a class is kept.
// The audit log and the tax archive are kept for a minimum time instead.
func upperLimited(c Class) bool {
	return c == ClassBuyerPII || c == ClassPersonalization || c == ClassNonPII
}

// PolicyError reports a policy that is malformed or looser than the data
// policy.
type PolicyError struct {
	Class  Class  // the class concerned, empty for the notice deadline
	Field  string // the field concerned, such as "max_age"
	Reason string // what is wrong and what is allowed
}

func (e *PolicyError) Error() string {
	if e.Class == "" {
		return fmt.Sprintf("retention: invalid policy: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("retention: invalid policy: class %q: %s: %s", e.Class, e.Field, e.Reason)
}

// Validate checks that the policy has one rule per class and that each rule
// is well formed. It also checks that no rule is looser than the data
// policy: buyer PII and personalisation gone within MaxPIIAge of shipment,
// non-PII within MaxNonPIIAge, audit logs kept at least MinAuditLogAge, and
// deletion notices carried out within MaxNoticeDeadline. It returns a
// *PolicyError.
func (p Policy) Validate() error {
	seen := make(map[Class]bool, len(Classes))
	for _, r := range p.Rules {
		if !r.Class.Valid() {
			return &PolicyError{Class: r.Class, Field: "class", Reason: fmt.Sprintf("unknown class; use one of %v", Classes)}
		}
		if seen[r.Class] {
			return &PolicyError{Class: r.Class, Field: "class", Reason: "more than one rule; give each class exactly one"}
		}
		seen[r.Class] = true
		if err := validateRule(r); err != nil {
			return err
		}
	}
	for _, c := range Classes {
		if !seen[c] {
			return &PolicyError{Class: c, Field: "rules", Reason: "missing rule; every class needs one"}
		}
	}

	switch {
	case p.NoticeDeadline <= 0:
		return &PolicyError{Field: "notice_deadline", Reason: fmt.Sprintf("%v is not positive", p.NoticeDeadline)}
	case p.NoticeDeadline > MaxNoticeDeadline:
		return &PolicyError{Field: "notice_deadline", Reason: fmt.Sprintf("%v exceeds the maximum of %v", p.NoticeDeadline, MaxNoticeDeadline)}
	}
	return nil
}

func validateRule(r Rule) error {
	wantAnchor := AnchorShipment
	if !upperLimited(r.Class) {
		wantAnchor = AnchorCreation
	}
	if r.Anchor != wantAnchor {
		return &PolicyError{Class: r.Class, Field: "anchor", Reason: fmt.Sprintf("%q is not allowed; the class is anchored at %q", r.Anchor, wantAnchor)}
	}
	if r.MaxAge <= 0 {
		return &PolicyError{Class: r.Class, Field: "max_age", Reason: fmt.Sprintf("%v is not positive", r.MaxAge)}
	}
	if r.SafetyMargin < 0 || r.SafetyMargin >= r.MaxAge {
		return &PolicyError{Class: r.Class, Field: "safety_margin", Reason: fmt.Sprintf("%v must be at least 0 and less than max_age %v", r.SafetyMargin, r.MaxAge)}
	}

	switch r.Class {
	case ClassBuyerPII, ClassPersonalization:
		if r.MaxAge > MaxPIIAge {
			return &PolicyError{Class: r.Class, Field: "max_age", Reason: fmt.Sprintf("%v exceeds the maximum of %v after shipment", r.MaxAge, MaxPIIAge)}
		}
	case ClassNonPII:
		if r.MaxAge > MaxNonPIIAge {
			return &PolicyError{Class: r.Class, Field: "max_age", Reason: fmt.Sprintf("%v exceeds the maximum of %v (18 months)", r.MaxAge, MaxNonPIIAge)}
		}
	case ClassAuditLog:
		if r.Age() < MinAuditLogAge {
			return &PolicyError{Class: r.Class, Field: "max_age", Reason: fmt.Sprintf("max_age minus safety_margin is %v, below the minimum of %v (12 months)", r.Age(), MinAuditLogAge)}
		}
	case ClassTaxArchive:
		if r.Age() < MaxNonPIIAge {
			return &PolicyError{Class: r.Class, Field: "max_age", Reason: fmt.Sprintf("max_age minus safety_margin is %v, shorter than the non-PII limit %v; data kept for less needs no tax archive", r.Age(), MaxNonPIIAge)}
		}
	}
	if upperLimited(r.Class) && r.SafetyMargin == 0 {
		return &PolicyError{Class: r.Class, Field: "safety_margin", Reason: "must be positive so that purges land before the limit"}
	}
	return nil
}
