package fulfillment

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/feeds"
	"github.com/hidemont/spkit/spapi/listings"
)

// DefaultPriceActor is the audit actor of price updates when the context
// carries none.
const DefaultPriceActor = "svc:spkit-prices"

// PriceConfig configures PriceUpdates. The zero value of each optional
// field means its default.
type PriceConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Recorder receives one audit event per update. Required.
	Recorder audit.Recorder
	// Preview sends every change in VALIDATION_PREVIEW mode first and
	// sends it for real only when Amazon finds no error, so that an
	// invalid price never reaches a live listing. Default false.
	Preview bool
	// FeedThreshold is the number of changed prices above which they are
	// sent in one JSON_LISTINGS_FEED. Default DefaultFeedThreshold. A
	// preview is made with patchListingsItem, so with Preview set every
	// change goes through patchListingsItem.
	FeedThreshold int
	// FeedPollInterval and FeedTimeout control the wait for a feed.
	FeedPollInterval time.Duration
	FeedTimeout      time.Duration
	// Actor is the audit actor when the context carries none. Default
	// DefaultPriceActor.
	Actor string
	// Logger receives per-SKU failures. Default: discard.
	Logger *slog.Logger
}

// PriceUpdates sets listing prices through the purchasable_offer attribute
// and checks each outcome: Amazon responds 200 to rejected patches too, so
// a status other than ACCEPTED, or an ERROR issue, is a failure. Prices that
// already match are not sent. Create it with NewPriceUpdates; it is safe
// for concurrent use.
type PriceUpdates struct {
	cfg PriceConfig
	skuCalls
}

// NewPriceUpdates validates the configuration and returns PriceUpdates.
func NewPriceUpdates(cfg PriceConfig) (*PriceUpdates, error) {
	if err := checkSKUConfig("PriceConfig", cfg.Client, cfg.Recorder, cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout); err != nil {
		return nil, err
	}
	cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout = feedDefaults(cfg.FeedThreshold, cfg.FeedPollInterval, cfg.FeedTimeout)
	if cfg.Actor == "" {
		cfg.Actor = DefaultPriceActor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &PriceUpdates{cfg: cfg, skuCalls: newSKUCalls(cfg.Client, cfg.FeedPollInterval, cfg.FeedTimeout)}, nil
}

// Price is the ERP's price of one SKU in the marketplace.
type Price struct {
	SKU string
	// Amount is a decimal with at most two decimals, such as "19.99",
	// including tax where the marketplace shows prices with tax.
	Amount string
	// CurrencyCode is the ISO 4217 code, such as "EUR".
	CurrencyCode string
}

// Update sets the prices in the marketplace and returns one outcome per
// price, in order. Every price of a SKU listed twice fails with a
// *ValidationError and is not sent. With Preview set, a change Amazon's preview rejects is
// reported as failed and not sent.
func (p *PriceUpdates) Update(ctx context.Context, sellerID, marketplaceID string, prices []Price) ([]SKUOutcome, error) {
	if err := checkID("seller ID", sellerID); err != nil {
		return nil, err
	}
	if err := checkID("marketplace ID", marketplaceID); err != nil {
		return nil, err
	}
	if len(prices) > maxStockLevels {
		return nil, &ValidationError{Field: "prices", Reason: fmt.Sprintf("number %d, more than the maximum of %d per update", len(prices), maxStockLevels)}
	}

	out := make([]SKUOutcome, len(prices))
	type change struct {
		index       int
		productType string
		patch       listings.Patch
	}
	var changes []change
	repeated := repeatedSKUs(len(prices), func(i int) string { return prices[i].SKU })
	for i, pr := range prices {
		out[i] = SKUOutcome{SKU: pr.SKU, ERP: pr.Amount + " " + pr.CurrencyCode}
		patch, err := listings.PricePatch(marketplaceID, pr.CurrencyCode, pr.Amount)
		if err == nil {
			err = checkSKU(pr.SKU)
		}
		if err == nil && repeated[pr.SKU] {
			err = errRepeatedSKU(pr.SKU)
		}
		if err != nil {
			out[i].Action, out[i].Err = ActionFailed, err
			continue
		}
		cur, err := p.listings.get(ctx, sellerID, marketplaceID, pr.SKU)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			out[i].Action, out[i].Err = ActionFailed, err
			continue
		}
		out[i].Amazon = cur.price.Amount + " " + cur.price.CurrencyCode
		if cur.price.CurrencyCode == pr.CurrencyCode && sameDecimal(cur.price.Amount, pr.Amount) {
			out[i].Action = ActionUnchanged
			continue
		}
		changes = append(changes, change{index: i, productType: cur.productType, patch: patch})
	}

	var runErr error
	if !p.cfg.Preview && len(changes) > p.cfg.FeedThreshold {
		feed := &feeds.ListingsFeed{SellerID: sellerID}
		messageOf := make(map[int]int, len(changes))
		for _, c := range changes {
			messageOf[feed.Patch(prices[c.index].SKU, c.productType, c.patch)] = c.index
		}
		runErr = runListingsFeed(ctx, p.feeds, sellerID, marketplaceID, feed, messageOf, out)
	} else {
		for _, c := range changes {
			o := &out[c.index]
			if p.cfg.Preview {
				if _, err := p.listings.patch(ctx, sellerID, marketplaceID, o.SKU, c.productType, true, c.patch); err != nil {
					if ctx.Err() != nil {
						runErr = ctx.Err()
						break
					}
					o.Action, o.Err = ActionFailed, fmt.Errorf("validation preview: %w", err)
					continue
				}
			}
			id, err := p.listings.patch(ctx, sellerID, marketplaceID, o.SKU, c.productType, false, c.patch)
			if ctx.Err() != nil {
				runErr = ctx.Err()
				break
			}
			o.SubmissionID = id
			if err != nil {
				o.Action, o.Err = ActionFailed, err
				continue
			}
			o.Action = ActionPatched
		}
	}

	recordOutcomes(ctx, p.cfg.Recorder, p.cfg.Logger, p.cfg.Actor, audit.ActionPriceUpdate, sellerID, out, runErr)
	return out, runErr
}

// sameDecimal reports whether two decimal strings hold the same amount,
// such as "19.9" and "19.90".
func sameDecimal(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA != nil || errB != nil {
		return a == b
	}
	// Prices have at most two decimals, so half a cent separates them.
	d := x - y
	return d < 0.005 && d > -0.005
}
