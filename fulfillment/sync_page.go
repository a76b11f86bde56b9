package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
)

// CustomizationFetcher downloads the Amazon Custom personalisation of one
// order item from the customization URL Amazon returned for it, and returns
// it split into units. CustomFetcher is the implementation over SP-API.
type CustomizationFetcher interface {
	FetchCustomization(ctx context.Context, sellerID string, o *Order, item *OrderItem, url pii.Personalization) (ItemCustomization, error)
}

// pageOrder is one order of a page on its way into the store.
type pageOrder struct {
	remote *remoteOrder
	state  OrderState
	exists bool
	built  *Order
	// problem is the per-order error yielded with the order.
	problem error
}

// syncPage stores the new and changed orders of one page and yields them.
func (s *OrderSync) syncPage(ctx context.Context, src orderSource, q searchQuery, page []*remoteOrder, rep *SyncReport, emit func(*Order, error) bool) error {
	todo, err := s.changedOrders(ctx, q.sellerID, page, rep)
	if err != nil || len(todo) == 0 {
		return err
	}

	for attempt := 1; ; attempt++ {
		if err := s.buildAll(ctx, src, q, todo); err != nil {
			return err
		}
		if err := s.registerRetention(ctx, todo); err != nil {
			return err
		}

		orders := make([]*Order, len(todo))
		for i, po := range todo {
			orders[i] = po.built
		}
		err := s.cfg.Store.UpsertOrders(ctx, orders)
		var conflict *ConflictError
		if errors.As(err, &conflict) && attempt < maxConflictRetries {
			// Another writer, such as shipment confirmation, changed some
			// orders since their state was read: read it again and
			// rebuild them on top of it.
			if err := s.refreshStates(ctx, q.sellerID, todo); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("fulfillment: order sync of seller %s: store %d orders: %w", q.sellerID, len(orders), err)
		}
		break
	}

	for _, po := range todo {
		o := po.built
		if po.exists {
			rep.Updated++
		} else {
			rep.Created++
		}
		if o.BuyerData == BuyerDataWithheld {
			rep.Withheld++
		}
		if po.problem != nil && (errors.Is(po.problem, ErrPersonalizationMismatch) || errors.As(po.problem, new(*CustomizationError))) {
			rep.Unlinked++
		}
		if po.problem != nil {
			s.cfg.Logger.WarnContext(ctx, "order stored with a problem",
				slog.String("seller_id", o.SellerID), slog.String("order_id", o.OrderID), slog.String("error", po.problem.Error()))
		}
		if !emit(o, po.problem) {
			return errStopped
		}
	}
	return nil
}

// changedOrders drops the orders the store already has unchanged and
// returns the others with their stored state.
func (s *OrderSync) changedOrders(ctx context.Context, sellerID string, page []*remoteOrder, rep *SyncReport) ([]*pageOrder, error) {
	ids := make([]string, 0, len(page))
	for _, ro := range page {
		ids = append(ids, ro.order.OrderID)
	}
	states, err := s.cfg.Store.OrderStates(ctx, sellerID, ids)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: order sync of seller %s: read order states: %w", sellerID, err)
	}

	todo := make([]*pageOrder, 0, len(page))
	inPage := make(map[string]bool, len(page))
	for _, ro := range page {
		id := ro.order.OrderID
		st, exists := states[id]
		if inPage[id] || (exists && unchanged(st, ro)) {
			rep.Unchanged++
			continue
		}
		inPage[id] = true
		todo = append(todo, &pageOrder{remote: ro, state: st, exists: exists})
	}
	return todo, nil
}

// unchanged reports whether the stored state is as new as the remote order.
// An order stored without buyer data because Amazon withheld it, or with
// personalisation not yet linked, is fetched again.
func unchanged(st OrderState, ro *remoteOrder) bool {
	if st.BuyerData == BuyerDataWithheld || st.CustomizationPending {
		return false
	}
	return !ro.order.LastUpdateDate.After(st.LastUpdateDate) && st.Status == ro.order.Status
}

