package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
)

// OrdersAPI selects the Orders API version OrderSync reads.
type OrdersAPI string

// The Orders API choices.
const (
	// OrdersAPIAuto reads the 2026-01-01 Orders API and falls back to v0
	// for a seller when the 2026-01-01 API is not available to it, trying
	// the newer API again an hour later.
	OrdersAPIAuto OrdersAPI = ""
	// OrdersAPI2026 reads only the 2026-01-01 Orders API.
	OrdersAPI2026 OrdersAPI = "2026-01-01"
	// OrdersAPIV0 reads only the v0 Orders API, which Amazon has announced
	// it will remove.
	OrdersAPIV0 OrdersAPI = "v0"
)

// Defaults of OrderSyncConfig.
const (
	DefaultSyncOverlap     = 10 * time.Minute
	DefaultInitialLookback = 7 * 24 * time.Hour
	DefaultSyncWorkers     = 4
	DefaultSyncActor       = "svc:spkit-order-sync"
	// settleDelay keeps the end of a search window this far behind now:
	// Amazon rejects a lastUpdatedBefore later than two minutes ago.
	settleDelay = 2 * time.Minute
)

// OrderSyncConfig configures an OrderSync. The zero value of each optional
// field means its default.
type OrderSyncConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Store keeps orders and cursors. Required.
	Store Store
	// Sealer seals buyer data, gift messages and personalisation, normally
	// a vaultkms.Keyring. Required.
	Sealer pii.Sealer
	// Indexer computes blind indexes of buyer name, phone, e-mail and address,
	// normally the same vaultkms.Keyring. Optional: without it orders get
	// no blind indexes and cannot be found by buyer data.
	Indexer pii.Indexer
	// Retention registers each new order's records and re-anchors them
	// when the order ships or is cancelled. Required, so no buyer data is
	// stored without a purge date.
	Retention retention.Store
	// RetentionPolicy is the policy the retention runner applies. Order sync
	// uses its buyer PII rule to store no buyer data of orders shipped
	// longer ago than the rule allows. Default retention.DefaultPolicy().
	RetentionPolicy retention.Policy
	// Recorder receives one audit event per sync run. Required.
	Recorder audit.Recorder
	// Customizations downloads Amazon Custom personalisation. Required when
	// the seller sells customised items; without it customised items stay
	// CustomizationPending and each such order comes with an error.
	Customizations CustomizationFetcher
	// API selects the Orders API version. Default OrdersAPIAuto.
	API OrdersAPI
	// Overlap is how far before the cursor each sync starts again, so that
	// orders Amazon indexes late are not missed. Orders already stored
	// unchanged are skipped. Default DefaultSyncOverlap.
	Overlap time.Duration
	// InitialLookback is how far back the first sync of a seller and
	// marketplace reaches. Default DefaultInitialLookback.
	InitialLookback time.Duration
	// PageSize is the number of orders per page, 1 to 100. Default 100.
	PageSize int
	// Workers bounds the orders of a page completed and sealed at once.
	// Default DefaultSyncWorkers.
	Workers int
	// Actor is the audit actor when the context carries none
	// (pii.WithActor). Default DefaultSyncActor.
	Actor string
	// Logger receives retries and per-order problems, without personal
	// data. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c OrderSyncConfig) withDefaults() (OrderSyncConfig, error) {
	switch {
	case c.Client == nil:
		return c, &ValidationError{Field: "OrderSyncConfig.Client", Reason: "is missing"}
	case c.Store == nil:
		return c, &ValidationError{Field: "OrderSyncConfig.Store", Reason: "is missing"}
	case c.Sealer == nil:
		return c, &ValidationError{Field: "OrderSyncConfig.Sealer", Reason: "is missing"}
	case c.Retention == nil:
		return c, &ValidationError{Field: "OrderSyncConfig.Retention", Reason: "is missing; buyer data may not be stored without a purge date"}
	case c.Recorder == nil:
		return c, &ValidationError{Field: "OrderSyncConfig.Recorder", Reason: "is missing"}
	}
	switch c.API {
	case OrdersAPIAuto, OrdersAPI2026, OrdersAPIV0:
	default:
		return c, &ValidationError{Field: "OrderSyncConfig.API", Value: quoteSafe(string(c.API)), Reason: "is not \"\", \"2026-01-01\" or \"v0\""}
	}
	if c.Overlap < 0 || c.InitialLookback < 0 || c.PageSize < 0 || c.PageSize > 100 || c.Workers < 0 {
		return c, &ValidationError{Field: "OrderSyncConfig", Reason: "Overlap, InitialLookback and Workers must not be negative, and PageSize must be 0 to 100"}
	}
	if c.Overlap == 0 {
		c.Overlap = DefaultSyncOverlap
	}
	if c.InitialLookback == 0 {
		c.InitialLookback = DefaultInitialLookback
	}
	if c.PageSize == 0 {
		c.PageSize = 100
	}
	if c.Workers == 0 {
		c.Workers = DefaultSyncWorkers
	}
	if c.Actor == "" {
		c.Actor = DefaultSyncActor
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if len(c.RetentionPolicy.Rules) == 0 {
		c.RetentionPolicy = retention.DefaultPolicy()
	}
	if _, ok := c.RetentionPolicy.Rule(retention.ClassBuyerPII); !ok {
		return c, &ValidationError{Field: "OrderSyncConfig.RetentionPolicy", Reason: "has no rule for buyer_pii"}
	}
	return c, nil
}

