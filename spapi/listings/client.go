package listings

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Client calls the Listings Items API for one seller in one region. It is
// safe for concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller's listings in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

// Values of includedData.
const (
	IncludeSummaries               = "summaries"
	IncludeAttributes              = "attributes"
	IncludeIssues                  = "issues"
	IncludeOffers                  = "offers"
	IncludeFulfillmentAvailability = "fulfillmentAvailability"
	IncludeIdentifiers             = "identifiers"
)

// Item is a listings item with the sections that were asked for.
type Item struct {
	SKU                     string                         `json:"sku"`
	Summaries               []ItemSummary                  `json:"summaries,omitempty"`
	Offers                  []ItemOffer                    `json:"offers,omitempty"`
	FulfillmentAvailability []FulfillmentAvailabilityState `json:"fulfillmentAvailability,omitempty"`
	Issues                  []Issue                        `json:"issues,omitempty"`
}

// ItemSummary is a listing's summary in one marketplace.
type ItemSummary struct {
	MarketplaceID   string    `json:"marketplaceId"`
	ASIN            string    `json:"asin,omitempty"`
	ProductType     string    `json:"productType"`
	ConditionType   string    `json:"conditionType,omitempty"`
	Status          []string  `json:"status"`
	ItemName        string    `json:"itemName,omitempty"`
	CreatedDate     time.Time `json:"createdDate"`
	LastUpdatedDate time.Time `json:"lastUpdatedDate"`
}

// ItemOffer is a listing's offer in one marketplace.
type ItemOffer struct {
	MarketplaceID string `json:"marketplaceId"`
	OfferType     string `json:"offerType"`
	Price         struct {
		CurrencyCode string `json:"currencyCode"`
		Amount       string `json:"amount"`
	} `json:"price"`
}

// FulfillmentAvailabilityState is a listing's quantity in a fulfilment
// channel, as getListingsItem returns it.
type FulfillmentAvailabilityState struct {
	FulfillmentChannelCode string `json:"fulfillmentChannelCode"`
	Quantity               int    `json:"quantity"`
}

// Issue is a problem Amazon found with a listing or a submission.
type Issue struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Severity       string   `json:"severity"`
	AttributeNames []string `json:"attributeNames,omitempty"`
	Categories     []string `json:"categories,omitempty"`
}

// Submission statuses.
const (
	StatusAccepted = "ACCEPTED"
	StatusValid    = "VALID"
	StatusInvalid  = "INVALID"
)

// Submission is the response to a patch: its status, ID and issues.
type Submission struct {
	SKU          string  `json:"sku"`
	Status       string  `json:"status"`
	SubmissionID string  `json:"submissionId"`
	Issues       []Issue `json:"issues,omitempty"`
}

// ErrSubmissionRejected is matched by [*SubmissionError].
var ErrSubmissionRejected = errors.New("listings: submission rejected")

// SubmissionError reports a patch that Amazon returned with 200 but did
// not accept: status INVALID, or an issue of severity ERROR.
type SubmissionError struct {
	Submission *Submission
}

func (e *SubmissionError) Error() string {
	msg := fmt.Sprintf("listings: submission for SKU %q rejected (status %s)", e.Submission.SKU, e.Submission.Status)
	for _, is := range e.Submission.Issues {
		if is.Severity == "ERROR" {
			msg += fmt.Sprintf(": %s %s", is.Code, is.Message)
			break
		}
	}
	return msg
}

func (e *SubmissionError) Is(target error) bool { return target == ErrSubmissionRejected }

// GetListingsItem returns a listing in one marketplace with the sections in
// includedData; none means summaries only.
func (c *Client) GetListingsItem(ctx context.Context, sku, marketplaceID string, includedData ...string) (*Item, error) {
	if sku == "" || marketplaceID == "" {
		return nil, fmt.Errorf("listings: getListingsItem: SKU and marketplace ID are required: %w", spapi.ErrInvalidRequest)
	}
	q := url.Values{"marketplaceIds": {marketplaceID}}
	if len(includedData) > 0 {
		q.Set("includedData", strings.Join(includedData, ","))
	}
	req := &spapi.Request{
		Operation: "listings.getListingsItem", Method: http.MethodGet, Path: c.itemPath(sku), Query: q,
		SellerID: c.seller, Region: c.region, MarketplaceID: marketplaceID,
	}
	var out Item
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.SKU == "" {
		return nil, fmt.Errorf("listings: getListingsItem %q: %w: no SKU in the response", sku, ErrInvalidResponse)
	}
	return &out, nil
}

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks
// what the call must return, such as getListingsItem without the item.
var ErrInvalidResponse = errors.New("listings: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

// PatchOptions adjusts [Client.PatchListingsItem].
type PatchOptions struct {
	// ValidationPreview checks the patches without applying them; a valid
	// submission has status VALID.
	ValidationPreview bool
	// IncludedData requests sections in the response, such as issues and
	// identifiers.
	IncludedData []string
}

// PatchListingsItem applies patches, such as those of [QuantityPatch] and
// [PricePatch], to a listing in one marketplace. Amazon returns 200 even
// when it rejects the patches, so a status other than ACCEPTED (or VALID
// in a preview) or any issue of severity ERROR returns a
// [*SubmissionError] holding the submission. ACCEPTED means queued: the
// change is applied asynchronously.
func (c *Client) PatchListingsItem(ctx context.Context, sku, marketplaceID, productType string, patches []Patch, opts PatchOptions) (*Submission, error) {
	if sku == "" || marketplaceID == "" || productType == "" || len(patches) == 0 {
		return nil, fmt.Errorf("listings: patchListingsItem: SKU, marketplace ID, product type and patches are required: %w", spapi.ErrInvalidRequest)
	}
	q := url.Values{"marketplaceIds": {marketplaceID}}
	if len(opts.IncludedData) > 0 {
		q.Set("includedData", strings.Join(opts.IncludedData, ","))
	}
	if opts.ValidationPreview {
		q.Set("mode", "VALIDATION_PREVIEW")
	}
	req := &spapi.Request{
		Operation: "listings.patchListingsItem", Method: http.MethodPatch, Path: c.itemPath(sku), Query: q,
		Body:     map[string]any{"productType": productType, "patches": patches},
		SellerID: c.seller, Region: c.region, MarketplaceID: marketplaceID,
		// Applying the same patches twice leaves the listing as applying
		// them once, so the call may be repeated after a lost response.
		Idempotent: true,
	}
	var out Submission
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out, checkSubmission(&out, opts.ValidationPreview)
}

func checkSubmission(s *Submission, preview bool) error {
	ok := s.Status == StatusAccepted || (preview && s.Status == StatusValid)
	for _, is := range s.Issues {
		if is.Severity == "ERROR" {
			ok = false
		}
	}
	if !ok {
		return &SubmissionError{Submission: s}
	}
	return nil
}

// itemPath escapes the seller ID and SKU as path segments, so SKUs with
// spaces, slashes, plus signs and commas reach Amazon intact. A plus sign
// is escaped too, because some servers decode it as a space.
func (c *Client) itemPath(sku string) string {
	return "/listings/2021-08-01/items/" + escapeSegment(c.seller) + "/" + escapeSegment(sku)
}

func escapeSegment(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "+", "%2B")
}
