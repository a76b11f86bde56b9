package fulfillment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/fbainventory"
	"github.com/hidemont/spkit/spapi/feeds"
	"github.com/hidemont/spkit/spapi/listings"
)

// Defaults of InventoryConfig and PriceConfig.
const (
	// DefaultFeedThreshold is the number of changed SKUs above which
	// updates go in one JSON_LISTINGS_FEED instead of one
	// patchListingsItem call each. patchListingsItem allows 5 calls a
	// second; one feed takes minutes to process but holds up to 25,000
	// SKUs.
	DefaultFeedThreshold  = 50
	DefaultInventoryActor = "svc:spkit-inventory"
	// maxStockLevels bounds the SKUs of one sync.
	maxStockLevels = feeds.MaxListingsMessages
	// fbaSKUsPerCall is the most SKUs getInventorySummaries takes at once.
	fbaSKUsPerCall = fbainventory.MaxSKUsPerRequest
)

// InventoryConfig configures InventorySync. The zero value of each
// optional field means its default.
type InventoryConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Recorder receives one audit event per sync. Required.
	Recorder audit.Recorder
	// FeedThreshold is the number of changed merchant-fulfilled SKUs above
	// which they are sent in one JSON_LISTINGS_FEED. Default
	// DefaultFeedThreshold.
	FeedThreshold int
	// FeedPollInterval and FeedTimeout control the wait for a feed.
	// Defaults DefaultFeedPollInterval and DefaultFeedTimeout.
	FeedPollInterval time.Duration
	FeedTimeout      time.Duration
	// Actor is the audit actor when the context carries none. Default
	// DefaultInventoryActor.
	Actor string
	// Logger receives per-SKU failures. Default: discard.
	Logger *slog.Logger
}

// InventorySync brings Amazon's stock in line with the ERP's. For
// merchant-fulfilled SKUs it reads each listing's quantity and pushes only
// the ones that differ: with patchListingsItem when they are few, in one
// JSON_LISTINGS_FEED when they are many. Amazon holds the stock of
// Amazon-fulfilled (FBA) SKUs, so for them it compares the fulfillable
// quantity with the ERP's and reports differences without pushing. Calls
// wait on the client's rate limiter. Create it with NewInventorySync; it is
// safe for concurrent use.
type InventorySync struct {
	cfg InventoryConfig
	skuCalls
}

