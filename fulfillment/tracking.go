package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/feeds"
	"github.com/hidemont/spkit/spapi/orders"
)

// DefaultTrackingActor is the audit actor of shipment confirmations when
// the context carries none.
const DefaultTrackingActor = "svc:spkit-tracking"

// maxFeedShipments bounds the confirmations of one feed.
const maxFeedShipments = 10000

// TrackingConfig configures Tracking. The zero value of each optional field
// means its default.
type TrackingConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Store keeps shipments and orders. Required.
	Store Store
	// Sealer re-seals an order's data into the shipment-day bucket when the
	// order has shipped in full. Required.
	Sealer pii.Sealer
	// Retention moves the order's records to the shipment anchor.
	// Required.
	Retention retention.Store
	// Recorder receives an audit event per confirmation or feed. Required.
	Recorder audit.Recorder
	// Actor is the audit actor when the context carries none. Default
	// DefaultTrackingActor.
	Actor string
	// FeedPollInterval is the time between getFeed calls while a feed is
	// processed. Default DefaultFeedPollInterval.
	FeedPollInterval time.Duration
	// FeedTimeout bounds the wait for a feed. Default DefaultFeedTimeout.
	FeedTimeout time.Duration
	// Logger receives per-shipment failures. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Tracking confirms shipments to Amazon with their carrier and tracking
// number: one package at a time with confirmShipment, or many in one
// POST_ORDER_FULFILLMENT_DATA feed. When an order has shipped in full, its
// buyer data is re-sealed under the key of the shipment day and its
// retention records are anchored at the shipment time (see MarkShipped).
// Create it with NewTracking; it is safe for concurrent use.
type Tracking struct {
	cfg   TrackingConfig
	feeds *feedRunner
}