func (s *OrderSync) refreshStates(ctx context.Context, sellerID string, todo []*pageOrder) error {
	ids := make([]string, len(todo))
	for i, po := range todo {
		ids[i] = po.remote.order.OrderID
	}
	states, err := s.cfg.Store.OrderStates(ctx, sellerID, ids)
	if err != nil {
		return fmt.Errorf("fulfillment: order sync of seller %s: read order states: %w", sellerID, err)
	}
	for _, po := range todo {
		po.state, po.exists = states[po.remote.order.OrderID]
	}
	return nil
}

// buildAll completes and seals the orders with at most Workers at once. It
// waits for every worker before it returns.
func (s *OrderSync) buildAll(ctx context.Context, src orderSource, q searchQuery, todo []*pageOrder) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, s.cfg.Workers)
	)
	for _, po := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.build(ctx, src, q, po); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// build turns a remote order into the order to store: bucket and shipment
// anchor, sealed buyer data, blind indexes, gift messages and linked
// personalisation. It returns an error only for failures that must stop the
// run; problems of the order itself go into po.problem.
func (s *OrderSync) build(ctx context.Context, src orderSource, q searchQuery, po *pageOrder) error {
	ro := po.remote
	if !ro.complete {
		rq := q
		rq.buyerData = !(po.exists && po.state.BuyerData == BuyerDataPurged)
		if err := src.complete(ctx, rq, ro); err != nil {
			return fmt.Errorf("fulfillment: order sync of seller %s: complete order %s: %w", q.sellerID, ro.order.OrderID, err)
		}
	}

	o := ro.order
	o.Items = append([]OrderItem(nil), ro.order.Items...)
	o.Source = src.name()
	o.Revision = po.state.Revision
	o.Buyer, o.Index = SealedBuyer{}, BlindIndexes{}
	s.placeInBucket(&o, po)
	po.problem = nil

	// An order that shipped longer ago than buyer data may be kept gets
	// none. A new one goes into a bucket of its own: no data is sealed in
	// it, and a shared bucket may have been shredded already.
	expired := !o.ShippedAt.IsZero() && s.cfg.Now().Sub(o.ShippedAt) >= s.piiAge
	if expired && !po.exists {
		o.Bucket = "unsealed-" + o.OrderID
	}

	switch {
	case expired || (po.exists && po.state.BuyerData == BuyerDataPurged):
		// Purged data is never fetched back.
		o.BuyerData = BuyerDataPurged
		for i := range o.Items {
			if _, custom := ro.customizedURLs[o.Items[i].OrderItemID]; custom {
				o.Items[i].Customization = CustomizationPurged
			} else {
				o.Items[i].Customization = CustomizationNone
			}
		}
		po.built = &o
		return nil
	case ro.buyerStatus == BuyerDataWithheld:
		o.BuyerData = BuyerDataWithheld
		po.problem = &BuyerDataError{SellerID: o.SellerID, OrderID: o.OrderID, Err: ro.buyerErr}
	case ro.buyer.isZero():
		o.BuyerData = BuyerDataNotProvided
	default:
		o.BuyerData = BuyerDataAvailable
		if err := s.sealBuyer(ctx, &o, ro.buyer); err != nil {
			return err
		}
	}

	if err := s.sealItems(ctx, &o, ro); err != nil {
		return err
	}
	if po.problem == nil {
		po.problem = s.link(ctx, &o, ro)
	}
	po.built = &o
	return nil
}

// placeInBucket chooses the order's retention bucket and shipment time. An
// order keeps the bucket it has until it ships in full; then its data is
// sealed under the bucket of the shipment day.
func (s *OrderSync) placeInBucket(o *Order, po *pageOrder) {
	st := po.state
	switch {
	case po.exists && !st.ShippedAt.IsZero():
		o.ShippedAt, o.Bucket = st.ShippedAt, st.Bucket
	case o.Status == StatusShipped:
		shipped := po.remote.shippedAt
		if shipped.IsZero() {
			// NOTE: v0 orders carry no ship time. The last update is the
			// closest time Amazon reports and never precedes the
			// shipment, so the purge is never late.
			shipped = o.LastUpdateDate
		}
		o.ShippedAt, o.Bucket = shipped.UTC(), retention.ShipmentBucket(shipped)
	case po.exists && st.BuyerData == BuyerDataPurged:
		o.Bucket = st.Bucket
	case po.exists && st.Bucket != "":
		o.Bucket = st.Bucket
	default:
		o.Bucket = retention.OpenBucket(o.PurchaseDate)
	}
}