// NewInventorySync validates the configuration and returns an
// InventorySync.
func NewInventorySync(cfg InventoryConfig) (*InventorySync, error) {
	if err := checkSKUConfig("InventoryConfig", cfg.Client, cfg.Recorder, cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout); err != nil {
		return nil, err
	}
	cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout = feedDefaults(cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout)
	if cfg.Actor == "" {
		cfg.Actor = DefaultInventoryActor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &InventorySync{cfg: cfg, skuCalls: newSKUCalls(cfg.Client, cfg.FeedPollInterval, cfg.FeedTimeout)}, nil
}

// skuCalls are the calls that InventorySync and PriceUpdates share:
// listings read and patched one at a time, and listings feeds.
type skuCalls struct {
	listings *listingsClient
	feeds    *feedRunner
}

func newSKUCalls(client *spapi.Client, pollInterval, timeout time.Duration) skuCalls {
	return skuCalls{
		listings: &listingsClient{client: client},
		feeds:    &feedRunner{client: client, pollInterval: pollInterval, timeout: timeout},
	}
}

// checkSKUConfig checks the settings that InventoryConfig and PriceConfig
// share. config names the configuration in errors.
func checkSKUConfig(config string, client *spapi.Client, recorder audit.Recorder, threshold int, pollInterval, timeout time.Duration) error {
	switch {
	case client == nil:
		return &ValidationError{Field: config + ".Client", Reason: "is missing"}
	case recorder == nil:
		return &ValidationError{Field: config + ".Recorder", Reason: "is missing"}
	case threshold < 0 || pollInterval < 0 || timeout < 0:
		return &ValidationError{Field: config, Reason: "FeedThreshold, FeedPollInterval and FeedTimeout must not be negative"}
	}
	return nil
}

// feedDefaults returns the feed settings with each zero value replaced by
// its default.
func feedDefaults(threshold int, pollInterval, timeout time.Duration) (int, time.Duration, time.Duration) {
	if threshold == 0 {
		threshold = DefaultFeedThreshold
	}
	if pollInterval == 0 {
		pollInterval = DefaultFeedPollInterval
	}
	if timeout == 0 {
		timeout = DefaultFeedTimeout
	}
	return threshold, pollInterval, timeout
}

// StockLevel is the ERP's stock of one SKU.
type StockLevel struct {
	SKU      string
	Quantity int
	// FBA marks a SKU that Amazon fulfils from its own warehouses.
	FBA bool
}

// SKUAction is the action an inventory or price update took for one SKU.
type SKUAction string

// The actions of an inventory or price update.
const (
	// ActionUnchanged: Amazon already had the ERP's value.
	ActionUnchanged SKUAction = "unchanged"
	// ActionPatched: the value was sent with patchListingsItem and accepted.
	ActionPatched SKUAction = "patched"
	// ActionFeed: the value was sent in a JSON_LISTINGS_FEED and accepted.
	ActionFeed SKUAction = "feed"
	// ActionPreviewed: the validation preview accepted the value; nothing
	// was changed.
	ActionPreviewed SKUAction = "previewed"
	// ActionDiffers: an FBA SKU whose fulfillable quantity at Amazon
	// differs from the ERP's; Amazon holds FBA stock, so nothing is sent.
	ActionDiffers SKUAction = "differs"
	// ActionFailed: reading or updating the SKU failed, for the reason in
	// Err.
	ActionFailed SKUAction = "failed"
)

// SKUOutcome is the result of an inventory or price update for one SKU.
type SKUOutcome struct {
	SKU    string
	Action SKUAction
	// ERP and Amazon are the ERP's value and Amazon's before the update:
	// quantities for inventory, prices for price updates.
	ERP, Amazon string
	// SubmissionID or FeedID identifies the update at Amazon.
	SubmissionID string
	FeedID       string
	Err          error
}

// Sync compares the stock levels with Amazon in the marketplace and pushes
// the differences. It returns one outcome per stock level, in order. Every
// stock level of a SKU listed twice fails with a *ValidationError and is not
// sent. The
// error is for the sync as a whole, such as a feed that failed
// (*FeedError) or a cancelled context.
func (s *InventorySync) Sync(ctx context.Context, sellerID, marketplaceID string, stock []StockLevel) ([]SKUOutcome, error) {
	if err := checkID("seller ID", sellerID); err != nil {
		return nil, err
	}
	if err := checkID("marketplace ID", marketplaceID); err != nil {
		return nil, err
	}
	if len(stock) > maxStockLevels {
		return nil, &ValidationError{Field: "stock levels", Reason: fmt.Sprintf("number %d, more than the maximum of %d per sync", len(stock), maxStockLevels)}
	}

	out := make([]SKUOutcome, len(stock))
	var fba []int
	type change struct {
		index       int
		productType string
	}
	var changes []change
	repeated := repeatedSKUs(len(stock), func(i int) string { return stock[i].SKU })
	for i, st := range stock {
		out[i] = SKUOutcome{SKU: st.SKU, ERP: fmt.Sprint(st.Quantity)}
		err := checkSKU(st.SKU)
		if err == nil && repeated[st.SKU] {
			err = errRepeatedSKU(st.SKU)
		}
		if err != nil || st.Quantity < 0 {
			if err == nil {
				err = &ValidationError{Field: "quantity", Value: fmt.Sprint(st.Quantity), Reason: "of SKU " + quoteSafe(st.SKU) + " must not be negative"}
			}
			out[i].Action, out[i].Err = ActionFailed, err
			continue
		}
		if st.FBA {
			fba = append(fba, i)
			continue
		}
		cur, err := s.listings.get(ctx, sellerID, marketplaceID, st.SKU)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			out[i].Action, out[i].Err = ActionFailed, err
			continue
		}
		out[i].Amazon = fmt.Sprint(cur.quantity)
		if cur.quantity == st.Quantity {
			out[i].Action = ActionUnchanged
			continue
		}
		changes = append(changes, change{index: i, productType: cur.productType})
	}

	if err := s.compareFBA(ctx, sellerID, marketplaceID, stock, fba, out); err != nil {
		return out, err
	}

	var runErr error
	if len(changes) > s.cfg.FeedThreshold {
		feed := &feeds.ListingsFeed{SellerID: sellerID}
		messageOf := make(map[int]int, len(changes))
		for _, c := range changes {
			p, _ := listings.QuantityPatch(stock[c.index].Quantity) // quantities were checked above
			messageOf[feed.Patch(stock[c.index].SKU, c.productType, p)] = c.index
		}
		runErr = s.sendFeed(ctx, sellerID, marketplaceID, feed, messageOf, out)
	} else {
		for _, c := range changes {
			p, _ := listings.QuantityPatch(stock[c.index].Quantity)
			id, err := s.listings.patch(ctx, sellerID, marketplaceID, stock[c.index].SKU, c.productType, false, p)
			if ctx.Err() != nil {
				runErr = ctx.Err()
				break
			}
			o := &out[c.index]
			o.SubmissionID = id
			if err != nil {
				o.Action, o.Err = ActionFailed, err
				continue
			}
			o.Action = ActionPatched
		}
	}

	recordOutcomes(ctx, s.cfg.Recorder, s.cfg.Logger, s.cfg.Actor, audit.ActionInventoryUpdate, sellerID, out, runErr)
	return out, runErr
}

