package fulfillment

import (
	"time"

	"github.com/hidemont/spkit/pii"
)

// Order is an Amazon order as the ERP stores it: its non-personal facts in
// clear, its buyer data sealed under the key of its retention bucket, and its
// items with their linked personalisation.
//
// An Order never holds clear personal data. Buyer data is sealed the moment it
// arrives from SP-API, and only a pii.Revealer opens it again.
type Order struct {
	SellerID      string
	MarketplaceID string
	OrderID       string
	// Status is Amazon's order status: Pending, Unshipped, PartiallyShipped,
	// Shipped, Canceled, Unfulfillable, InvoiceUnconfirmed or
	// PendingAvailability.
	Status string
	// FulfillmentChannel is "MFN" (the seller ships) or "AFN" (Amazon ships).
	FulfillmentChannel string
	PurchaseDate       time.Time
	// LastUpdateDate is Amazon's last change to the order. Order sync keys its
	// cursor and its de-duplication on it.
	LastUpdateDate time.Time
	LatestShipDate time.Time
	IsBusiness     bool
	IsPrime        bool
	Total          Money
	// ShipTo holds the parts of the shipping address that SP-API returns
	// without restricted access and that shipping and tax need.
	ShipTo Destination
	// Source is the Orders API version the order was read from: SourceOrders
	// or SourceOrdersV0.
	Source string

	// BuyerData is whether Buyer contains data, and if not, why.
	BuyerData BuyerDataStatus
	// Bucket is the retention bucket whose data key sealed Buyer and the
	// items' gift messages and personalisation.
	Bucket string
	Buyer  SealedBuyer
	Index  BlindIndexes

	// ShippedAt is when the order's first package shipped, the anchor of the
	// buyer data's retention period. It is zero until then.
	ShippedAt time.Time

	Items []OrderItem

	// Revision counts the store's writes of the order. A store accepts a
	// write only when Revision equals the stored revision (zero for a new
	// order), then increments it, so two writers cannot overwrite each
	// other's changes unseen.
	Revision int64
}

// Sources of an order.
const (
	SourceOrders   = "orders/2026-01-01"
	SourceOrdersV0 = "orders/v0"
)

// Money is an amount in a currency, as Amazon sends it: a decimal string,
// kept as text so no rounding happens.
type Money struct {
	CurrencyCode string
	Amount       string
}

// Destination is the non-restricted part of a shipping address.
type Destination struct {
	CountryCode   string
	StateOrRegion string
	PostalCode    string
	City          string
}

// BuyerDataStatus is the state of an order's buyer data: stored, or why not.
type BuyerDataStatus string

// The states of an order's buyer data.
const (
	// BuyerDataAvailable means the buyer data Amazon returned is sealed in
	// the order. Parts Amazon did not return stay zero.
	BuyerDataAvailable BuyerDataStatus = "available"
	// BuyerDataNotProvided means Amazon shares no buyer data for the order,
	// as for pending, cancelled and Amazon-fulfilled orders.
	BuyerDataNotProvided BuyerDataStatus = "not_provided"
	// BuyerDataWithheld means Amazon refused the buyer data because the
	// application lacks the role or the restricted data token for it. Order
	// sync returns a *BuyerDataError with such orders.
	BuyerDataWithheld BuyerDataStatus = "withheld"
	// BuyerDataPurged means the retention runner cleared the buyer data.
	// Order sync does not fetch it again.
	BuyerDataPurged BuyerDataStatus = "purged"
)

// SealedBuyer holds an order's buyer data, each part sealed for storage. A
// zero envelope means Amazon did not return that part. Order sync fills
// Phone from the shipping address, where SP-API returns the buyer's phone.
type SealedBuyer struct {
	Name            pii.Envelope
	ShippingAddress pii.Envelope
	Phone           pii.Envelope
	Email           pii.Envelope
	TaxInfo         pii.Envelope
}

// BlindIndexes are keyed MACs of normalised buyer data, for finding an order
// by the buyer's name, phone, e-mail or address without storing them in
// clear. A nil index means the part is absent. The address index covers
// address line 1, postal code and country (see pii.BlindIndexOf).
type BlindIndexes struct {
	Name    []byte
	Phone   []byte
	Email   []byte
	Address []byte
}

// OrderItem is one line of an order.
type OrderItem struct {
	OrderItemID string
	SKU         string
	ASIN        string
	Title       string
	Quantity    int
	// QuantityShipped is the quantity Amazon reports as shipped.
	QuantityShipped int
	ItemPrice       Money
	// Customization is whether the item is an Amazon Custom item and
	// whether its personalisation is linked.
	Customization CustomizationStatus
	// GiftMessage is the buyer's gift message, sealed; zero when absent.
	GiftMessage pii.Envelope
	// Personalizations holds the item's linked personalisation, ordered by
	// unit and part. It is empty unless Customization is CustomizationLinked.
	Personalizations []Personalization
}

// CustomizationStatus is whether an order item carries Amazon Custom
// personalisation, and whether it is linked.
type CustomizationStatus string

// The customization states of an order item.
const (
	// CustomizationNone means the item is not customised: Amazon returned no
	// customization URL, or an empty one.
	CustomizationNone CustomizationStatus = "none"
	// CustomizationPending means the item is customised (Amazon returned a
	// customization URL) and its personalisation is not linked yet: it must
	// not be made.
	CustomizationPending CustomizationStatus = "pending"
	// CustomizationLinked means the item's personalisation was downloaded
	// and linked to each unit.
	CustomizationLinked CustomizationStatus = "linked"
	// CustomizationWithheld means the item is customised but Amazon withheld
	// the customization URL because the application lacks the role for
	// buyer data.
	CustomizationWithheld CustomizationStatus = "withheld"
	// CustomizationPurged means the retention runner cleared the
	// personalisation.
	CustomizationPurged CustomizationStatus = "purged"
)

// Personalization is the Amazon Custom text for one part of one unit of an
// order item, such as the initials embossed on the second of three wallets.
// It is bound to the order, the order item, the SKU, the ASIN and the unit, so
// the workshop makes each unit with its own text.
type Personalization struct {
	OrderID     string
	OrderItemID string
	SKU         string
	ASIN        string
	// Unit numbers the unit within the order item, from 1 to the item's
	// quantity.
	Unit int
	// Part names the customised area, such as "Front/Initials", unique
	// within the unit.
	Part string
	// Text is the buyer's text, sealed; zero when the part sets only
	// options such as a thread colour.
	Text pii.Envelope
	// Font, Color and Position describe how the text is applied, such as
	// "Serif", "Gold" and "Emboss". They are product options, not
	// personal data.
	Font     string
	Color    string
	Position string
	// Option is the value the buyer chose for an option part, such as a
	// thread colour or "Deboss"; empty for text parts.
	Option string
}

// Item returns the order item with the given ID, or false.
func (o *Order) Item(orderItemID string) (*OrderItem, bool) {
	for i := range o.Items {
		if o.Items[i].OrderItemID == orderItemID {
			return &o.Items[i], true
		}
	}
	return nil, false
}
