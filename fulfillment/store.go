package fulfillment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hidemont/spkit/pii"
)

// Store is everything the workflows persist. NewMemoryStore returns one in
// memory; package pgstore keeps one in PostgreSQL. Implementations must be
// safe for concurrent use, and fulfillmenttest.RunStoreTests checks them.
type Store interface {
	OrderStore
	CursorStore
	LabelStore
	ShipmentStore
	SettlementStore
}

// OrderStore keeps orders with their items and personalisation.
type OrderStore interface {
	// UpsertOrders writes the orders with their items and personalisation,
	// replacing what is stored for each. All are written or none: if any
	// order's Revision differs from the stored one (zero meaning absent), it
	// writes nothing and returns a *ConflictError listing those orders. On
	// success it increments each order's Revision in place.
	UpsertOrders(ctx context.Context, orders []*Order) error
	// Order returns the order with its items and personalisation, or an
	// error wrapping ErrNotFound.
	Order(ctx context.Context, sellerID, orderID string) (*Order, error)
	// OrderStates returns the stored state of those of the given orders that
	// exist, keyed by order ID, without their buyer data or items.
	OrderStates(ctx context.Context, sellerID string, orderIDs []string) (map[string]OrderState, error)
	// FindOrders returns the IDs of the seller's orders whose blind index of
	// the given kind (pii.KindBuyerName, pii.KindPhone, pii.KindEmail or
	// pii.KindAddress) equals index, at most limit of them, newest purchase
	// first.
	FindOrders(ctx context.Context, sellerID string, kind pii.Kind, index []byte, limit int) ([]string, error)
	// PurgeBuyerData clears the buyer data, blind indexes, gift messages and
	// personalisation texts of the given orders and marks them purged. It
	// returns how many orders it changed; purging a purged or missing order
	// changes nothing.
	PurgeBuyerData(ctx context.Context, sellerID string, orderIDs []string) (int, error)
	// DeleteOrders deletes the given orders with their items,
	// personalisation, labels and shipments, when their non-personal data
	// has reached its retention limit. It returns how many orders it
	// deleted; deleting a missing order changes nothing.
	DeleteOrders(ctx context.Context, sellerID string, orderIDs []string) (int, error)
}

// OrderState is the stored state of an order that order sync compares with
// Amazon's to tell new, changed and unchanged orders apart.
type OrderState struct {
	LastUpdateDate time.Time
	Status         string
	BuyerData      BuyerDataStatus
	Bucket         string
	ShippedAt      time.Time
	Revision       int64
	// CustomizationPending is true when an item's personalisation is not
	// linked yet.
	CustomizationPending bool
}

// CursorStore keeps the order sync position of each seller and marketplace.
type CursorStore interface {
	// Cursor returns the cursor, or an error wrapping ErrNotFound before the
	// first sync.
	Cursor(ctx context.Context, sellerID, marketplaceID string) (Cursor, error)
	// SaveCursor stores the cursor. A cursor never moves back: saving an
	// older LastUpdated than the stored one keeps the stored one.
	SaveCursor(ctx context.Context, c Cursor) error
}

// Cursor is the position in time where the next order sync of a seller and
// marketplace starts.
type Cursor struct {
	SellerID      string
	MarketplaceID string
	// LastUpdated is the latest LastUpdateDate among the orders synced so
	// far. The next sync requests orders updated after it minus an overlap.
	LastUpdated time.Time
	// SyncedAt is when the cursor was saved.
	SyncedAt time.Time
}

// LabelStore keeps purchased shipping labels, keyed by their idempotency key.
type LabelStore interface {
	// ReserveLabel records that a purchase with l.IdempotencyKey is about to
	// be made, before the call to Amazon. If a label with that key exists,
	// it returns the stored one and false without changing it. Otherwise it
	// stores l and returns it and true.
	ReserveLabel(ctx context.Context, l Label) (Label, bool, error)
	// SaveLabel updates the label with l.IdempotencyKey, which must exist.
	SaveLabel(ctx context.Context, l Label) error
	// Label returns the label with the idempotency key, or an error wrapping
	// ErrNotFound.
	Label(ctx context.Context, idempotencyKey string) (Label, error)
	// Labels returns the order's labels, ordered by package reference.
	Labels(ctx context.Context, sellerID, orderID string) ([]Label, error)
}

// Label is a shipping label bought for one package of an order. The store
// keeps its metadata only: the label document shows the recipient's name and
// address, so it is handed to the caller and never stored.
type Label struct {
	SellerID   string
	OrderID    string
	PackageRef string
	// IdempotencyKey is LabelKey(SellerID, OrderID, PackageRef).
	IdempotencyKey string
	Service        LabelService
	State          LabelState
	// RequestToken and RateID name the Shipping API v2 offer being bought,
	// kept so that a retry repeats the same purchase request.
	RequestToken string
	RateID       string
	// ShipmentID is Amazon's ID of the shipment the label belongs to.
	ShipmentID     string
	CarrierCode    string
	CarrierService string
	TrackingNumber string
	Format         LabelFormat
	ReservedAt     time.Time
	PurchasedAt    time.Time
}

