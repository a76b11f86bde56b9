package finances

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// MaxWindow is the longest date range Amazon serves in one request: wider
// ranges come back empty, so the client splits them.
const MaxWindow = 180 * 24 * time.Hour

// postingDelay is how far before the present PostedBefore must be.
const postingDelay = 2 * time.Minute

// Client calls the Finances API (v0 and 2024-06-19) for one seller in one
// region. It is safe for concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
	now    func() time.Time
}

// New returns a Client for the seller's finances in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region, now: time.Now}
}

// RetentionError reports a range that starts before the period Amazon
// keeps financial data for ("... is not valid, given the retention
// period: 365"). Days is that period, or 0 when the message did not state
// it. Err is the Amazon error.
type RetentionError struct {
	Days int
	Err  *spapi.Error
}

func (e *RetentionError) Error() string {
	return fmt.Sprintf("finances: the date range starts before Amazon's retention period of %d days; start later", e.Days)
}

func (e *RetentionError) Unwrap() error { return e.Err }

var retentionPattern = regexp.MustCompile(`retention period:?\s*(\d+)`)

// classify turns Amazon's retention-period error into a *RetentionError.
func classify(err error) error {
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return err
	}
	for _, d := range apiErr.Errors {
		if m := retentionPattern.FindStringSubmatch(d.Message + " " + d.Details); m != nil {
			days, _ := strconv.Atoi(m[1])
			return &RetentionError{Days: days, Err: apiErr}
		}
	}
	return err
}

func (c *Client) request(operation, path string, q url.Values) *spapi.Request {
	return &spapi.Request{Operation: operation, Method: http.MethodGet, Path: path, Query: q, SellerID: c.seller, Region: c.region}
}

// window is one request's date range; end is zero for a range that runs
// to the present.
type window struct{ start, end time.Time }