// OrderSync copies a seller's new and changed orders from SP-API into the
// Store, sealing buyer data at once and linking Amazon Custom
// personalisation to each unit. Create it with NewOrderSync. It is safe for
// concurrent use, but two syncs of the same seller and marketplace at once
// only repeat each other's work.
type OrderSync struct {
	cfg     OrderSyncConfig
	sources []orderSource
	// piiAge is how long after shipment buyer data may be kept.
	piiAge time.Duration

	mu sync.Mutex
	// v0Since remembers when the 2026-01-01 API was last found unavailable
	// for a seller, so that runs within v0Retry of it go to v0 directly.
	v0Since map[string]time.Time
}

// v0Retry is how long order sync keeps a seller on the v0 API after the
// 2026-01-01 API returned that it is not available. A 403 can be passing,
// and the v0 calls that return buyer data are deprecated, so the newer API
// is tried again after it.
const v0Retry = time.Hour

// NewOrderSync validates the configuration and returns an OrderSync.
func NewOrderSync(cfg OrderSyncConfig) (*OrderSync, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rule, _ := c.RetentionPolicy.Rule(retention.ClassBuyerPII)
	s := &OrderSync{cfg: c, v0Since: make(map[string]time.Time), piiAge: rule.Age()}
	switch c.API {
	case OrdersAPI2026:
		s.sources = []orderSource{&source2026{client: c.Client}}
	case OrdersAPIV0:
		s.sources = []orderSource{&sourceV0{client: c.Client}}
	default:
		s.sources = []orderSource{&source2026{client: c.Client}, &sourceV0{client: c.Client}}
	}
	return s, nil
}

// SyncReport counts what one sync run did.
type SyncReport struct {
	// Source is the Orders API version read, SourceOrders or
	// SourceOrdersV0.
	Source string
	// From and To bound the LastUpdateDate window searched.
	From, To time.Time
	// Seen counts the orders Amazon returned, Unchanged those skipped
	// because the store already had them, Created and Updated those
	// written.
	Seen, Unchanged, Created, Updated int
	// Withheld counts orders stored without buyer data because the
	// application lacks the role for it; Unlinked counts orders whose
	// personalisation could not be linked.
	Withheld, Unlinked int
}