// NewTracking validates the configuration and returns Tracking.
func NewTracking(cfg TrackingConfig) (*Tracking, error) {
	switch {
	case cfg.Client == nil:
		return nil, &ValidationError{Field: "TrackingConfig.Client", Reason: "is missing"}
	case cfg.Store == nil:
		return nil, &ValidationError{Field: "TrackingConfig.Store", Reason: "is missing"}
	case cfg.Sealer == nil:
		return nil, &ValidationError{Field: "TrackingConfig.Sealer", Reason: "is missing"}
	case cfg.Retention == nil:
		return nil, &ValidationError{Field: "TrackingConfig.Retention", Reason: "is missing"}
	case cfg.Recorder == nil:
		return nil, &ValidationError{Field: "TrackingConfig.Recorder", Reason: "is missing"}
	case cfg.FeedPollInterval < 0 || cfg.FeedTimeout < 0:
		return nil, &ValidationError{Field: "TrackingConfig", Reason: "FeedPollInterval and FeedTimeout must not be negative"}
	}
	if cfg.Actor == "" {
		cfg.Actor = DefaultTrackingActor
	}
	if cfg.FeedPollInterval == 0 {
		cfg.FeedPollInterval = DefaultFeedPollInterval
	}
	if cfg.FeedTimeout == 0 {
		cfg.FeedTimeout = DefaultFeedTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Tracking{cfg: cfg, feeds: &feedRunner{client: cfg.Client, pollInterval: cfg.FeedPollInterval, timeout: cfg.FeedTimeout}}, nil
}

// Confirm confirms one package with confirmShipment. It validates the
// confirmation, checks it against the stored order (items, quantities,
// ship date not before the purchase), records the shipment, sends it, and
// re-seals the order when all of its items have shipped. Confirming a
// package that is confirmed already with the same tracking number returns
// the stored shipment without calling Amazon.
func (t *Tracking) Confirm(ctx context.Context, c Confirmation) (*Shipment, error) {
	o, err := t.check(ctx, c)
	if err != nil {
		return nil, err
	}
	if prev, err := t.cfg.Store.Shipment(ctx, c.SellerID, c.OrderID, c.PackageRef); err == nil &&
		prev.State == ShipmentConfirmed && prev.TrackingNumber == c.TrackingNumber {
		return &prev, nil
	}

	sh := Shipment{Confirmation: c, State: ShipmentPending, Channel: ChannelConfirmShipment}
	sh.ShipDate = sh.ShipDate.UTC().Truncate(time.Second)
	if err := t.cfg.Store.SaveShipment(ctx, sh); err != nil {
		return nil, fmt.Errorf("fulfillment: confirm shipment of order %s package %s: record: %w", c.OrderID, c.PackageRef, err)
	}

	region, err := spapi.MarketplaceRegion(c.MarketplaceID)
	if err != nil {
		return nil, err
	}
	items := make([]orders.ConfirmShipmentItem, len(c.Items))
	for i, it := range c.Items {
		items[i] = orders.ConfirmShipmentItem{OrderItemID: it.OrderItemID, Quantity: it.Quantity}
	}
	err = orders.New(t.cfg.Client, c.SellerID, region).ConfirmShipment(ctx, c.OrderID, orders.ConfirmShipmentRequest{
		MarketplaceID: c.MarketplaceID,
		PackageDetail: orders.PackageDetail{
			PackageReferenceID: c.PackageRef, CarrierCode: c.CarrierCode, CarrierName: c.CarrierName,
			ShippingMethod: c.ShippingMethod, TrackingNumber: c.TrackingNumber, ShipDate: sh.ShipDate,
			ShipFromSupplySourceID: c.ShipFromSupplySourceID, OrderItems: items,
		},
	})
	if err != nil {
		sh.State, sh.ErrorCode = ShipmentFailed, errorCode(err)
		if serr := t.cfg.Store.SaveShipment(context.WithoutCancel(ctx), sh); serr != nil {
			err = errors.Join(err, serr)
		}
		t.audit(ctx, c.SellerID, c.OrderID, 0, err)
		return &sh, fmt.Errorf("fulfillment: confirm shipment of order %s package %s: %w", c.OrderID, c.PackageRef, err)
	}

	sh.State, sh.ConfirmedAt = ShipmentConfirmed, t.cfg.Now().UTC()
	if err := t.cfg.Store.SaveShipment(ctx, sh); err != nil {
		return &sh, fmt.Errorf("fulfillment: shipment of order %s package %s confirmed to Amazon, but recording it failed: %w", c.OrderID, c.PackageRef, err)
	}
	t.audit(ctx, c.SellerID, c.OrderID, 1, nil)
	if err := t.resealIfShipped(ctx, o); err != nil {
		return &sh, err
	}
	return &sh, nil
}

// check validates a confirmation and matches it with the stored order.
func (t *Tracking) check(ctx context.Context, c Confirmation) (*Order, error) {
	if err := c.Validate(t.cfg.Now()); err != nil {
		return nil, err
	}
	o, err := t.cfg.Store.Order(ctx, c.SellerID, c.OrderID)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: confirm shipment of order %s: %w", c.OrderID, err)
	}
	if o.MarketplaceID != c.MarketplaceID {
		return nil, &ValidationError{Field: "marketplace ID", Value: quoteSafe(c.MarketplaceID), Reason: "differs from the order's marketplace " + o.MarketplaceID}
	}
	if !o.PurchaseDate.IsZero() && c.ShipDate.Before(o.PurchaseDate) {
		return nil, &ValidationError{Field: "ship date", Value: FormatTime(c.ShipDate), Reason: "is before the order's purchase date " + FormatTime(o.PurchaseDate)}
	}
	for _, it := range c.Items {
		item, ok := o.Item(it.OrderItemID)
		if !ok {
			return nil, &ValidationError{Field: "order item ID", Value: quoteSafe(it.OrderItemID), Reason: "is not an item of order " + o.OrderID}
		}
		if it.Quantity > item.Quantity {
			return nil, &ValidationError{Field: "quantity", Value: fmt.Sprint(it.Quantity), Reason: fmt.Sprintf("of item %s exceeds the %d ordered", it.OrderItemID, item.Quantity)}
		}
		if item.Customization == CustomizationPending || item.Customization == CustomizationWithheld {
			return nil, &ValidationError{Field: "order item ID", Value: quoteSafe(it.OrderItemID), Reason: "has personalisation that is not linked (" + string(item.Customization) + "); link it before shipping"}
		}
	}
	return o, nil
}

