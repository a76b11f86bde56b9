package audit

import (
	"context"
	"net/netip"
	"time"

	"github.com/hidemont/spkit/pii"
)

// Action is the kind of access an actor made. The set is closed, so
// validation rejects any other value.
type Action string

// The actions the audit trail records.
const (
	ActionLogin                Action = "login"
	ActionRead                 Action = "read"
	ActionReveal               Action = "reveal"
	ActionExport               Action = "export"
	ActionOrderSync            Action = "order_sync"
	ActionLabelPurchase        Action = "label_purchase"
	ActionShipmentConfirmation Action = "shipment_confirmation"
	ActionInventoryUpdate      Action = "inventory_update"
	ActionPriceUpdate          Action = "price_update"
	ActionSettlementIngest     Action = "settlement_ingest"
	ActionPurge                Action = "purge"
	ActionShred                Action = "shred"
	ActionKeyRotation          Action = "key_rotation"
	ActionDeletionNotice       Action = "deletion_notice"
	ActionLegalHold            Action = "legal_hold"
)

// Outcome is the result of an action: success, failure or denial.
type Outcome string

// The outcomes of an action.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeDenied  Outcome = "denied"
)

// Event is one audited access. Its fields hold identifiers and codes only:
// there is no free-text field and no field that can hold a pii value.
type Event struct {
	// Time is when the action happened, in UTC. The zero value means now.
	Time time.Time
	// Actor is the user ID of the person or service that acted. It is
	// required.
	Actor string
	// SourceIP is the address the request came from, if known.
	SourceIP netip.Addr
	// Action is the kind of access.
	Action Action
	// Outcome is whether it succeeded.
	Outcome Outcome
	// Reason is a machine-readable code for a failure or denial, such as
	// "vault_unavailable" or "purpose_not_allowed". It must match
	// [a-z0-9_.]{1,64}.
	Reason string
	// SellerID, OrderID and Bucket identify the data acted on.
	SellerID string
	OrderID  string
	Bucket   string
	// Purpose is the declared purpose of a reveal or export.
	Purpose string
	// Count is the number of records acted on, for bulk actions.
	Count int
	// Kind is the kind of personal data revealed or exported, if any. It
	// names the kind only; it never holds the data.
	Kind pii.Kind
}

// Recorder records audit events. Record returns an error when the event could
// not be made durable; callers that act on personal data must then fail
// closed.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}
