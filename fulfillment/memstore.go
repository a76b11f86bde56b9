package fulfillment

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hidemont/spkit/pii"
)

// MemoryStore is a Store in memory, for tests, examples and single-process
// tools. Its zero value is not usable; call NewMemoryStore. It is safe for
// concurrent use. It returns copies, so callers may change what they get.
type MemoryStore struct {
	mu        sync.Mutex
	orders    map[orderKey]*Order
	cursors   map[cursorKey]Cursor
	labels    map[string]Label
	shipments map[shipmentKey]Shipment
	settled   map[orderKey]SettlementRecord
}

type orderKey struct{ seller, order string }
type cursorKey struct{ seller, marketplace string }
type shipmentKey struct{ seller, order, pkg string }

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		orders:    make(map[orderKey]*Order),
		cursors:   make(map[cursorKey]Cursor),
		labels:    make(map[string]Label),
		shipments: make(map[shipmentKey]Shipment),
		settled:   make(map[orderKey]SettlementRecord),
	}
}

// UpsertOrders implements OrderStore.
func (s *MemoryStore) UpsertOrders(ctx context.Context, orders []*Order) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validateBatch(orders); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	var conflict *ConflictError
	for _, o := range orders {
		var stored int64
		if cur, ok := s.orders[orderKey{o.SellerID, o.OrderID}]; ok {
			stored = cur.Revision
		}
		if stored != o.Revision {
			if conflict == nil {
				conflict = &ConflictError{SellerID: o.SellerID}
			}
			conflict.OrderIDs = append(conflict.OrderIDs, o.OrderID)
		}
	}
	if conflict != nil {
		return conflict
	}

	for _, o := range orders {
		o.Revision++
		s.orders[orderKey{o.SellerID, o.OrderID}] = cloneOrder(o)
	}
	return nil
}

// validateBatch validates each order and rejects an order given twice.
func validateBatch(orders []*Order) error {
	seen := make(map[orderKey]bool, len(orders))
	for _, o := range orders {
		if o == nil {
			return &ValidationError{Field: "orders", Reason: "contain a nil order"}
		}
		if err := o.Validate(); err != nil {
			return err
		}
		k := orderKey{o.SellerID, o.OrderID}
		if seen[k] {
			return &ValidationError{Field: "orders", Reason: "contain order " + o.OrderID + " twice; write each order once per call"}
		}
		seen[k] = true
	}
	return nil
}

// Order implements OrderStore.
func (s *MemoryStore) Order(ctx context.Context, sellerID, orderID string) (*Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderKey{sellerID, orderID}]
	if !ok {
		return nil, fmt.Errorf("order %s of seller %s: %w", orderID, sellerID, ErrNotFound)
	}
	return cloneOrder(o), nil
}

// OrderStates implements OrderStore.
func (s *MemoryStore) OrderStates(ctx context.Context, sellerID string, orderIDs []string) (map[string]OrderState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	states := make(map[string]OrderState, len(orderIDs))
	for _, id := range orderIDs {
		if o, ok := s.orders[orderKey{sellerID, id}]; ok {
			states[id] = stateOf(o)
		}
	}
	return states, nil
}

func stateOf(o *Order) OrderState {
	return OrderState{
		LastUpdateDate: o.LastUpdateDate,
		Status:         o.Status,
		BuyerData:      o.BuyerData,
		Bucket:         o.Bucket,
		ShippedAt:      o.ShippedAt,
		Revision:       o.Revision,
		CustomizationPending: slices.ContainsFunc(o.Items, func(it OrderItem) bool {
			return it.Customization == CustomizationPending
		}),
	}
}

