package feeds

import (
	"encoding/json"
	"fmt"

	"github.com/hidemont/spkit/spapi/listings"
)

// Feed types spkit builds.
const (
	TypeJSONListings         = "JSON_LISTINGS_FEED"
	TypeOrderFulfillment     = "POST_ORDER_FULFILLMENT_DATA"
	TypeOrderAcknowledgement = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
)

// Content types of the feeds spkit builds.
const (
	ContentTypeJSON = "application/json; charset=UTF-8"
	ContentTypeXML  = "text/xml; charset=UTF-8"
)

// MaxListingsMessages is the largest number of messages a JSON listings feed
// may hold, from Amazon's listings feed schema version 2.0.
const MaxListingsMessages = 25000

// Listings feed operation types.
const (
	OperationPatch         = "PATCH"
	OperationPartialUpdate = "PARTIAL_UPDATE"
	OperationUpdate        = "UPDATE"
	OperationDelete        = "DELETE"
)

// ListingsFeed builds a JSON_LISTINGS_FEED document (schema version 2.0).
// Add messages with [ListingsFeed.Patch] and [ListingsFeed.Delete], which
// number them 1, 2, 3 and so on, then encode it with
// [ListingsFeed.MarshalJSON]. The zero value is not usable: SellerID is
// required.
type ListingsFeed struct {
	SellerID    string
	IssueLocale string // optional, such as en_US
	Messages    []ListingsMessage
}

// ListingsMessage is one message of a listings feed.
type ListingsMessage struct {
	MessageID     int              `json:"messageId"`
	SKU           string           `json:"sku"`
	OperationType string           `json:"operationType"`
	ProductType   string           `json:"productType,omitempty"`
	Patches       []listings.Patch `json:"patches,omitempty"`
}

// Patch adds a PATCH message for sku and returns its message ID.
func (f *ListingsFeed) Patch(sku, productType string, patches ...listings.Patch) int {
	id := len(f.Messages) + 1
	f.Messages = append(f.Messages, ListingsMessage{
		MessageID: id, SKU: sku, OperationType: OperationPatch, ProductType: productType, Patches: patches,
	})
	return id
}

// Delete adds a DELETE message for sku and returns its message ID.
func (f *ListingsFeed) Delete(sku string) int {
	id := len(f.Messages) + 1
	f.Messages = append(f.Messages, ListingsMessage{MessageID: id, SKU: sku, OperationType: OperationDelete})
	return id
}

// Validate checks what Amazon would reject the whole feed for: a missing
// seller ID, no messages or too many, message IDs that are not unique and
// positive, and PATCH messages without a product type or patches.
func (f *ListingsFeed) Validate() error {
	if f.SellerID == "" {
		return fmt.Errorf("feeds: listings feed: missing seller ID")
	}
	if len(f.Messages) == 0 || len(f.Messages) > MaxListingsMessages {
		return fmt.Errorf("feeds: listings feed has %d messages: must have 1 to %d", len(f.Messages), MaxListingsMessages)
	}
	seen := make(map[int]bool, len(f.Messages))
	for _, m := range f.Messages {
		if m.MessageID <= 0 || seen[m.MessageID] {
			return fmt.Errorf("feeds: listings feed message ID %d: must be positive and unique", m.MessageID)
		}
		seen[m.MessageID] = true
		if m.SKU == "" {
			return fmt.Errorf("feeds: listings feed message %d: missing SKU", m.MessageID)
		}
		if m.OperationType == OperationPatch && (m.ProductType == "" || len(m.Patches) == 0) {
			return fmt.Errorf("feeds: listings feed message %d: a PATCH needs a product type and at least one patch", m.MessageID)
		}
	}
	return nil
}

// MarshalJSON validates the feed and encodes it as a feed document.
func (f *ListingsFeed) MarshalJSON() ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	type header struct {
		SellerID    string `json:"sellerId"`
		Version     string `json:"version"`
		IssueLocale string `json:"issueLocale,omitempty"`
	}
	return json.Marshal(struct {
		Header   header            `json:"header"`
		Messages []ListingsMessage `json:"messages"`
	}{header{f.SellerID, "2.0", f.IssueLocale}, f.Messages})
}
