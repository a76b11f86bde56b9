package audit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hidemont/spkit/pii"
)

// ServicePrefix starts the actor of an automated job, such as
// "svc:retention-runner". A job has no human user ID, so it is named after
// the job. The name after the prefix follows the same rules as a user ID.
const ServicePrefix = "svc:"

// Limits on identifier fields. They keep free text out of the trail.
const (
	maxActorLen      = 128
	maxIdentifierLen = 128
	maxReasonLen     = 64
	// MaxCount is the largest Count an event may carry.
	MaxCount = 1 << 40
)

// DefaultGenericActors lists account names that name no single person and so
// cannot be held accountable. Policy rejects them as actors, compared without
// regard to case, both bare and after ServicePrefix.
var DefaultGenericActors = []string{
	"admin", "administrator", "root", "system", "shared", "service", "user",
	"guest", "test", "operator", "support", "default", "anonymous", "unknown",
	"nobody", "everyone", "postgres", "sa", "erp", "api", "svc",
}

// ErrInvalidEvent is the error that every *ValidationError matches with
// errors.Is.
var ErrInvalidEvent = errors.New("audit: invalid event")

// ValidationError reports an event field that Policy rejects. Value is empty
// when quoting the value could leak data, for example an actor that looks
// like an email address.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("audit: invalid event field %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("audit: invalid event field %s=%q: %s", e.Field, e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidEvent) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidEvent }

// Policy decides which events are acceptable. The zero value applies the
// defaults documented on each field. A Policy must not be changed while
// Validate may run.
type Policy struct {
	// GenericActors lists rejected actor names, compared without regard to
	// case. Nil means DefaultGenericActors; an empty non-nil slice rejects
	// none.
	GenericActors []string
	// ServiceActors, when non-nil, lists the only job names accepted after
	// ServicePrefix (without the prefix). Nil accepts any well-formed job
	// name that is not generic.
	ServiceActors []string
}

// Validate returns a *ValidationError naming the first field of e that the
// policy rejects, or nil.
//
// Rules: Actor is required and is a user ID or ServicePrefix plus a job name,
// 1 to 128 characters of [A-Za-z0-9_.:-] (so an email address or a name with
// spaces is rejected), and not a generic account name. Action and Outcome are
// from the closed sets in this package. Reason matches [a-z0-9_.]{1,64} and
// is required unless the outcome is OutcomeSuccess. Reveals and exports need
// a Purpose, which must be a pii.Purpose. Kind, when set, is a pii.Kind.
// SellerID, OrderID and Bucket are at most 128 characters of
// [A-Za-z0-9_.:/-]. Count is between 0 and MaxCount.
func (p *Policy) Validate(e *Event) error {
	if err := p.validateActor(e.Actor); err != nil {
		return err
	}
	if !e.Action.Valid() {
		return &ValidationError{Field: "Action", Value: quotable(string(e.Action)), Reason: "not one of the audit actions"}
	}
	if !e.Outcome.Valid() {
		return &ValidationError{Field: "Outcome", Value: quotable(string(e.Outcome)), Reason: "must be success, failure or denied"}
	}
	if err := validateReason(e.Outcome, e.Reason); err != nil {
		return err
	}
	if err := validatePurpose(e.Action, e.Purpose); err != nil {
		return err
	}
	if e.Kind != "" && !validKind(e.Kind) {
		return &ValidationError{Field: "Kind", Value: quotable(string(e.Kind)), Reason: "not a pii kind"}
	}
	for _, f := range [...]struct{ name, value string }{
		{"SellerID", e.SellerID}, {"OrderID", e.OrderID}, {"Bucket", e.Bucket},
	} {
		if !isIdentifier(f.value, maxIdentifierLen, true) {
			return &ValidationError{Field: f.name, Reason: "must be at most 128 characters of [A-Za-z0-9_.:/-]"}
		}
	}
	if e.Count < 0 || e.Count > MaxCount {
		return &ValidationError{Field: "Count", Value: fmt.Sprint(e.Count), Reason: fmt.Sprintf("must be between 0 and %d", MaxCount)}
	}
	return nil
}