// FindOrders implements OrderStore.
func (s *MemoryStore) FindOrders(ctx context.Context, sellerID string, kind pii.Kind, index []byte, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFind(kind, index, limit); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var found []*Order
	for k, o := range s.orders {
		if k.seller == sellerID && bytes.Equal(indexOf(o, kind), index) {
			found = append(found, o)
		}
	}
	s.mu.Unlock()

	slices.SortFunc(found, func(a, b *Order) int {
		if c := b.PurchaseDate.Compare(a.PurchaseDate); c != 0 {
			return c
		}
		return strings.Compare(a.OrderID, b.OrderID)
	})
	ids := make([]string, 0, min(len(found), limit))
	for _, o := range found[:min(len(found), limit)] {
		ids = append(ids, o.OrderID)
	}
	return ids, nil
}

// maxFindLimit bounds how many orders one lookup returns.
const maxFindLimit = 1000

func checkFind(kind pii.Kind, index []byte, limit int) error {
	switch kind {
	case pii.KindBuyerName, pii.KindPhone, pii.KindEmail, pii.KindAddress:
	default:
		return &ValidationError{Field: "index kind", Value: quoteSafe(string(kind)), Reason: "has no blind index; use buyer_name, phone, email or address"}
	}
	if len(index) == 0 {
		return &ValidationError{Field: "blind index", Reason: "is empty"}
	}
	if limit < 1 || limit > maxFindLimit {
		return &ValidationError{Field: "limit", Value: fmt.Sprint(limit), Reason: fmt.Sprintf("must be between 1 and %d", maxFindLimit)}
	}
	return nil
}

func indexOf(o *Order, kind pii.Kind) []byte {
	switch kind {
	case pii.KindBuyerName:
		return o.Index.Name
	case pii.KindPhone:
		return o.Index.Phone
	case pii.KindEmail:
		return o.Index.Email
	case pii.KindAddress:
		return o.Index.Address
	}
	return nil
}

// PurgeBuyerData implements OrderStore.
func (s *MemoryStore) PurgeBuyerData(ctx context.Context, sellerID string, orderIDs []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range orderIDs {
		o, ok := s.orders[orderKey{sellerID, id}]
		if !ok || o.BuyerData == BuyerDataPurged {
			continue
		}
		purgeOrder(o)
		o.Revision++
		n++
	}
	return n, nil
}

// purgeOrder clears an order's personal data in place.
func purgeOrder(o *Order) {
	o.BuyerData = BuyerDataPurged
	o.Buyer = SealedBuyer{}
	o.Index = BlindIndexes{}
	for i := range o.Items {
		item := &o.Items[i]
		item.GiftMessage = pii.Envelope{}
		if item.Customization == CustomizationLinked || item.Customization == CustomizationPending {
			item.Customization = CustomizationPurged
		}
		for j := range item.Personalizations {
			item.Personalizations[j].Text = pii.Envelope{}
		}
	}
}

