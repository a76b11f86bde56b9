package fbainventory

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// MaxSKUsPerRequest is the largest number of SKUs one request may name.
const MaxSKUsPerRequest = 50

// Client calls the FBA Inventory API for one seller in one region. It is
// safe for concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller's FBA inventory in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

// SummariesParams selects inventory summaries in one marketplace.
type SummariesParams struct {
	MarketplaceID string
	// SellerSKUs limits the summaries to these SKUs, at most
	// MaxSKUsPerRequest; empty means all. Amazon takes the list
	// comma-separated, so a SKU that contains a comma cannot be in it:
	// [Client.Summaries] requests such SKUs one by one.
	SellerSKUs []string
	// Details adds the quantity breakdown (fulfillable, inbound, reserved).
	Details bool
	// StartDateTime returns only summaries changed since then.
	StartDateTime time.Time
}

// Summary is the FBA inventory of one SKU.
type Summary struct {
	ASIN             string    `json:"asin"`
	FNSKU            string    `json:"fnSku"`
	SellerSKU        string    `json:"sellerSku"`
	Condition        string    `json:"condition"`
	InventoryDetails *Details  `json:"inventoryDetails,omitempty"`
	LastUpdatedTime  time.Time `json:"lastUpdatedTime,omitzero"`
	ProductName      string    `json:"productName"`
	TotalQuantity    int       `json:"totalQuantity"`
}

// Details is the quantity breakdown of a summary.
type Details struct {
	FulfillableQuantity      int `json:"fulfillableQuantity"`
	InboundWorkingQuantity   int `json:"inboundWorkingQuantity"`
	InboundShippedQuantity   int `json:"inboundShippedQuantity"`
	InboundReceivingQuantity int `json:"inboundReceivingQuantity"`
	ReservedQuantity         struct {
		TotalReservedQuantity int `json:"totalReservedQuantity"`
	} `json:"reservedQuantity"`
}

// Page is one page of getInventorySummaries.
type Page struct {
	Granularity struct {
		GranularityType string `json:"granularityType"`
		GranularityID   string `json:"granularityId"`
	} `json:"granularity"`
	Summaries []Summary `json:"inventorySummaries"`
}

type response struct {
	Payload    Page `json:"payload"`
	Pagination *struct {
		NextToken string `json:"nextToken"`
	} `json:"pagination,omitempty"`
}

// GetInventorySummaries returns an iterator over the pages of
// getInventorySummaries. Its page tokens expire 30 seconds after they are
// issued, so every page is fetched back to back before the first is
// yielded. A slow consumer therefore cannot let a token expire.
func (c *Client) GetInventorySummaries(ctx context.Context, p SummariesParams) iter.Seq2[*Page, error] {
	if p.MarketplaceID == "" || len(p.SellerSKUs) > MaxSKUsPerRequest {
		err := fmt.Errorf("fbainventory: getInventorySummaries: a marketplace and at most %d SKUs are required: %w", MaxSKUsPerRequest, spapi.ErrInvalidRequest)
		return func(yield func(*Page, error) bool) { yield(nil, err) }
	}
	if len(p.SellerSKUs) > 1 && slices.ContainsFunc(p.SellerSKUs, func(s string) bool { return strings.Contains(s, ",") }) {
		err := fmt.Errorf("fbainventory: getInventorySummaries: a SKU containing a comma cannot be in a list of SKUs; use Summaries: %w", spapi.ErrInvalidRequest)
		return func(yield func(*Page, error) bool) { yield(nil, err) }
	}
	q := url.Values{
		"granularityType": {"Marketplace"},
		"granularityId":   {p.MarketplaceID},
		"marketplaceIds":  {p.MarketplaceID},
	}
	if p.Details {
		q.Set("details", "true")
	}
	switch {
	case len(p.SellerSKUs) == 1 && strings.Contains(p.SellerSKUs[0], ","):
		q.Set("sellerSku", p.SellerSKUs[0])
	case len(p.SellerSKUs) > 0:
		q.Set("sellerSkus", strings.Join(p.SellerSKUs, ","))
	}
	if !p.StartDateTime.IsZero() {
		q.Set("startDateTime", spapi.FormatTime(p.StartDateTime))
	}
	req := &spapi.Request{
		Operation: "fbainventory.getInventorySummaries", Method: http.MethodGet, Path: "/fba/inventory/v1/summaries",
		Query: q, SellerID: c.seller, Region: c.region, MarketplaceID: p.MarketplaceID,
	}
	pages := spapi.Pages(ctx, c.api, req, spapi.PaginationFBAInventory, func(r *response) string {
		if r.Pagination == nil {
			return ""
		}
		return r.Pagination.NextToken
	})
	return func(yield func(*Page, error) bool) {
		for r, err := range pages {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(&r.Payload, nil) {
				return
			}
		}
	}
}

// Summaries returns every summary of the selection. SKUs are asked for in
// lists of up to MaxSKUsPerRequest, and SKUs that contain a comma one by
// one.
func (c *Client) Summaries(ctx context.Context, p SummariesParams) ([]Summary, error) {
	if len(p.SellerSKUs) == 0 {
		return c.collect(ctx, p)
	}
	var plain []string
	var out []Summary
	for _, sku := range p.SellerSKUs {
		if !strings.Contains(sku, ",") {
			plain = append(plain, sku)
			continue
		}
		one := p
		one.SellerSKUs = []string{sku}
		got, err := c.collect(ctx, one)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	for batch := range slices.Chunk(plain, MaxSKUsPerRequest) {
		part := p
		part.SellerSKUs = batch
		got, err := c.collect(ctx, part)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func (c *Client) collect(ctx context.Context, p SummariesParams) ([]Summary, error) {
	var out []Summary
	for page, err := range c.GetInventorySummaries(ctx, p) {
		if err != nil {
			return nil, err
		}
		out = append(out, page.Summaries...)
	}
	return out, nil
}