// LabelService is the SP-API that sold a label.
type LabelService string

// The services that sell labels.
const (
	ServiceShippingV2          LabelService = "shipping_v2"
	ServiceMerchantFulfillment LabelService = "merchant_fulfillment"
)

// LabelState is the progress of a label purchase.
type LabelState string

// The states of a label purchase.
const (
	// LabelPending means the purchase was requested, and its outcome is not
	// recorded. A retry repeats it with the same idempotency key.
	LabelPending LabelState = "pending"
	// LabelPurchased means Amazon sold the label.
	LabelPurchased LabelState = "purchased"
	// LabelCancelled means the label was cancelled.
	LabelCancelled LabelState = "cancelled"
)

// LabelFormat is the file format of a label document.
type LabelFormat string

// The label formats.
const (
	LabelPDF LabelFormat = "PDF"
	LabelPNG LabelFormat = "PNG"
	LabelZPL LabelFormat = "ZPL"
)

// ShipmentStore keeps shipment confirmations, one per order and package.
type ShipmentStore interface {
	// SaveShipment inserts or replaces the shipment with the same seller,
	// order and package reference.
	SaveShipment(ctx context.Context, s Shipment) error
	// Shipment returns a shipment, or an error wrapping ErrNotFound.
	Shipment(ctx context.Context, sellerID, orderID, packageRef string) (Shipment, error)
	// Shipments returns the order's shipments, ordered by package reference.
	Shipments(ctx context.Context, sellerID, orderID string) ([]Shipment, error)
}

// Shipment is a package confirmed, or being confirmed, to Amazon.
type Shipment struct {
	Confirmation
	State ShipmentState
	// Channel is the way the confirmation was sent: ChannelConfirmShipment
	// or ChannelFeed.
	Channel string
	// FeedID is the POST_ORDER_FULFILLMENT_DATA feed that carried it.
	FeedID string
	// ErrorCode is Amazon's error code when State is ShipmentFailed.
	ErrorCode   string
	ConfirmedAt time.Time
}

// Channels of a shipment confirmation.
const (
	ChannelConfirmShipment = "confirm_shipment"
	ChannelFeed            = "feed"
)

// ShipmentState is the progress of a shipment confirmation.
type ShipmentState string

// The states of a shipment confirmation.
const (
	ShipmentPending   ShipmentState = "pending"
	ShipmentConfirmed ShipmentState = "confirmed"
	ShipmentFailed    ShipmentState = "failed"
)

// SettlementStore remembers which settlement reports were ingested, so
// that each is handed to the ERP once.
type SettlementStore interface {
	// RecordSettlement records an ingested settlement report. It returns
	// false, and changes nothing, when the report was recorded before.
	RecordSettlement(ctx context.Context, s SettlementRecord) (bool, error)
	// SettlementRecorded reports whether the seller's report was recorded.
	SettlementRecorded(ctx context.Context, sellerID, reportID string) (bool, error)
}

// SettlementRecord is an ingested settlement report.
type SettlementRecord struct {
	SellerID string
	ReportID string
	// SettlementID, the dates, the total and the currency come from the
	// report's summary line.
	SettlementID string
	StartDate    time.Time
	EndDate      time.Time
	DepositDate  time.Time
	// TotalAmount is a decimal such as "1234.56".
	TotalAmount string
	Currency    string
	// Rows counts the transaction rows handed to the ERP.
	Rows       int
	IngestedAt time.Time
}

// Validate checks the record's identifiers and counts.
func (s SettlementRecord) Validate() error {
	if err := checkID("seller ID", s.SellerID); err != nil {
		return err
	}
	if err := checkText("report ID", s.ReportID, maxTextLength, true); err != nil {
		return err
	}
	for _, f := range []struct{ field, value string }{{"settlement ID", s.SettlementID}, {"total amount", s.TotalAmount}, {"currency", s.Currency}} {
		if err := checkText(f.field, f.value, maxTextLength, false); err != nil {
			return err
		}
	}
	if s.Rows < 0 {
		return &ValidationError{Field: "rows", Value: fmt.Sprint(s.Rows), Reason: "must not be negative"}
	}
	return nil
}

// ConflictError reports orders that another writer changed since they were
// read. Read them again, reapply the change and retry.
type ConflictError struct {
	SellerID string
	OrderIDs []string
}

func (e *ConflictError) Error() string {
	ids := e.OrderIDs
	more := ""
	if len(ids) > 5 {
		more = fmt.Sprintf(" and %d more", len(ids)-5)
		ids = ids[:5]
	}
	return fmt.Sprintf("fulfillment: orders %s%s of seller %s changed since they were read; read them again and retry", strings.Join(ids, ", "), more, e.SellerID)
}