// Cursor implements CursorStore.
func (s *MemoryStore) Cursor(ctx context.Context, sellerID, marketplaceID string) (Cursor, error) {
	if err := ctx.Err(); err != nil {
		return Cursor{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cursors[cursorKey{sellerID, marketplaceID}]
	if !ok {
		return Cursor{}, fmt.Errorf("cursor of seller %s in marketplace %s: %w", sellerID, marketplaceID, ErrNotFound)
	}
	return c, nil
}

// SaveCursor implements CursorStore.
func (s *MemoryStore) SaveCursor(ctx context.Context, c Cursor) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := cursorKey{c.SellerID, c.MarketplaceID}
	if cur, ok := s.cursors[k]; ok && cur.LastUpdated.After(c.LastUpdated) {
		c.LastUpdated = cur.LastUpdated
	}
	c.LastUpdated = c.LastUpdated.UTC()
	c.SyncedAt = c.SyncedAt.UTC()
	s.cursors[k] = c
	return nil
}

// Validate checks the cursor's identifiers and time. Stores call it before
// writing.
func (c Cursor) Validate() error {
	if err := checkID("seller ID", c.SellerID); err != nil {
		return err
	}
	if err := checkID("marketplace ID", c.MarketplaceID); err != nil {
		return err
	}
	if c.LastUpdated.IsZero() {
		return &ValidationError{Field: "cursor time", Reason: "is zero"}
	}
	return nil
}

// ReserveLabel implements LabelStore.
func (s *MemoryStore) ReserveLabel(ctx context.Context, l Label) (Label, bool, error) {
	if err := ctx.Err(); err != nil {
		return Label{}, false, err
	}
	if err := l.Validate(); err != nil {
		return Label{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.labels[l.IdempotencyKey]; ok {
		return cur, false, nil
	}
	s.labels[l.IdempotencyKey] = l
	return l, true, nil
}

// SaveLabel implements LabelStore.
func (s *MemoryStore) SaveLabel(ctx context.Context, l Label) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.labels[l.IdempotencyKey]; !ok {
		return fmt.Errorf("label %s of order %s: %w; reserve it first", l.IdempotencyKey, l.OrderID, ErrNotFound)
	}
	s.labels[l.IdempotencyKey] = l
	return nil
}

// Label implements LabelStore.
func (s *MemoryStore) Label(ctx context.Context, idempotencyKey string) (Label, error) {
	if err := ctx.Err(); err != nil {
		return Label{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.labels[idempotencyKey]
	if !ok {
		return Label{}, fmt.Errorf("label %s: %w", idempotencyKey, ErrNotFound)
	}
	return l, nil
}

// Labels implements LabelStore.
func (s *MemoryStore) Labels(ctx context.Context, sellerID, orderID string) ([]Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var ls []Label
	for _, l := range s.labels {
		if l.SellerID == sellerID && l.OrderID == orderID {
			ls = append(ls, l)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(ls, func(a, b Label) int { return comparePackageRefs(a.PackageRef, b.PackageRef) })
	return ls, nil
}

// comparePackageRefs orders package references numerically; they are decimal
// numbers without leading zeros.
func comparePackageRefs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Validate checks the label's identifiers, that its idempotency key is
// LabelKey of its seller, order and package, and its states. Stores call it
// before writing.
func (l Label) Validate() error {
	if err := checkID("seller ID", l.SellerID); err != nil {
		return err
	}
	if err := checkID("order ID", l.OrderID); err != nil {
		return err
	}
	want, err := LabelKey(l.SellerID, l.OrderID, l.PackageRef)
	if err != nil {
		return err
	}
	if l.IdempotencyKey != want {
		return &ValidationError{Field: "idempotency key", Value: quoteSafe(l.IdempotencyKey), Reason: "differs from LabelKey of the seller, order and package"}
	}
	switch l.Service {
	case ServiceShippingV2, ServiceMerchantFulfillment:
	default:
		return &ValidationError{Field: "label service", Value: quoteSafe(string(l.Service)), Reason: "is not shipping_v2 or merchant_fulfillment"}
	}
	switch l.State {
	case LabelPending, LabelPurchased, LabelCancelled:
	default:
		return &ValidationError{Field: "label state", Value: quoteSafe(string(l.State)), Reason: "is not pending, purchased or cancelled"}
	}
	switch l.Format {
	case "", LabelPDF, LabelPNG, LabelZPL:
	default:
		return &ValidationError{Field: "label format", Value: quoteSafe(string(l.Format)), Reason: "is not PDF, PNG or ZPL"}
	}
	for _, f := range []struct{ field, value string }{
		{"shipment ID", l.ShipmentID}, {"carrier code", l.CarrierCode}, {"carrier service", l.CarrierService},
		{"request token", l.RequestToken}, {"rate ID", l.RateID},
	} {
		if err := checkText(f.field, f.value, maxTextLength, false); err != nil {
			return err
		}
	}
	if l.TrackingNumber != "" {
		if err := checkTrackingNumber(l.TrackingNumber); err != nil {
			return err
		}
	}
	return nil
}

// SaveShipment implements ShipmentStore.
func (s *MemoryStore) SaveShipment(ctx context.Context, sh Shipment) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sh.Validate(); err != nil {
		return err
	}
	sh.Items = slices.Clone(sh.Items)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shipments[shipmentKey{sh.SellerID, sh.OrderID, sh.PackageRef}] = sh
	return nil
}

// Shipment implements ShipmentStore.
func (s *MemoryStore) Shipment(ctx context.Context, sellerID, orderID, packageRef string) (Shipment, error) {
	if err := ctx.Err(); err != nil {
		return Shipment{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shipments[shipmentKey{sellerID, orderID, packageRef}]
	if !ok {
		return Shipment{}, fmt.Errorf("shipment of order %s package %s: %w", orderID, packageRef, ErrNotFound)
	}
	sh.Items = slices.Clone(sh.Items)
	return sh, nil
}

// Shipments implements ShipmentStore.
func (s *MemoryStore) Shipments(ctx context.Context, sellerID, orderID string) ([]Shipment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []Shipment
	for k, sh := range s.shipments {
		if k.seller == sellerID && k.order == orderID {
			sh.Items = slices.Clone(sh.Items)
			out = append(out, sh)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Shipment) int { return comparePackageRefs(a.PackageRef, b.PackageRef) })
	return out, nil
}

// Validate checks the shipment's states and its confirmation, all but the
// ship date against the clock, which Confirmation.Validate checks when the
// shipment is sent. Stores call it before writing.
func (sh Shipment) Validate() error {
	switch sh.State {
	case ShipmentPending, ShipmentConfirmed, ShipmentFailed:
	default:
		return &ValidationError{Field: "shipment state", Value: quoteSafe(string(sh.State)), Reason: "is not pending, confirmed or failed"}
	}
	switch sh.Channel {
	case ChannelConfirmShipment, ChannelFeed:
	default:
		return &ValidationError{Field: "shipment channel", Value: quoteSafe(sh.Channel), Reason: "is not confirm_shipment or feed"}
	}
	// The ship date was validated against the clock when the shipment was
	// confirmed; a stored shipment is only checked for its shape.
	if err := sh.Confirmation.Validate(sh.ShipDate.Add(maxShipDateSkew)); err != nil {
		return err
	}
	for _, f := range []struct{ field, value string }{{"feed ID", sh.FeedID}, {"error code", sh.ErrorCode}} {
		if err := checkText(f.field, f.value, maxTextLength, false); err != nil {
			return err
		}
	}
	return nil
}

// cloneOrder copies an order deeply enough that neither copy's slices alias
// the other's. Envelopes and blind indexes are never changed in place, so
// they are shared.
func cloneOrder(o *Order) *Order {
	c := *o
	c.Items = slices.Clone(o.Items)
	for i := range c.Items {
		c.Items[i].Personalizations = slices.Clone(c.Items[i].Personalizations)
	}
	return &c
}

// RecordSettlement implements SettlementStore.
func (s *MemoryStore) RecordSettlement(ctx context.Context, rec SettlementRecord) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := rec.Validate(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := orderKey{rec.SellerID, rec.ReportID}
	if _, ok := s.settled[k]; ok {
		return false, nil
	}
	s.settled[k] = rec
	return true, nil
}

// SettlementRecorded implements SettlementStore.
func (s *MemoryStore) SettlementRecorded(ctx context.Context, sellerID, reportID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.settled[orderKey{sellerID, reportID}]
	return ok, nil
}

// DeleteOrders implements OrderStore.
func (s *MemoryStore) DeleteOrders(ctx context.Context, sellerID string, orderIDs []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range orderIDs {
		if _, ok := s.orders[orderKey{sellerID, id}]; ok {
			delete(s.orders, orderKey{sellerID, id})
			n++
		}
		for k, l := range s.labels {
			if l.SellerID == sellerID && l.OrderID == id {
				delete(s.labels, k)
			}
		}
		for k := range s.shipments {
			if k.seller == sellerID && k.order == id {
				delete(s.shipments, k)
			}
		}
	}
	return n, nil
}
