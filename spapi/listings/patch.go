package listings

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Patch is one JSON Patch operation on a listing's attributes. Op is
// "add", "replace", "merge" or "delete"; Value is always an array, because
// every listing attribute is.
type Patch struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Fulfilment channel codes for [QuantityPatch]. DEFAULT is the seller's own
// (merchant-fulfilled) channel.
const ChannelDefault = "DEFAULT"

// FulfillmentAvailability is an element of the fulfillment_availability
// attribute.
type FulfillmentAvailability struct {
	FulfillmentChannelCode string `json:"fulfillment_channel_code"`
	Quantity               int    `json:"quantity"`
}

// QuantityPatch returns a patch that sets the merchant-fulfilled quantity
// of a listing. A negative quantity is an error.
func QuantityPatch(quantity int) (Patch, error) {
	if quantity < 0 {
		return Patch{}, fmt.Errorf("listings: invalid quantity %d: must not be negative", quantity)
	}
	return Patch{
		Op:   "replace",
		Path: "/attributes/fulfillment_availability",
		Value: []FulfillmentAvailability{{
			FulfillmentChannelCode: ChannelDefault,
			Quantity:               quantity,
		}},
	}, nil
}

// PurchasableOffer is an element of the purchasable_offer attribute.
type PurchasableOffer struct {
	MarketplaceID string          `json:"marketplace_id"`
	Currency      string          `json:"currency"`
	OurPrice      []PriceSchedule `json:"our_price"`
}

// PriceSchedule is an element of our_price.
type PriceSchedule struct {
	Schedule []ScheduledPrice `json:"schedule"`
}

// ScheduledPrice is a price including tax where the marketplace shows
// prices with tax.
type ScheduledPrice struct {
	ValueWithTax float64 `json:"value_with_tax"`
}

// PricePatch returns a patch that sets a listing's price in one marketplace.
// price is a decimal string such as "19.99" with at most two decimals, so
// that no binary rounding changes it before it is sent.
func PricePatch(marketplaceID, currency, price string) (Patch, error) {
	if marketplaceID == "" {
		return Patch{}, fmt.Errorf("listings: missing marketplace ID for the price patch")
	}
	if len(currency) != 3 || strings.ToUpper(currency) != currency {
		return Patch{}, fmt.Errorf("listings: invalid currency %q: must be an ISO 4217 code such as EUR", currency)
	}
	value, err := parsePrice(price)
	if err != nil {
		return Patch{}, err
	}
	return Patch{
		Op:   "replace",
		Path: "/attributes/purchasable_offer",
		Value: []PurchasableOffer{{
			MarketplaceID: marketplaceID,
			Currency:      currency,
			OurPrice:      []PriceSchedule{{Schedule: []ScheduledPrice{{ValueWithTax: value}}}},
		}},
	}, nil
}

// maxPriceDigits bounds the digits of a price. A float64 keeps every decimal
// of up to 15 significant digits, so such a price is sent as it was written.
const maxPriceDigits = 15

func parsePrice(s string) (float64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	// Only ASCII digits are checked here, because strconv.ParseFloat also
	// accepts "NaN", "Inf", hexadecimal floats and underscores.
	if whole == "" || len(frac) > 2 || len(whole)+len(frac) > maxPriceDigits || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("listings: invalid price %q: use a positive decimal of at most %d digits with at most two decimals, such as 19.99", s, maxPriceDigits)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("listings: invalid price %q: use a positive decimal with at most two decimals, such as 19.99", s)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
