package orders

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Client calls the Orders API for one seller in one region. It is cheap to
// create and safe for concurrent use; the [spapi.Client] underneath does
// authentication, rate limiting and retries.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller's orders in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

// Values of includedData for [SearchParams.IncludedData] and
// [Client.GetOrder]. Buyer and recipient data need the matching roles; the
// other values add non-personal sections.
const (
	IncludeBuyer        = "BUYER"
	IncludeRecipient    = "RECIPIENT"
	IncludeProceeds     = "PROCEEDS"
	IncludeExpense      = "EXPENSE"
	IncludePromotion    = "PROMOTION"
	IncludeCancellation = "CANCELLATION"
	IncludeFulfillment  = "FULFILLMENT"
	IncludePackages     = "PACKAGES"
	IncludeTax          = "TAX"
	IncludePayment      = "PAYMENT"
)

// Values of [SearchParams.FulfilledBy].
const (
	FulfilledByMerchant = "MERCHANT"
	FulfilledByAmazon   = "AMAZON"
)

// SearchParams filters searchOrders. One of CreatedAfter and
// LastUpdatedAfter is required; zero times are left out.
type SearchParams struct {
	MarketplaceIDs      []string
	CreatedAfter        time.Time
	CreatedBefore       time.Time
	LastUpdatedAfter    time.Time
	LastUpdatedBefore   time.Time
	FulfillmentStatuses []string
	FulfilledBy         []string
	// IncludedData lists the sections to return, such as IncludeBuyer and
	// IncludeRecipient. Without them Amazon returns no buyer data.
	IncludedData []string
	// MaxResultsPerPage is 1 to 100; 0 leaves Amazon's default.
	MaxResultsPerPage int
	// PageToken resumes a listing from a token returned earlier; the other
	// parameters must be the same as for the page that returned it.
	PageToken string
}

// SearchPage is one page of searchOrders.
type SearchPage struct {
	Orders            []Order     `json:"orders"`
	Pagination        *Pagination `json:"pagination,omitempty"`
	LastUpdatedBefore time.Time   `json:"lastUpdatedBefore,omitzero"`
	CreatedBefore     time.Time   `json:"createdBefore,omitzero"`
}

// Pagination holds the token of the next page.
type Pagination struct {
	NextToken string `json:"nextToken,omitempty"`
}

func (p SearchParams) query() (url.Values, error) {
	if p.CreatedAfter.IsZero() && p.LastUpdatedAfter.IsZero() {
		return nil, fmt.Errorf("orders: searchOrders: one of CreatedAfter and LastUpdatedAfter is required: %w", spapi.ErrInvalidRequest)
	}
	if p.MaxResultsPerPage < 0 || p.MaxResultsPerPage > 100 {
		return nil, fmt.Errorf("orders: searchOrders: invalid MaxResultsPerPage %d: must be 1 to 100: %w", p.MaxResultsPerPage, spapi.ErrInvalidRequest)
	}
	q := url.Values{}
	setList(q, "marketplaceIds", p.MarketplaceIDs)
	setTime(q, "createdAfter", p.CreatedAfter)
	setTime(q, "createdBefore", p.CreatedBefore)
	setTime(q, "lastUpdatedAfter", p.LastUpdatedAfter)
	setTime(q, "lastUpdatedBefore", p.LastUpdatedBefore)
	setList(q, "fulfillmentStatuses", p.FulfillmentStatuses)
	setList(q, "fulfilledBy", p.FulfilledBy)
	setList(q, "includedData", p.IncludedData)
	if p.MaxResultsPerPage > 0 {
		q.Set("maxResultsPerPage", strconv.Itoa(p.MaxResultsPerPage))
	}
	if p.PageToken != "" {
		q.Set("paginationToken", p.PageToken)
	}
	return q, nil
}

// SearchOrders returns an iterator over the pages of searchOrders. It is
// the primary way to list orders: the v0 calls that return buyer data are
// deprecated. Amazon's default plan is one request every three minutes
// with a burst of 20, so a long listing waits for tokens between pages.
// The iteration stops at the first error, which it yields.
func (c *Client) SearchOrders(ctx context.Context, p SearchParams) iter.Seq2[*SearchPage, error] {
	q, err := p.query()
	if err != nil {
		return func(yield func(*SearchPage, error) bool) { yield(nil, err) }
	}
	req := c.request("orders20260101.searchOrders", http.MethodGet, "/orders/2026-01-01/orders", q)
	if len(p.MarketplaceIDs) == 1 {
		req.MarketplaceID = p.MarketplaceIDs[0]
	}
	return spapi.Pages(ctx, c.api, req, spapi.PaginationOrders, func(page *SearchPage) string {
		if page.Pagination == nil {
			return ""
		}
		return page.Pagination.NextToken
	})
}

// GetOrder returns one order from the 2026-01-01 API with the sections in
// includedData, such as IncludeBuyer and IncludeRecipient.
func (c *Client) GetOrder(ctx context.Context, orderID string, includedData ...string) (*Order, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	q := url.Values{}
	setList(q, "includedData", includedData)
	var out struct {
		Order Order `json:"order"`
	}
	req := c.request("orders20260101.getOrder", http.MethodGet, "/orders/2026-01-01/orders/"+url.PathEscape(orderID), q)
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.Order.OrderID == "" {
		return nil, fmt.Errorf("orders: getOrder %s: %w: no order in the response", orderID, ErrInvalidResponse)
	}
	return &out.Order, nil
}

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks
// what the call must return, such as getOrder without an order.
var ErrInvalidResponse = errors.New("orders: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

func (c *Client) request(operation, method, path string, q url.Values) *spapi.Request {
	return &spapi.Request{
		Operation: operation,
		Method:    method,
		Path:      path,
		Query:     q,
		SellerID:  c.seller,
		Region:    c.region,
	}
}

func checkOrderID(id string) error {
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("orders: missing order ID: %w", spapi.ErrInvalidRequest)
	}
	return nil
}

// setList sets a comma-separated list, the array format of SP-API query
// parameters. Empty lists are left out.
func setList(q url.Values, name string, values []string) {
	if len(values) > 0 {
		q.Set(name, strings.Join(values, ","))
	}
}

func setTime(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, spapi.FormatTime(t))
	}
}