func (p *Policy) validateActor(actor string) error {
	if actor == "" {
		return &ValidationError{Field: "Actor", Reason: "missing; set the user ID, or svc:<job> for an automated job"}
	}
	if !isIdentifier(actor, maxActorLen, false) {
		// The value is left out: a rejected actor may be an email address or a
		// person's name.
		return &ValidationError{Field: "Actor", Reason: "must be an opaque user ID of at most 128 characters of [A-Za-z0-9_.:-]"}
	}
	name, service := strings.CutPrefix(actor, ServicePrefix)
	if service && name == "" {
		return &ValidationError{Field: "Actor", Value: actor, Reason: "missing job name after " + ServicePrefix}
	}
	generic := p.GenericActors
	if generic == nil {
		generic = DefaultGenericActors
	}
	for _, g := range generic {
		if strings.EqualFold(name, g) {
			return &ValidationError{Field: "Actor", Value: actor, Reason: "generic or shared account; record the user ID of the person, or svc:<job> for an automated job"}
		}
	}
	if service && p.ServiceActors != nil {
		for _, s := range p.ServiceActors {
			if name == s {
				return nil
			}
		}
		return &ValidationError{Field: "Actor", Value: actor, Reason: "service actor not in Policy.ServiceActors"}
	}
	return nil
}

func validateReason(o Outcome, reason string) error {
	if reason == "" {
		if o != OutcomeSuccess {
			return &ValidationError{Field: "Reason", Reason: "missing; a " + string(o) + " needs a reason code such as vault_unavailable"}
		}
		return nil
	}
	if !IsReasonCode(reason) {
		return &ValidationError{Field: "Reason", Reason: "must match [a-z0-9_.]{1,64}"}
	}
	return nil
}

func validatePurpose(a Action, purpose string) error {
	if purpose == "" {
		if a == ActionReveal || a == ActionExport {
			return &ValidationError{Field: "Purpose", Reason: "missing; " + string(a) + " needs a declared pii purpose"}
		}
		return nil
	}
	switch pii.Purpose(purpose) {
	case pii.PurposeFulfillment, pii.PurposeDeliverySupport, pii.PurposeReturns, pii.PurposeTaxAndLegal:
		return nil
	}
	return &ValidationError{Field: "Purpose", Value: quotable(purpose), Reason: "not a pii purpose"}
}

func validKind(k pii.Kind) bool {
	switch k {
	case pii.KindBuyerName, pii.KindAddress, pii.KindPhone, pii.KindEmail,
		pii.KindTaxInfo, pii.KindPersonalization, pii.KindGiftMessage:
		return true
	}
	return false
}

// Actions returns the closed set of actions, in a fixed order.
func Actions() []Action {
	return []Action{
		ActionLogin, ActionRead, ActionReveal, ActionExport, ActionOrderSync,
		ActionLabelPurchase, ActionShipmentConfirmation, ActionInventoryUpdate,
		ActionPriceUpdate, ActionSettlementIngest, ActionPurge, ActionShred,
		ActionKeyRotation, ActionDeletionNotice, ActionLegalHold,
	}
}

// Valid reports whether a is one of the actions in Actions.
func (a Action) Valid() bool {
	switch a {
	case ActionLogin, ActionRead, ActionReveal, ActionExport, ActionOrderSync,
		ActionLabelPurchase, ActionShipmentConfirmation, ActionInventoryUpdate,
		ActionPriceUpdate, ActionSettlementIngest, ActionPurge, ActionShred,
		ActionKeyRotation, ActionDeletionNotice, ActionLegalHold:
		return true
	}
	return false
}

// Outcomes returns the closed set of outcomes.
func Outcomes() []Outcome {
	return []Outcome{OutcomeSuccess, OutcomeFailure, OutcomeDenied}
}

// Valid reports whether o is OutcomeSuccess, OutcomeFailure or OutcomeDenied.
func (o Outcome) Valid() bool {
	return o == OutcomeSuccess || o == OutcomeFailure || o == OutcomeDenied
}

// IsReasonCode reports whether s matches [a-z0-9_.]{1,64}.
func IsReasonCode(s string) bool {
	if s == "" || len(s) > maxReasonLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// isIdentifier reports whether s is at most max characters of
// [A-Za-z0-9_.:-], plus '/' when slash is true. The empty string is accepted;
// callers check presence themselves.
func isIdentifier(s string, max int, slash bool) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_', c == '.', c == ':', c == '-':
		case c == '/' && slash:
		default:
			return false
		}
	}
	return true
}

// quotable returns s, clipped, when it has the shape of a code, and "" when
// it may be free text such as an email address, which an error must not quote.
func quotable(s string) string {
	if !isIdentifier(s, maxReasonLen, false) {
		return ""
	}
	return clip(s)
}

// clip shortens a rejected value before it is quoted in an error.
func clip(s string) string {
	const max = 32
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
