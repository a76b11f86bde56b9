package fulfillment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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

// listingsClient calls the Listings Items API through the client.
type listingsClient struct {
	client *spapi.Client
}

func listingPath(sellerID, sku string) string {
	return "/listings/2021-08-01/items/" + url.PathEscape(sellerID) + "/" + url.PathEscape(sku)
}

func (c *listingsClient) get(ctx context.Context, sellerID, marketplaceID, sku string) (*listingState, error) {
	var out struct {
		Summaries []struct {
			MarketplaceID string `json:"marketplaceId"`
			ProductType   string `json:"productType"`
		} `json:"summaries"`
		Offers []struct {
			MarketplaceID string `json:"marketplaceId"`
			Price         struct {
				CurrencyCode string `json:"currencyCode"`
				Amount       string `json:"amount"`
			} `json:"price"`
		} `json:"offers"`
		FulfillmentAvailability []struct {
			FulfillmentChannelCode string `json:"fulfillmentChannelCode"`
			Quantity               *int   `json:"quantity"`
		} `json:"fulfillmentAvailability"`
	}
	_, err := c.client.Do(ctx, &spapi.Request{
		Operation: "listings.getListingsItem", Method: http.MethodGet, Path: listingPath(sellerID, sku),
		Query:    url.Values{"marketplaceIds": {marketplaceID}, "includedData": {"summaries,offers,fulfillmentAvailability"}},
		SellerID: sellerID, MarketplaceID: marketplaceID,
	}, &out)
	if err != nil {
		return nil, err
	}
	st := &listingState{quantity: -1}
	for _, s := range out.Summaries {
		if s.MarketplaceID == marketplaceID || st.productType == "" {
			st.productType = s.ProductType
		}
	}
	for _, o := range out.Offers {
		if o.MarketplaceID == marketplaceID {
			st.price = Money{CurrencyCode: o.Price.CurrencyCode, Amount: o.Price.Amount}
		}
	}
	for _, fa := range out.FulfillmentAvailability {
		if fa.FulfillmentChannelCode == listings.ChannelDefault && fa.Quantity != nil {
			st.quantity = *fa.Quantity
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

// patch sends a patchListingsItem, or its validation preview, and turns a
// 200 response that is not ACCEPTED, or that carries ERROR issues, into a
// *ListingError. ACCEPTED means Amazon queued the change: it is applied
// asynchronously.
func (c *listingsClient) patch(ctx context.Context, sellerID, marketplaceID, sku, productType string, preview bool, patches ...listings.Patch) (string, error) {
	q := url.Values{"marketplaceIds": {marketplaceID}}
	if preview {
		q.Set("mode", "VALIDATION_PREVIEW")
	}
	var out struct {
		Status       string `json:"status"`
		SubmissionID string `json:"submissionId"`
		Issues       []struct {
			Code           string   `json:"code"`
			Message        string   `json:"message"`
			Severity       string   `json:"severity"`
			AttributeNames []string `json:"attributeNames"`
		} `json:"issues"`
	}
	_, err := c.client.Do(ctx, &spapi.Request{
		Operation: "listings.patchListingsItem", Method: http.MethodPatch, Path: listingPath(sellerID, sku), Query: q,
		SellerID: sellerID, MarketplaceID: marketplaceID,
		Body: map[string]any{"productType": productType, "patches": patches},
		// Replacing an attribute with the same value twice changes
		// nothing, so the call may be repeated after a lost response.
		Idempotent: true,
	}, &out)
	if err != nil {
		return "", err
	}
	issues := make([]ListingIssue, len(out.Issues))
	failed := out.Status != "ACCEPTED" && !(preview && out.Status == "VALID")
	for i, is := range out.Issues {
		issues[i] = ListingIssue{Code: is.Code, Message: is.Message, Severity: is.Severity, Attributes: is.AttributeNames}
		if is.Severity == "ERROR" {
			failed = true
		}
	}
	if failed {
		return out.SubmissionID, &ListingError{SKU: sku, Status: out.Status, Issues: slices.Clip(issues)}
	}
	return out.SubmissionID, nil
}