// windows splits [after, before) into ranges of at most MaxWindow. A zero
// before means the present; the last window then leaves its end out, and
// Amazon uses two minutes ago.
func (c *Client) windows(after, before time.Time) ([]window, error) {
	if after.IsZero() {
		return nil, fmt.Errorf("finances: the start of the date range is required: %w", spapi.ErrInvalidRequest)
	}
	end, open := before, before.IsZero()
	if open {
		end = c.now().Add(-postingDelay)
	}
	if !end.After(after) {
		return nil, fmt.Errorf("finances: empty date range %s to %s: %w", spapi.FormatTime(after), spapi.FormatTime(end), spapi.ErrInvalidRequest)
	}
	var out []window
	for start := after; start.Before(end); start = start.Add(MaxWindow) {
		w := window{start: start, end: start.Add(MaxWindow)}
		if !w.end.Before(end) {
			w.end = end
			if open {
				w.end = time.Time{}
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// EventsParams selects v0 financial events by posting date.
type EventsParams struct {
	PostedAfter  time.Time // required
	PostedBefore time.Time // zero means the present
	// MaxResultsPerPage is 1 to 100; 0 leaves Amazon's default.
	MaxResultsPerPage int
	// PageToken resumes a listing from a NextToken returned earlier.
	PageToken string
}

type eventsPage struct {
	Payload struct {
		NextToken       string          `json:"NextToken"`
		FinancialEvents FinancialEvents `json:"FinancialEvents"`
	} `json:"payload"`
}

// ListFinancialEvents returns an iterator over pages of v0 financial
// events. A range longer than [MaxWindow] is split into consecutive
// windows, each paged with NextToken. A range before Amazon's retention
// period yields a [*RetentionError].
func (c *Client) ListFinancialEvents(ctx context.Context, p EventsParams) iter.Seq2[*FinancialEvents, error] {
	return func(yield func(*FinancialEvents, error) bool) {
		ws, err := c.windows(p.PostedAfter, p.PostedBefore)
		if err != nil {
			yield(nil, err)
			return
		}
		for i, w := range ws {
			q := url.Values{"PostedAfter": {spapi.FormatTime(w.start)}}
			if !w.end.IsZero() {
				q.Set("PostedBefore", spapi.FormatTime(w.end))
			}
			if p.MaxResultsPerPage > 0 {
				q.Set("MaxResultsPerPage", strconv.Itoa(p.MaxResultsPerPage))
			}
			if i == 0 && p.PageToken != "" {
				q.Set("NextToken", p.PageToken)
			}
			req := c.request("finances.listFinancialEvents", "/finances/v0/financialEvents", q)
			if !c.yieldPages(ctx, req, yield) {
				return
			}
		}
	}
}

// yieldPages yields the event pages of one request and reports whether the
// iteration goes on.
func (c *Client) yieldPages(ctx context.Context, req *spapi.Request, yield func(*FinancialEvents, error) bool) bool {
	for page, err := range spapi.Pages(ctx, c.api, req, spapi.PaginationFinancesV0, func(p *eventsPage) string { return p.Payload.NextToken }) {
		if err != nil {
			yield(nil, classify(err))
			return false
		}
		if !yield(&page.Payload.FinancialEvents, nil) {
			return false
		}
	}
	return true
}

// ListFinancialEventsByOrderID returns an iterator over the pages of an
// order's financial events.
func (c *Client) ListFinancialEventsByOrderID(ctx context.Context, orderID string, maxResultsPerPage int) iter.Seq2[*FinancialEvents, error] {
	return func(yield func(*FinancialEvents, error) bool) {
		if orderID == "" {
			yield(nil, fmt.Errorf("finances: missing order ID: %w", spapi.ErrInvalidRequest))
			return
		}
		q := url.Values{}
		if maxResultsPerPage > 0 {
			q.Set("MaxResultsPerPage", strconv.Itoa(maxResultsPerPage))
		}
		c.yieldPages(ctx, c.request("finances.listFinancialEventsByOrderId", "/finances/v0/orders/"+url.PathEscape(orderID)+"/financialEvents", q), yield)
	}
}

// ListFinancialEventsByGroupID returns an iterator over the pages of the
// events of a financial event group.
func (c *Client) ListFinancialEventsByGroupID(ctx context.Context, groupID string, maxResultsPerPage int) iter.Seq2[*FinancialEvents, error] {
	return func(yield func(*FinancialEvents, error) bool) {
		if groupID == "" {
			yield(nil, fmt.Errorf("finances: missing event group ID: %w", spapi.ErrInvalidRequest))
			return
		}
		q := url.Values{}
		if maxResultsPerPage > 0 {
			q.Set("MaxResultsPerPage", strconv.Itoa(maxResultsPerPage))
		}
		c.yieldPages(ctx, c.request("finances.listFinancialEventsByGroupId", "/finances/v0/financialEventGroups/"+url.PathEscape(groupID)+"/financialEvents", q), yield)
	}
}

// GroupsParams selects financial event groups by start date.
type GroupsParams struct {
	StartedAfter      time.Time // required
	StartedBefore     time.Time
	MaxResultsPerPage int
}

type groupsPage struct {
	Payload struct {
		NextToken               string       `json:"NextToken"`
		FinancialEventGroupList []EventGroup `json:"FinancialEventGroupList"`
	} `json:"payload"`
}

// ListFinancialEventGroups returns an iterator over financial event
// groups.
func (c *Client) ListFinancialEventGroups(ctx context.Context, p GroupsParams) iter.Seq2[*EventGroup, error] {
	return func(yield func(*EventGroup, error) bool) {
		if p.StartedAfter.IsZero() {
			yield(nil, fmt.Errorf("finances: listFinancialEventGroups: StartedAfter is required: %w", spapi.ErrInvalidRequest))
			return
		}
		q := url.Values{"FinancialEventGroupStartedAfter": {spapi.FormatTime(p.StartedAfter)}}
		if !p.StartedBefore.IsZero() {
			q.Set("FinancialEventGroupStartedBefore", spapi.FormatTime(p.StartedBefore))
		}
		if p.MaxResultsPerPage > 0 {
			q.Set("MaxResultsPerPage", strconv.Itoa(p.MaxResultsPerPage))
		}
		req := c.request("finances.listFinancialEventGroups", "/finances/v0/financialEventGroups", q)
		for page, err := range spapi.Pages(ctx, c.api, req, spapi.PaginationFinancesV0, func(p *groupsPage) string { return p.Payload.NextToken }) {
			if err != nil {
				yield(nil, classify(err))
				return
			}
			for i := range page.Payload.FinancialEventGroupList {
				if !yield(&page.Payload.FinancialEventGroupList[i], nil) {
					return
				}
			}
		}
	}
}

// TransactionsParams selects 2024-06-19 transactions.
type TransactionsParams struct {
	PostedAfter       time.Time // required
	PostedBefore      time.Time // zero means the present
	MarketplaceID     string
	TransactionStatus string
	// PageToken resumes a listing from a nextToken returned earlier, with
	// the same arguments.
	PageToken string
}

type transactionsPage struct {
	Payload struct {
		NextToken    string        `json:"nextToken"`
		Transactions []Transaction `json:"transactions"`
	} `json:"payload"`
}

// ListTransactions returns an iterator over the transactions of the
// 2024-06-19 API. Ranges longer than [MaxWindow] are split; later pages
// repeat the arguments and add nextToken, as Amazon requires. A range
// before the retention period yields a [*RetentionError].
func (c *Client) ListTransactions(ctx context.Context, p TransactionsParams) iter.Seq2[*Transaction, error] {
	return func(yield func(*Transaction, error) bool) {
		ws, err := c.windows(p.PostedAfter, p.PostedBefore)
		if err != nil {
			yield(nil, err)
			return
		}
		for i, w := range ws {
			q := url.Values{"postedAfter": {spapi.FormatTime(w.start)}}
			if !w.end.IsZero() {
				q.Set("postedBefore", spapi.FormatTime(w.end))
			}
			if p.MarketplaceID != "" {
				q.Set("marketplaceId", p.MarketplaceID)
			}
			if p.TransactionStatus != "" {
				q.Set("transactionStatus", p.TransactionStatus)
			}
			if i == 0 && p.PageToken != "" {
				q.Set("nextToken", p.PageToken)
			}
			req := c.request("finances20240619.listTransactions", "/finances/2024-06-19/transactions", q)
			for page, err := range spapi.Pages(ctx, c.api, req, spapi.PaginationTransactions, func(p *transactionsPage) string { return p.Payload.NextToken }) {
				if err != nil {
					yield(nil, classify(err))
					return
				}
				for j := range page.Payload.Transactions {
					if !yield(&page.Payload.Transactions[j], nil) {
						return
					}
				}
			}
		}
	}
}