// resealIfShipped re-seals the order under the shipment-day bucket once its
// confirmed shipments, or the quantities Amazon reported shipped at the last
// sync, cover every item's quantity. The shipment time is the latest ship
// date among the confirmed shipments.
func (t *Tracking) resealIfShipped(ctx context.Context, o *Order) error {
	if !o.ShippedAt.IsZero() {
		return nil
	}
	shipments, err := t.cfg.Store.Shipments(ctx, o.SellerID, o.OrderID)
	if err != nil {
		return fmt.Errorf("fulfillment: read shipments of order %s: %w", o.OrderID, err)
	}
	shipped := make(map[string]int)
	var last time.Time
	for _, sh := range shipments {
		if sh.State != ShipmentConfirmed {
			continue
		}
		for _, it := range sh.Items {
			shipped[it.OrderItemID] += it.Quantity
		}
		if sh.ShipDate.After(last) {
			last = sh.ShipDate
		}
	}
	for _, item := range o.Items {
		// Units Amazon reports shipped (through other tools) count too.
		if max(shipped[item.OrderItemID], item.QuantityShipped) < item.Quantity {
			return nil
		}
	}
	if _, err := MarkShipped(ctx, t.cfg.Store, t.cfg.Sealer, t.cfg.Retention, o.SellerID, o.OrderID, last); err != nil {
		return err
	}
	return nil
}

// ShipmentResult is the outcome of one confirmation of a batch.
type ShipmentResult struct {
	Shipment Shipment
	// Err is the reason the confirmation failed: a *ValidationError before
	// sending, or the feed's processing errors for the message.
	Err error
}

// FeedMessageError reports the processing errors of one message of a feed.
type FeedMessageError struct {
	FeedID    string
	MessageID int
	Issues    []feeds.Issue
}

func (e *FeedMessageError) Error() string {
	msg := fmt.Sprintf("fulfillment: feed %s message %d failed", e.FeedID, e.MessageID)
	for i, is := range e.Issues {
		if i == 3 {
			msg += fmt.Sprintf(" (and %d more)", len(e.Issues)-3)
			break
		}
		msg += fmt.Sprintf(": %s %s", is.Code, is.Message)
	}
	return msg
}