// Sync returns an iterator over the seller's orders in the marketplace that
// are new or changed since the last sync, after they are stored. An order
// with Revision 1 is new.
//
// The iterator yields (order, nil) for each order stored in full, and
// (order, err) for an order stored with a problem the ERP must act on: a
// *BuyerDataError when Amazon withheld its buyer data, a *LinkError or a
// *CustomizationError when its personalisation is not linked. It ends after
// yielding (nil, err) for an error that stops the run. The cursor then
// stays where it was, so the next run repeats the window and loses no order. When
// every page is done, the cursor moves to the end of the window.
//
// Stopping the iteration early leaves the cursor unchanged too.
func (s *OrderSync) Sync(ctx context.Context, sellerID, marketplaceID string) iter.Seq2[*Order, error] {
	return func(yield func(*Order, error) bool) {
		_, err := s.run(ctx, sellerID, marketplaceID, time.Time{}, yield)
		if err != nil && !errors.Is(err, errStopped) {
			yield(nil, err)
		}
	}
}

// SyncSince syncs like Sync, but searches from since instead of the
// cursor, for example to fetch again the orders whose buyer data Amazon
// withheld before the application got the role for it. Orders stored
// unchanged are skipped as usual. The cursor moves only forward, and only
// when since is not after the cursor's own start, so no window is skipped.
func (s *OrderSync) SyncSince(ctx context.Context, sellerID, marketplaceID string, since time.Time) iter.Seq2[*Order, error] {
	return func(yield func(*Order, error) bool) {
		if since.IsZero() {
			yield(nil, &ValidationError{Field: "since", Reason: "is zero; use Sync to start from the cursor"})
			return
		}
		_, err := s.run(ctx, sellerID, marketplaceID, since, yield)
		if err != nil && !errors.Is(err, errStopped) {
			yield(nil, err)
		}
	}
}

// Run syncs like Sync and calls fn for each stored order, with the order's
// problem as err. If fn returns an error the run stops with it and the
// cursor stays. Run returns what the run did.
func (s *OrderSync) Run(ctx context.Context, sellerID, marketplaceID string, fn func(o *Order, err error) error) (SyncReport, error) {
	var fnErr error
	rep, err := s.run(ctx, sellerID, marketplaceID, time.Time{}, func(o *Order, err error) bool {
		if fn == nil {
			return true
		}
		fnErr = fn(o, err)
		return fnErr == nil
	})
	if errors.Is(err, errStopped) {
		return rep, fnErr
	}
	return rep, err
}

// errStopped ends a run whose consumer stopped iterating.
var errStopped = errors.New("fulfillment: sync stopped by the caller")

func (s *OrderSync) run(ctx context.Context, sellerID, marketplaceID string, since time.Time, emit func(*Order, error) bool) (SyncReport, error) {
	if err := checkID("seller ID", sellerID); err != nil {
		return SyncReport{}, err
	}
	if err := checkID("marketplace ID", marketplaceID); err != nil {
		return SyncReport{}, err
	}

	now := s.cfg.Now().UTC()
	q := searchQuery{sellerID: sellerID, marketplaceID: marketplaceID, pageSize: s.cfg.PageSize, buyerData: true, to: now.Add(-settleDelay)}
	cur, err := s.cfg.Store.Cursor(ctx, sellerID, marketplaceID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return SyncReport{}, fmt.Errorf("fulfillment: order sync of seller %s: read cursor: %w", sellerID, err)
	}
	// cursorFrom is where Sync starts. A run from a later since must not
	// move the cursor, or the orders changed in between would be skipped.
	cursorFrom := now.Add(-s.cfg.InitialLookback)
	if err == nil {
		cursorFrom = cur.LastUpdated.Add(-s.cfg.Overlap)
	}
	q.from = cursorFrom
	if !since.IsZero() {
		q.from = since.UTC()
	}
	moveCursor := !q.from.After(cursorFrom)
	if !q.from.Before(q.to) {
		// Synced less than settleDelay ago: nothing can be searched yet.
		return SyncReport{From: q.from, To: q.to}, nil
	}

	var rep SyncReport
	for i, src := range s.sourcesFor(sellerID) {
		rep = SyncReport{Source: src.name(), From: q.from, To: q.to}
		started := false
		err = s.runSource(ctx, src, q, &rep, func(o *Order, err error) bool {
			started = true
			return emit(o, err)
		})
		if err == nil || started || i > 0 || !apiUnavailable(err) {
			break
		}
		s.cfg.Logger.WarnContext(ctx, "orders 2026-01-01 API not available, falling back to v0",
			slog.String("seller_id", sellerID), slog.String("error", err.Error()))
		s.mu.Lock()
		s.v0Since[sellerID] = s.cfg.Now()
		s.mu.Unlock()
	}

	s.audit(ctx, sellerID, rep, err)
	if err != nil || !moveCursor {
		return rep, err
	}
	if err := s.cfg.Store.SaveCursor(ctx, Cursor{SellerID: sellerID, MarketplaceID: marketplaceID, LastUpdated: q.to, SyncedAt: now}); err != nil {
		return rep, fmt.Errorf("fulfillment: order sync of seller %s: save cursor: %w", sellerID, err)
	}
	return rep, nil
}

