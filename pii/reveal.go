package pii

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// Reasons a reveal is denied. A *RevealError wraps one of them.
var (
	ErrNoActor           = errors.New("no actor in context: add one with pii.WithActor")
	ErrUnknownPurpose    = errors.New("unknown purpose")
	ErrPurposeNotAllowed = errors.New("purpose not allowed for this kind by the reveal policy")
	ErrAuditFailed       = errors.New("audit failed, so the reveal was denied")
)

// RevealError reports a denied reveal. It names the kind and purpose, never
// the value.
type RevealError struct {
	Kind    Kind
	Purpose Purpose
	Err     error // ErrNoActor, ErrUnknownPurpose, ErrPurposeNotAllowed or ErrAuditFailed joined with the auditor's error
}

func (e *RevealError) Error() string {
	if !isPurposeCode(e.Purpose) {
		// A purpose that is not code-shaped may be free text naming the buyer.
		return fmt.Sprintf("pii: reveal of %s for a purpose that is not a purpose code denied: %v", e.Kind, e.Err)
	}
	return fmt.Sprintf("pii: reveal of %s for purpose %q denied: %v", e.Kind, e.Purpose, e.Err)
}

// isPurposeCode reports whether p is 0 to 32 bytes of [a-z0-9_], the shape of
// the purposes in this package, and so safe to quote.
func isPurposeCode(p Purpose) bool {
	if len(p) > 32 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func (e *RevealError) Unwrap() error { return e.Err }

// Policy states for which purposes each kind may be revealed. A kind missing
// from Purposes cannot be revealed at all.
type Policy struct {
	Purposes map[Kind][]Purpose
}

// DefaultPolicy returns the policy a Revealer uses when given a zero Policy:
//
//   - BuyerName, Address: fulfilment, delivery support, returns, tax and legal
//     (invoices carry them).
//   - Phone: fulfilment, delivery support and returns.
//   - Email: delivery support, returns, tax and legal.
//   - TaxInfo: tax and legal.
//   - Personalization, GiftMessage: fulfilment and returns.
func DefaultPolicy() Policy {
	return Policy{Purposes: map[Kind][]Purpose{
		KindBuyerName:       {PurposeFulfillment, PurposeDeliverySupport, PurposeReturns, PurposeTaxAndLegal},
		KindAddress:         {PurposeFulfillment, PurposeDeliverySupport, PurposeReturns, PurposeTaxAndLegal},
		KindPhone:           {PurposeFulfillment, PurposeDeliverySupport, PurposeReturns},
		KindEmail:           {PurposeDeliverySupport, PurposeReturns, PurposeTaxAndLegal},
		KindTaxInfo:         {PurposeTaxAndLegal},
		KindPersonalization: {PurposeFulfillment, PurposeReturns},
		KindGiftMessage:     {PurposeFulfillment, PurposeReturns},
	}}
}

// Purposes returns the purposes that exist. Marketing is not one of them.
func Purposes() []Purpose {
	return []Purpose{PurposeFulfillment, PurposeDeliverySupport, PurposeReturns, PurposeTaxAndLegal}
}

func knownPurpose(p Purpose) bool { return slices.Contains(Purposes(), p) }

func knownKind(k Kind) bool {
	switch k {
	case KindBuyerName, KindAddress, KindPhone, KindEmail, KindTaxInfo, KindPersonalization, KindGiftMessage:
		return true
	}
	return false
}

// Revealer is the capability to read PII in clear. Build one at start-up with
// NewRevealer and hand it only to the code that needs clear text (label
// printing, delivery support, returns, tax documents).
//
// Each reveal needs an actor in the context (WithActor), a purpose that exists
// and that the policy allows for the value's kind, and a successful call to
// the auditor, made before any clear text is returned. The subject, when the
// context holds one (WithSubject), goes to the auditor too. A Revealer is safe
// for concurrent use.
type Revealer struct {
	allowed map[Kind]map[Purpose]bool
	auditor Auditor
}

// NewRevealer returns a Revealer enforcing policy and calling auditor before
// every reveal. A zero Policy means DefaultPolicy. It returns an error when
// auditor is nil or the policy names an unknown kind or purpose.
func NewRevealer(policy Policy, auditor Auditor) (*Revealer, error) {
	if auditor == nil {
		return nil, errors.New("pii: NewRevealer: auditor is nil; every reveal must be audited")
	}
	if policy.Purposes == nil {
		policy = DefaultPolicy()
	}
	allowed := make(map[Kind]map[Purpose]bool, len(policy.Purposes))
	for k, ps := range policy.Purposes {
		if !knownKind(k) {
			return nil, fmt.Errorf("pii: NewRevealer: policy names unknown kind %q", k)
		}
		allowed[k] = make(map[Purpose]bool, len(ps))
		for _, p := range ps {
			if !knownPurpose(p) {
				return nil, fmt.Errorf("pii: NewRevealer: policy allows unknown purpose %q for %s", p, k)
			}
			allowed[k][p] = true
		}
	}
	return &Revealer{allowed: allowed, auditor: auditor}, nil
}

// Allows reports whether the policy lets values of kind k be revealed for
// purpose p, so a user interface can offer only reveals that can succeed. A
// reveal still needs an actor and a successful audit.
func (r *Revealer) Allows(k Kind, p Purpose) bool {
	return r != nil && knownPurpose(p) && r.allowed[k][p]
}

// authorize checks the request and calls the auditor. It is the only gate in
// front of clear text.
func (r *Revealer) authorize(ctx context.Context, purpose Purpose, k Kind) error {
	if err := r.checkOnly(ctx, purpose, k); err != nil {
		return err
	}
	actor, _ := ActorFromContext(ctx)
	subject, _ := SubjectFromContext(ctx)
	access := Access{Kind: k, Purpose: purpose, Actor: actor, Subject: subject}
	if err := r.auditor.AuditReveal(ctx, access); err != nil {
		return &RevealError{Kind: k, Purpose: purpose, Err: errors.Join(ErrAuditFailed, err)}
	}
	return nil
}

// Reveal returns the clear text of v after checking the purpose and actor and
// auditing the access. An absent v returns "" after the same checks, without
// an audit, because nothing is revealed. An Address is returned as one line
// per non-empty part or group: name, company, street lines, neighbourhood,
// district, municipality, county, postal code with city, state or region,
// country code and phone. Use RevealAddress for the parts themselves.
// Denials are *RevealError, and context errors are returned unchanged.
//
// Go strings cannot be wiped. Prefer RevealFunc where the clear text need not
// outlive one call.
func (r *Revealer) Reveal(ctx context.Context, purpose Purpose, v Value) (string, error) {
	var s string
	err := r.RevealFunc(ctx, purpose, v, func(clear []byte) error {
		s = string(clear)
		return nil
	})
	return s, err
}

// RevealFunc passes the clear bytes of v to fn after the checks Reveal makes,
// and overwrites them with zeros when fn returns. fn must not keep the slice.
// It returns fn's error unchanged.
func (r *Revealer) RevealFunc(ctx context.Context, purpose Purpose, v Value, fn func(clear []byte) error) error {
	if r == nil || r.auditor == nil {
		return errors.New("pii: RevealFunc: Revealer is nil or not made by NewRevealer")
	}
	if isNil(v) {
		return errors.New("pii: RevealFunc: value is nil")
	}
	k := v.Kind()
	if v.IsZero() {
		if err := r.checkOnly(ctx, purpose, k); err != nil {
			return err
		}
		return fn(nil)
	}
	if err := r.authorize(ctx, purpose, k); err != nil {
		return err
	}

	clear, err := revealBytes(v)
	if err != nil {
		return err
	}
	defer clearBuffer(clear)
	return fn(clear)
}

// RevealAddress returns the parts of a in clear, after the checks Reveal
// makes. Code that prints labels or fills carrier requests uses it.
func (r *Revealer) RevealAddress(ctx context.Context, purpose Purpose, a Address) (AddressParts, error) {
	if r == nil || r.auditor == nil {
		return AddressParts{}, errors.New("pii: RevealAddress: Revealer is nil or not made by NewRevealer")
	}
	if a.IsZero() {
		return AddressParts{}, r.checkOnly(ctx, purpose, KindAddress)
	}
	if err := r.authorize(ctx, purpose, KindAddress); err != nil {
		return AddressParts{}, err
	}
	return a.parts()
}

// checkOnly makes the checks of authorize without the audit call.
func (r *Revealer) checkOnly(ctx context.Context, purpose Purpose, k Kind) error {
	if !knownPurpose(purpose) {
		return &RevealError{Kind: k, Purpose: purpose, Err: ErrUnknownPurpose}
	}
	if !r.allowed[k][purpose] {
		return &RevealError{Kind: k, Purpose: purpose, Err: ErrPurposeNotAllowed}
	}
	if a, ok := ActorFromContext(ctx); !ok || a.UserID == "" {
		return &RevealError{Kind: k, Purpose: purpose, Err: ErrNoActor}
	}
	return ctx.Err()
}

// revealBytes returns the clear form a reveal hands out: the normalised value,
// or for an Address its text lines.
func revealBytes(v Value) ([]byte, error) {
	if a, ok := v.(Address); ok {
		p, err := a.parts()
		if err != nil {
			return nil, err
		}
		return []byte(p.text()), nil
	}
	if a, ok := v.(*Address); ok {
		return revealBytes(*a)
	}
	return v.clearBytes()
}

// isNil reports whether v is nil or a nil pointer to a PII type, whose value
// methods would panic.
func isNil(v Value) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