// ConfirmBatch confirms many packages of one seller and marketplace in one
// POST_ORDER_FULFILLMENT_DATA feed. It validates each confirmation against
// its stored order and leaves invalid ones out of the feed, sends the feed,
// waits for its processing report, and records each package's outcome.
// Every confirmation of a package listed twice fails with a *ValidationError
// and is not sent. It returns one result per confirmation, in order. The error is for the
// batch as a whole: a feed that failed (*FeedError) or could not be sent.
func (t *Tracking) ConfirmBatch(ctx context.Context, sellerID, marketplaceID string, cs []Confirmation) ([]ShipmentResult, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	if len(cs) > maxFeedShipments {
		return nil, &ValidationError{Field: "confirmations", Reason: fmt.Sprintf("number %d, more than the maximum of %d per feed", len(cs), maxFeedShipments)}
	}

	results := make([]ShipmentResult, len(cs))
	ordersByID := make(map[string]*Order)
	feed := feeds.FulfillmentFeed{MerchantIdentifier: sellerID}
	messageOf := make(map[int]int) // feed message ID -> index in cs
	// Two confirmations of one package would be stored under one key in
	// an order that the feed's processing does not follow.
	type packageKey struct{ orderID, packageRef string }
	packages := make(map[packageKey]int, len(cs))
	for _, c := range cs {
		packages[packageKey{c.OrderID, c.PackageRef}]++
	}
	for i, c := range cs {
		results[i].Shipment = Shipment{Confirmation: c, State: ShipmentFailed, Channel: ChannelFeed}
		if c.SellerID != sellerID || c.MarketplaceID != marketplaceID {
			results[i].Err = &ValidationError{Field: "confirmation", Reason: "belongs to another seller or marketplace than the batch"}
			continue
		}
		if packages[packageKey{c.OrderID, c.PackageRef}] > 1 {
			results[i].Err = &ValidationError{Field: "package reference", Value: quoteSafe(c.PackageRef),
				Reason: "of order " + quoteSafe(c.OrderID) + " occurs more than once in this batch; send one confirmation per package"}
			continue
		}
		o, err := t.check(ctx, c)
		if err != nil {
			results[i].Err = err
			continue
		}
		ordersByID[o.OrderID] = o
		items := make([]feeds.FulfillmentItem, len(c.Items))
		for j, it := range c.Items {
			items[j] = feeds.FulfillmentItem{OrderItemID: it.OrderItemID, Quantity: it.Quantity}
		}
		id := feed.Add(feeds.FulfillmentShipment{
			AmazonOrderID: c.OrderID, FulfillmentDate: c.ShipDate.UTC().Truncate(time.Second), CarrierCode: c.CarrierCode,
			CarrierName: c.CarrierName, ShippingMethod: c.ShippingMethod, TrackingNumber: c.TrackingNumber, Items: items,
		})
		messageOf[id] = i
		results[i].Shipment.State = ShipmentPending
		results[i].Shipment.ShipDate = c.ShipDate.UTC().Truncate(time.Second)
	}
	if len(messageOf) == 0 {
		return results, nil
	}

	doc, err := feed.Encode()
	if err != nil {
		return results, fmt.Errorf("fulfillment: encode fulfillment feed: %w", err)
	}
	for _, i := range messageOf {
		if err := t.cfg.Store.SaveShipment(ctx, results[i].Shipment); err != nil {
			return results, fmt.Errorf("fulfillment: record shipment of order %s: %w", cs[i].OrderID, err)
		}
	}

	feedID, report, err := t.feeds.run(ctx, sellerID, marketplaceID, feeds.TypeOrderFulfillment, feeds.ContentTypeXML, doc)
	if err != nil {
		t.audit(ctx, sellerID, "", 0, err)
		return results, fmt.Errorf("fulfillment: fulfillment feed of seller %s: %w", sellerID, err)
	}

	issues := make(map[int][]feeds.Issue)
	for _, is := range report.Failed() {
		issues[is.MessageID] = append(issues[is.MessageID], is)
	}
	confirmed := 0
	now := t.cfg.Now().UTC()
	for id, i := range messageOf {
		r := &results[i]
		r.Shipment.FeedID = feedID
		if iss := issues[id]; len(iss) > 0 {
			r.Shipment.State, r.Shipment.ErrorCode = ShipmentFailed, iss[0].Code
			r.Err = &FeedMessageError{FeedID: feedID, MessageID: id, Issues: iss}
		} else {
			r.Shipment.State, r.Shipment.ConfirmedAt = ShipmentConfirmed, now
			confirmed++
		}
		if err := t.cfg.Store.SaveShipment(ctx, r.Shipment); err != nil {
			return results, fmt.Errorf("fulfillment: record the outcome of order %s in feed %s: %w", cs[i].OrderID, feedID, err)
		}
	}
	t.audit(ctx, sellerID, "", confirmed, nil)

	for _, o := range ordersByID {
		if err := t.resealIfShipped(ctx, o); err != nil {
			t.cfg.Logger.ErrorContext(ctx, "re-sealing a shipped order failed",
				slog.String("seller_id", o.SellerID), slog.String("order_id", o.OrderID), slog.String("error", err.Error()))
			return results, err
		}
	}
	return results, nil
}

func (t *Tracking) audit(ctx context.Context, sellerID, orderID string, count int, opErr error) {
	e := audit.Event{
		Time: t.cfg.Now().UTC(), Actor: t.cfg.Actor, Action: audit.ActionShipmentConfirmation, Outcome: audit.OutcomeSuccess,
		SellerID: sellerID, OrderID: orderID, Count: count,
	}
	if a, ok := pii.ActorFromContext(ctx); ok && a.UserID != "" {
		e.Actor, e.SourceIP = a.UserID, a.SourceIP
	}
	if opErr != nil {
		e.Outcome, e.Reason = audit.OutcomeFailure, reasonCode(opErr)
	}
	if err := t.cfg.Recorder.Record(context.WithoutCancel(ctx), e); err != nil {
		t.cfg.Logger.ErrorContext(ctx, "recording the shipment confirmation audit event failed",
			slog.String("seller_id", sellerID), slog.String("error", err.Error()))
	}
}

// errorCode returns Amazon's first error code, or a reason code.
func errorCode(err error) string {
	var apiErr *spapi.Error
	if errors.As(err, &apiErr) && len(apiErr.Errors) > 0 && apiErr.Errors[0].Code != "" {
		return apiErr.Errors[0].Code
	}
	return reasonCode(err)
}