func (s *OrderSync) sourcesFor(sellerID string) []orderSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	since, ok := s.v0Since[sellerID]
	if len(s.sources) > 1 && ok && s.cfg.Now().Sub(since) < v0Retry {
		return s.sources[1:]
	}
	return s.sources
}

// apiUnavailable reports whether an error of the 2026-01-01 API means the
// API is not open to the application, rather than a failure of the call.
func apiUnavailable(err error) bool {
	if errors.Is(err, spapi.ErrMissingRole) {
		return false
	}
	return errors.Is(err, spapi.ErrNotFound) || errors.Is(err, spapi.ErrForbidden) || errors.Is(err, spapi.ErrUnauthorized)
}

func (s *OrderSync) runSource(ctx context.Context, src orderSource, q searchQuery, rep *SyncReport, emit func(*Order, error) bool) error {
	for page, err := range src.search(ctx, q) {
		if err != nil {
			return fmt.Errorf("fulfillment: order sync of seller %s in %s from %s: %w", q.sellerID, q.marketplaceID, src.name(), err)
		}
		rep.Seen += len(page)
		if err := s.syncPage(ctx, src, q, page, rep, emit); err != nil {
			return err
		}
	}
	return nil
}

func (s *OrderSync) audit(ctx context.Context, sellerID string, rep SyncReport, runErr error) {
	e := audit.Event{
		Time:     s.cfg.Now().UTC(),
		Actor:    s.cfg.Actor,
		Action:   audit.ActionOrderSync,
		Outcome:  audit.OutcomeSuccess,
		SellerID: sellerID,
		Count:    rep.Created + rep.Updated,
	}
	if a, ok := pii.ActorFromContext(ctx); ok && a.UserID != "" {
		e.Actor, e.SourceIP = a.UserID, a.SourceIP
	}
	if runErr != nil && !errors.Is(runErr, errStopped) {
		e.Outcome, e.Reason = audit.OutcomeFailure, reasonCode(runErr)
	}
	// The sync itself reveals nothing, so a failing audit trail does not
	// undo it; the failure is logged for the operator.
	if err := s.cfg.Recorder.Record(context.WithoutCancel(ctx), e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording the order sync audit event failed",
			slog.String("seller_id", sellerID), slog.String("error", err.Error()))
	}
}

// reasonCode maps an error to an audit reason code.
func reasonCode(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	case errors.Is(err, spapi.ErrThrottled):
		return "throttled"
	case errors.Is(err, spapi.ErrMissingRole):
		return "missing_role"
	case errors.Is(err, spapi.ErrServerUnavailable):
		return "server_unavailable"
	case errors.Is(err, spapi.ErrInvalidInput):
		return "invalid_input"
	}
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		return "conflict"
	}
	return "error"
}
