package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/listings"
)

// listingState is the part of a listing that inventory and price updates
// read.
type listingState struct {
	productType string
	// quantity is the merchant-fulfilled (DEFAULT channel) quantity; -1 when
	// the listing has none.
	quantity int
	price    Money
}

// listingsClient reads listings of any seller and marketplace with package
// listings, and patches them with requests marked idempotent.
type listingsClient struct {
	client *spapi.Client
}

func (c *listingsClient) get(ctx context.Context, sellerID, marketplaceID, sku string) (*listingState, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return nil, err
	}
	item, err := listings.New(c.client, sellerID, region).GetListingsItem(ctx, sku, marketplaceID,
		listings.IncludeSummaries, listings.IncludeOffers, listings.IncludeFulfillmentAvailability)
	if err != nil {
		return nil, err
	}
	st := &listingState{quantity: -1}
	for _, s := range item.Summaries {
		if s.MarketplaceID == marketplaceID || st.productType == "" {
			st.productType = s.ProductType
		}
	}
	for _, o := range item.Offers {
		if o.MarketplaceID == marketplaceID {
			st.price = Money{CurrencyCode: o.Price.CurrencyCode, Amount: o.Price.Amount}
		}
	}
	for _, fa := range item.FulfillmentAvailability {
		if fa.FulfillmentChannelCode == listings.ChannelDefault {
			st.quantity = fa.Quantity
		}
	}
	return st, nil
}

// ListingIssue is a problem Amazon reports for a listing submission.
type ListingIssue struct {
	Code       string
	Message    string
	Severity   string
	Attributes []string
}

// ListingError reports a listing patch that Amazon did not accept: Amazon
// responds 200 with status INVALID, or with issues of severity ERROR.
type ListingError struct {
	SKU    string
	Status string
	Issues []ListingIssue
}

func (e *ListingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fulfillment: listing %s not updated: status %s", quoteSafe(e.SKU), e.Status)
	for i, is := range e.Issues {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Issues)-3)
			break
		}
		fmt.Fprintf(&b, "; %s %s: %s", is.Severity, is.Code, is.Message)
	}
	return b.String()
}

// patch sends a patchListingsItem, or its validation preview, through
// package listings, which retries it after a lost response because repeating
// a patch changes nothing. A 200 response that is not ACCEPTED (VALID in a
// preview), or that carries ERROR issues, becomes a *ListingError. ACCEPTED
// means Amazon queued the change: it is applied asynchronously.
func (c *listingsClient) patch(ctx context.Context, sellerID, marketplaceID, sku, productType string, preview bool, patches ...listings.Patch) (string, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return "", err
	}
	sub, err := listings.New(c.client, sellerID, region).PatchListingsItem(ctx, sku, marketplaceID, productType, patches,
		listings.PatchOptions{ValidationPreview: preview})
	var rejected *listings.SubmissionError
	if err != nil && !errors.As(err, &rejected) {
		return "", err
	}
	sub.SKU = sku
	if err := listingError(sub, preview); err != nil {
		return sub.SubmissionID, err
	}
	return sub.SubmissionID, nil
}

// listingError returns a *ListingError for a submission that Amazon did
// not accept, or nil.
func listingError(sub *listings.Submission, preview bool) error {
	failed := sub.Status != listings.StatusAccepted && !(preview && sub.Status == listings.StatusValid)
	issues := make([]ListingIssue, len(sub.Issues))
	for i, is := range sub.Issues {
		issues[i] = ListingIssue{Code: is.Code, Message: is.Message, Severity: is.Severity, Attributes: is.AttributeNames}
		if is.Severity == "ERROR" {
			failed = true
		}
	}
	if !failed {
		return nil
	}
	return &ListingError{SKU: sub.SKU, Status: sub.Status, Issues: slices.Clip(issues)}
}
