package pii

import (
	"context"
	"net/netip"
)

// Kind names a kind of personal data. Its string form appears in placeholders
// such as [pii:buyer_name], in storage envelopes and in audit events.
type Kind string

// The kinds of personal data that SP-API returns to a seller.
const (
	KindBuyerName       Kind = "buyer_name"
	KindAddress         Kind = "address"
	KindPhone           Kind = "phone"
	KindEmail           Kind = "email"
	KindTaxInfo         Kind = "tax_info"
	KindPersonalization Kind = "personalization"
	KindGiftMessage     Kind = "gift_message"
)

// Binding names the place where a sealed value is stored. Sealers use it as
// associated data, so a ciphertext copied to another seller, table, column or
// row fails to open.
type Binding struct {
	Seller string
	Table  string
	Column string
	RowID  string
}

// Sealer encrypts values for storage under the data key of a seller's
// retention bucket. Implementations must be safe for concurrent use, must
// authenticate the binding as associated data, and must fail closed: an error
// never comes with clear text or a fallback key.
type Sealer interface {
	// Seal encrypts plaintext under the key of (b.Seller, bucket).
	Seal(ctx context.Context, bucket string, b Binding, plaintext []byte) ([]byte, error)
	// Open decrypts a ciphertext made by Seal with the same bucket and binding.
	Open(ctx context.Context, bucket string, b Binding, ciphertext []byte) ([]byte, error)
}

// Indexer computes blind indexes: keyed, truncated MACs of normalised values
// that allow equality lookups without storing clear text.
type Indexer interface {
	// BlindIndex returns the index of a normalised value of the given kind for
	// a seller. Equal inputs give equal indexes for the life of the seller's
	// index key.
	BlindIndex(ctx context.Context, seller string, kind Kind, normalized []byte) ([]byte, error)
}

// Purpose is the declared reason for revealing personal data. Only the
// purposes below exist; marketing is not one of them.
type Purpose string

// The purposes for which personal data may be revealed.
const (
	PurposeFulfillment     Purpose = "fulfillment"
	PurposeDeliverySupport Purpose = "delivery_support"
	PurposeReturns         Purpose = "returns"
	PurposeTaxAndLegal     Purpose = "tax_and_legal"
)

// Actor identifies who acts: a user ID and the source IP of the request.
type Actor struct {
	UserID   string
	SourceIP netip.Addr
}

type actorKey struct{}

// WithActor returns a context that carries the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor stored by WithActor.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Subject identifies the Amazon data a reveal concerns, without personal data.
type Subject struct {
	SellerID string
	OrderID  string
}

type subjectKey struct{}

// WithSubject returns a context that carries the subject of later reveals.
func WithSubject(ctx context.Context, s Subject) context.Context {
	return context.WithValue(ctx, subjectKey{}, s)
}

// SubjectFromContext returns the subject stored by WithSubject.
func SubjectFromContext(ctx context.Context) (Subject, bool) {
	s, ok := ctx.Value(subjectKey{}).(Subject)
	return s, ok
}

// Access describes one reveal for the auditor. It never holds clear text.
type Access struct {
	Kind    Kind
	Purpose Purpose
	Actor   Actor
	Subject Subject
}

// Auditor records reveals. A Revealer calls AuditReveal before it returns clear
// text, and denies the reveal when AuditReveal fails.
type Auditor interface {
	AuditReveal(ctx context.Context, a Access) error
}