// compareFBA reads the fulfillable quantity of the FBA SKUs and records
// whether it matches the ERP's. SKUs go 50 at a time into the sellerSkus
// filter; SKUs holding a comma cannot, because the filter is a
// comma-separated list, so they are looked up in one unfiltered listing of
// the marketplace's summaries.
func (s *InventorySync) compareFBA(ctx context.Context, sellerID, marketplaceID string, stock []StockLevel, idx []int, out []SKUOutcome) error {
	var plain, commas []int
	for _, j := range idx {
		if strings.Contains(stock[j].SKU, ",") {
			commas = append(commas, j)
		} else {
			plain = append(plain, j)
		}
	}
	var batches [][]int
	for start := 0; start < len(plain); start += fbaSKUsPerCall {
		batches = append(batches, plain[start:min(start+fbaSKUsPerCall, len(plain))])
	}
	if len(commas) > 0 {
		batches = append(batches, commas)
	}

	for _, batch := range batches {
		var skus []string
		if !strings.Contains(stock[batch[0]].SKU, ",") {
			for _, j := range batch {
				skus = append(skus, stock[j].SKU)
			}
		}
		found, err := s.fbaQuantities(ctx, sellerID, marketplaceID, skus)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			for _, j := range batch {
				out[j].Action, out[j].Err = ActionFailed, err
			}
			continue
		}
		for _, j := range batch {
			q, ok := found[stock[j].SKU]
			switch {
			case !ok:
				out[j].Action, out[j].Err = ActionFailed, fmt.Errorf("fulfillment: SKU %s has no FBA inventory summary in %s", quoteSafe(stock[j].SKU), marketplaceID)
			case q == stock[j].Quantity:
				out[j].Action, out[j].Amazon = ActionUnchanged, fmt.Sprint(q)
			default:
				out[j].Action, out[j].Amazon = ActionDiffers, fmt.Sprint(q)
			}
		}
	}
	return nil
}

// fbaQuantities returns the fulfillable quantity of each SKU found; no SKUs
// lists every summary of the marketplace.
func (s *InventorySync) fbaQuantities(ctx context.Context, sellerID, marketplaceID string, skus []string) (map[string]int, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return nil, err
	}
	found := make(map[string]int, len(skus))
	params := fbainventory.SummariesParams{MarketplaceID: marketplaceID, SellerSKUs: skus, Details: true}
	for p, err := range fbainventory.New(s.cfg.Client, sellerID, region).GetInventorySummaries(ctx, params) {
		if err != nil {
			return nil, err
		}
		for _, sum := range p.Summaries {
			q := sum.TotalQuantity
			if sum.InventoryDetails != nil {
				q = sum.InventoryDetails.FulfillableQuantity
			}
			found[sum.SellerSKU] = q
		}
	}
	return found, nil
}

// sendFeed sends a listings feed and records each message's outcome.
func (s *InventorySync) sendFeed(ctx context.Context, sellerID, marketplaceID string, feed *feeds.ListingsFeed, messageOf map[int]int, out []SKUOutcome) error {
	return runListingsFeed(ctx, s.feeds, sellerID, marketplaceID, feed, messageOf, out)
}