// StatusShipped and StatusCanceled are the v0 order statuses that end an
// order; orders from the 2026-01-01 API are mapped onto them.
const (
	StatusShipped  = "Shipped"
	StatusCanceled = "Canceled"
)

func (s *OrderSync) sealBuyer(ctx context.Context, o *Order, b remoteBuyer) error {
	if b.phone.IsZero() {
		b.phone = s.addressPhone(ctx, o, b.address)
	}

	parts := []struct {
		dst    *pii.Envelope
		v      pii.Value
		column string
	}{
		{&o.Buyer.Name, b.name, ColumnBuyerName},
		{&o.Buyer.ShippingAddress, b.address, ColumnShippingAddress},
		{&o.Buyer.Phone, b.phone, ColumnPhone},
		{&o.Buyer.Email, b.email, ColumnEmail},
		{&o.Buyer.TaxInfo, b.taxInfo, ColumnTaxInfo},
	}
	for _, p := range parts {
		env, err := pii.Seal(ctx, s.cfg.Sealer, o.Bucket, BuyerBinding(o.SellerID, o.OrderID, p.column), p.v)
		if err != nil {
			return fmt.Errorf("fulfillment: seal %s of order %s: %w", p.column, o.OrderID, err)
		}
		*p.dst = env
	}

	if s.cfg.Indexer == nil {
		return nil
	}
	indexes := []struct {
		dst *[]byte
		v   pii.Value
	}{{&o.Index.Name, b.name}, {&o.Index.Phone, b.phone}, {&o.Index.Email, b.email}, {&o.Index.Address, b.address}}
	for _, x := range indexes {
		if x.v.IsZero() {
			continue
		}
		idx, err := pii.BlindIndexOf(ctx, s.cfg.Indexer, o.SellerID, x.v)
		if err != nil {
			return fmt.Errorf("fulfillment: blind index %s of order %s: %w", x.v.Kind(), o.OrderID, err)
		}
		*x.dst = idx[:]
	}
	return nil
}

// addressPhone returns the phone inside the shipping address, where SP-API
// puts the buyer's phone. A part that is not a phone number (no digit, or
// longer than pii.MaxPhoneLen) is logged and left out of the phone column
// and index. The order is still stored, because the sealed address keeps
// the part as Amazon wrote it.
func (s *OrderSync) addressPhone(ctx context.Context, o *Order, a pii.Address) pii.Phone {
	p, err := a.Phone()
	if err != nil {
		// pii.ValueError never contains the value, so the message is safe to log.
		s.cfg.Logger.WarnContext(ctx, "shipping address phone is not a phone number, order stored without a phone index",
			slog.String("seller_id", o.SellerID), slog.String("order_id", o.OrderID), slog.String("error", err.Error()))
		return pii.Phone{}
	}
	return p
}

// sealItems seals the items' gift messages and marks each item customised
// (pending) or not. When buyer data is withheld, Amazon hides the
// customization URL too, so whether an item is customised is unknown.
func (s *OrderSync) sealItems(ctx context.Context, o *Order, ro *remoteOrder) error {
	for i := range o.Items {
		item := &o.Items[i]
		item.Personalizations = nil
		item.GiftMessage = pii.Envelope{}
		switch {
		case o.BuyerData == BuyerDataWithheld:
			item.Customization = CustomizationWithheld
		case !ro.customizedURLs[item.OrderItemID].IsZero():
			item.Customization = CustomizationPending
		default:
			item.Customization = CustomizationNone
		}

		gift := ro.gifts[item.OrderItemID]
		if gift.IsZero() {
			continue
		}
		env, err := pii.Seal(ctx, s.cfg.Sealer, o.Bucket, GiftMessageBinding(o.SellerID, o.OrderID, item.OrderItemID), gift)
		if err != nil {
			return fmt.Errorf("fulfillment: seal gift message of order %s item %s: %w", o.OrderID, item.OrderItemID, err)
		}
		item.GiftMessage = env
	}
	return nil
}