// runListingsFeed sends a JSON_LISTINGS_FEED and records the outcome of
// each message in out: ActionFeed when the processing report lists no
// error for it, ActionFailed with a *FeedMessageError otherwise.
func runListingsFeed(ctx context.Context, fr *feedRunner, sellerID, marketplaceID string, feed *feeds.ListingsFeed, messageOf map[int]int, out []SKUOutcome) error {
	doc, err := json.Marshal(feed)
	if err != nil {
		return fmt.Errorf("fulfillment: encode listings feed: %w", err)
	}
	feedID, report, err := fr.run(ctx, sellerID, marketplaceID, feeds.TypeJSONListings, feeds.ContentTypeJSON, doc)
	if err != nil {
		for _, i := range messageOf {
			out[i].Action, out[i].Err, out[i].FeedID = ActionFailed, err, feedID
		}
		return fmt.Errorf("fulfillment: listings feed of seller %s: %w", sellerID, err)
	}
	issues := make(map[int][]feeds.Issue)
	for _, is := range report.Failed() {
		issues[is.MessageID] = append(issues[is.MessageID], is)
	}
	for id, i := range messageOf {
		out[i].FeedID = feedID
		if iss := issues[id]; len(iss) > 0 {
			out[i].Action, out[i].Err = ActionFailed, &FeedMessageError{FeedID: feedID, MessageID: id, Issues: iss}
			continue
		}
		out[i].Action = ActionFeed
	}
	return nil
}

// checkSKU validates a seller SKU: 1 to 40 characters of valid UTF-8 with
// no control characters. SKUs may hold spaces, slashes, plus signs and
// commas; they are percent-encoded in paths.
func checkSKU(sku string) error {
	if err := checkText("SKU", sku, 40*4, true); err != nil {
		return err
	}
	if n := len([]rune(sku)); n > 40 {
		return &ValidationError{Field: "SKU", Value: quoteSafe(sku), Reason: fmt.Sprintf("has %d characters, more than Amazon's maximum of 40", n)}
	}
	return nil
}

// repeatedSKUs returns the SKUs that occur more than once among the n
// entries of an update.
func repeatedSKUs(n int, sku func(int) string) map[string]bool {
	seen := make(map[string]bool, n)
	repeated := map[string]bool{}
	for i := range n {
		if seen[sku(i)] {
			repeated[sku(i)] = true
		}
		seen[sku(i)] = true
	}
	return repeated
}

// errRepeatedSKU returns the error of each entry of a SKU named twice in one update,
// because Amazon may apply its patches or feed messages in either order.
func errRepeatedSKU(sku string) error {
	return &ValidationError{Field: "SKU", Value: quoteSafe(sku), Reason: "occurs more than once in this update; send one entry per SKU"}
}

// recordOutcomes audits a batch of SKU updates and logs the failures.
func recordOutcomes(ctx context.Context, rec audit.Recorder, log *slog.Logger, actor string, action audit.Action, sellerID string, out []SKUOutcome, runErr error) {
	changed, failed := 0, 0
	for _, o := range out {
		switch o.Action {
		case ActionPatched, ActionFeed:
			changed++
		case ActionFailed:
			failed++
			log.WarnContext(ctx, "SKU update failed", slog.String("seller_id", sellerID), slog.String("sku", o.SKU), slog.String("error", o.Err.Error()))
		}
	}
	e := audit.Event{Time: time.Now().UTC(), Actor: actor, Action: action, Outcome: audit.OutcomeSuccess, SellerID: sellerID, Count: changed}
	if a, ok := pii.ActorFromContext(ctx); ok && a.UserID != "" {
		e.Actor, e.SourceIP = a.UserID, a.SourceIP
	}
	if runErr != nil {
		e.Outcome, e.Reason = audit.OutcomeFailure, reasonCode(runErr)
	} else if failed > 0 {
		e.Outcome, e.Reason = audit.OutcomeFailure, "partial"
	}
	if err := rec.Record(context.WithoutCancel(ctx), e); err != nil && !errors.Is(err, context.Canceled) {
		log.ErrorContext(ctx, "recording the audit event failed", slog.String("seller_id", sellerID), slog.String("error", err.Error()))
	}
}