// link downloads and links the personalisation of the order's pending items.
// It returns the order's problem, if any, and leaves the items pending then.
func (s *OrderSync) link(ctx context.Context, o *Order, ro *remoteOrder) error {
	var customs []ItemCustomization
	for i := range o.Items {
		item := &o.Items[i]
		if item.Customization != CustomizationPending {
			continue
		}
		if s.cfg.Customizations == nil {
			return &CustomizationError{OrderID: o.OrderID, OrderItemID: item.OrderItemID, Err: errors.New("no CustomizationFetcher is configured")}
		}
		c, err := s.cfg.Customizations.FetchCustomization(ctx, o.SellerID, o, item, ro.customizedURLs[item.OrderItemID])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &CustomizationError{OrderID: o.OrderID, OrderItemID: item.OrderItemID, Err: err}
		}
		customs = append(customs, c)
	}
	if len(customs) == 0 {
		return nil
	}
	return LinkPersonalizations(ctx, s.cfg.Sealer, o, customs)
}

// registerRetention registers new orders with the retention store and
// re-anchors orders that shipped or were cancelled, before the orders are
// written, so no buyer data is ever stored without a purge date.
// Registering and re-anchoring are idempotent, so a retry after a failed
// write repeats them harmlessly.
func (s *OrderSync) registerRetention(ctx context.Context, todo []*pageOrder) error {
	var recs []retention.Record
	for _, po := range todo {
		o := po.built
		if po.exists {
			continue
		}
		anchor := o.PurchaseDate
		switch {
		case !o.ShippedAt.IsZero():
			anchor = o.ShippedAt
		case o.Status == StatusCanceled:
			anchor = o.LastUpdateDate
		}
		if anchor.IsZero() {
			anchor = o.LastUpdateDate
		}
		var idx [][]byte
		for _, b := range [][]byte{o.Index.Name, o.Index.Phone, o.Index.Email, o.Index.Address} {
			if b != nil {
				idx = append(idx, b)
			}
		}
		for _, c := range retention.OrderClasses {
			// Only sealed classes belong to a bucket: a non-PII record kept
			// for 18 months must not keep the bucket's key from being
			// shredded once its PII is purged.
			bucket := ""
			if retention.Sealed(c) && o.BuyerData != BuyerDataPurged {
				bucket = o.Bucket
			}
			recs = append(recs, retention.Record{
				SellerID: o.SellerID, OrderID: o.OrderID, Class: c, Bucket: bucket, Anchor: anchor, BlindIndexes: idx,
			})
		}
	}
	if len(recs) > 0 {
		if err := s.cfg.Retention.Register(ctx, recs); err != nil {
			return fmt.Errorf("fulfillment: order sync: register %d orders for retention: %w", len(recs)/len(retention.OrderClasses), err)
		}
	}

	for _, po := range todo {
		o := po.built
		if !po.exists {
			continue
		}
		var err error
		switch {
		case po.state.ShippedAt.IsZero() && !o.ShippedAt.IsZero():
			_, err = retention.MarkShipped(ctx, s.cfg.Retention, o.SellerID, o.OrderID, o.ShippedAt, o.Bucket)
		case o.Status == StatusCanceled && po.state.Status != StatusCanceled:
			_, err = retention.MarkCancelled(ctx, s.cfg.Retention, o.SellerID, o.OrderID, cancelTime(o))
		}
		if err != nil {
			return fmt.Errorf("fulfillment: order sync: %w", err)
		}
	}
	return nil
}

func cancelTime(o *Order) time.Time {
	if o.LastUpdateDate.IsZero() {
		return o.PurchaseDate
	}
	return o.LastUpdateDate
}
