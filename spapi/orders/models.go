package orders

import (
	"time"

	"github.com/hidemont/spkit/pii"
)

// Amount is an amount in a currency as the 2026-01-01 Orders API sends it.
// Amount is a decimal string, kept as text so that no precision is lost.
type Amount struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

// Order is an order as returned by the 2026-01-01 Orders API. Buyer and
// Recipient are only set when the request asked for them with
// [IncludeBuyer] and [IncludeRecipient] and the application holds the roles
// for them.
type Order struct {
	OrderID          string            `json:"orderId"`
	OrderAliases     []Alias           `json:"orderAliases,omitempty"`
	CreatedTime      time.Time         `json:"createdTime"`
	LastUpdatedTime  time.Time         `json:"lastUpdatedTime"`
	Programs         []string          `json:"programs,omitempty"`
	AssociatedOrders []AssociatedOrder `json:"associatedOrders,omitempty"`
	SalesChannel     SalesChannel      `json:"salesChannel"`
	Buyer            *Buyer            `json:"buyer,omitempty"`
	Recipient        *Recipient        `json:"recipient,omitempty"`
	Proceeds         *OrderProceeds    `json:"proceeds,omitempty"`
	Fulfillment      *OrderFulfillment `json:"fulfillment,omitempty"`
	OrderItems       []OrderItem       `json:"orderItems"`
	Packages         []Package         `json:"packages,omitempty"`
}

// Alias is another identifier of an order, such as the seller's own.
type Alias struct {
	AliasID   string `json:"aliasId"`
	AliasType string `json:"aliasType"`
}

// AssociatedOrder links an order to another one, such as a replacement.
type AssociatedOrder struct {
	OrderID         string `json:"orderId,omitempty"`
	AssociationType string `json:"associationType,omitempty"`
}

// SalesChannel is the marketplace and channel of an order.
type SalesChannel struct {
	ChannelName     string `json:"channelName"`
	MarketplaceID   string `json:"marketplaceId,omitempty"`
	MarketplaceName string `json:"marketplaceName,omitempty"`
}

// Buyer is the buyer of an order. Every field that can identify a person
// is a pii type.
type Buyer struct {
	BuyerName                pii.BuyerName `json:"buyerName"`
	BuyerEmail               pii.Email     `json:"buyerEmail"`
	BuyerCompanyName         pii.BuyerName `json:"buyerCompanyName"`
	BuyerPurchaseOrderNumber string        `json:"buyerPurchaseOrderNumber,omitempty"`
}

// Recipient is who receives an order. DeliveryAddress includes the
// recipient's name, company and phone.
type Recipient struct {
	DeliveryAddress    pii.Address         `json:"deliveryAddress"`
	DeliveryPreference *DeliveryPreference `json:"deliveryPreference,omitempty"`
}

// DeliveryPreference holds the non-identifying delivery preferences of a
// recipient. Free-text instructions are not decoded because they can
// contain personal data that fulfilment does not need.
type DeliveryPreference struct {
	DeliveryCapabilities []string `json:"deliveryCapabilities,omitempty"`
}

// OrderProceeds is the seller's revenue for an order.
type OrderProceeds struct {
	GrandTotal *Amount `json:"grandTotal,omitempty"`
}

// OrderFulfillment is the fulfilment state of an order.
type OrderFulfillment struct {
	FulfillmentStatus       string         `json:"fulfillmentStatus"`
	FulfilledBy             string         `json:"fulfilledBy,omitempty"`
	FulfillmentServiceLevel string         `json:"fulfillmentServiceLevel,omitempty"`
	ShipByWindow            *DateTimeRange `json:"shipByWindow,omitempty"`
	DeliverByWindow         *DateTimeRange `json:"deliverByWindow,omitempty"`
}

// DateTimeRange is a window between two instants; either end can be zero.
type DateTimeRange struct {
	EarliestDateTime time.Time `json:"earliestDateTime,omitzero"`
	LatestDateTime   time.Time `json:"latestDateTime,omitzero"`
}

// Fulfillment statuses of the 2026-01-01 Orders API.
const (
	StatusPendingAvailability = "PENDING_AVAILABILITY"
	StatusPending             = "PENDING"
	StatusUnshipped           = "UNSHIPPED"
	StatusPartiallyShipped    = "PARTIALLY_SHIPPED"
	StatusShipped             = "SHIPPED"
	StatusCancelled           = "CANCELLED"
	StatusUnfulfillable       = "UNFULFILLABLE"
)

// OrderItem is an item of a 2026-01-01 order.
type OrderItem struct {
	OrderItemID     string            `json:"orderItemId"`
	QuantityOrdered int               `json:"quantityOrdered"`
	Programs        []string          `json:"programs,omitempty"`
	Product         ItemProduct       `json:"product"`
	Proceeds        *ItemProceeds     `json:"proceeds,omitempty"`
	Cancellation    *ItemCancellation `json:"cancellation,omitempty"`
	Fulfillment     *ItemFulfillment  `json:"fulfillment,omitempty"`
}

// ItemProduct describes what was ordered.
type ItemProduct struct {
	ASIN          string             `json:"asin,omitempty"`
	Title         string             `json:"title,omitempty"`
	SellerSKU     string             `json:"sellerSku,omitempty"`
	Condition     *ItemCondition     `json:"condition,omitempty"`
	Price         *ItemPrice         `json:"price,omitempty"`
	SerialNumbers []string           `json:"serialNumbers,omitempty"`
	Customization *ItemCustomization `json:"customization,omitempty"`
}

// ItemCondition is the condition of an item.
type ItemCondition struct {
	ConditionType    string `json:"conditionType,omitempty"`
	ConditionSubtype string `json:"conditionSubtype,omitempty"`
}

// ItemPrice is the unit price of an item.
type ItemPrice struct {
	UnitPrice        *Amount `json:"unitPrice,omitempty"`
	PriceDesignation string  `json:"priceDesignation,omitempty"`
}

// ItemCustomization holds the URL of the item's Amazon Custom
// customisation zip, which is empty or missing when there is none.
type ItemCustomization struct {
	CustomizedURL pii.Personalization `json:"customizedUrl"`
}

// ItemProceeds is the seller's revenue for an item.
type ItemProceeds struct {
	ProceedsTotal *Amount `json:"proceedsTotal,omitempty"`
}

// ItemCancellation reports a cancellation request or its execution.
type ItemCancellation struct {
	CancellationRequest *struct {
		Requester    string `json:"requester,omitempty"`
		CancelReason string `json:"cancelReason,omitempty"`
	} `json:"cancellationRequest,omitempty"`
}

// ItemFulfillment is the fulfilment state of an item.
type ItemFulfillment struct {
	QuantityFulfilled   int          `json:"quantityFulfilled"`
	QuantityUnfulfilled int          `json:"quantityUnfulfilled"`
	Packing             *ItemPacking `json:"packing,omitempty"`
}

// ItemPacking holds the gift options of an item.
type ItemPacking struct {
	GiftOption *GiftOption `json:"giftOption,omitempty"`
}

// GiftOption is a gift message and wrap level.
type GiftOption struct {
	GiftMessage   pii.GiftMessage `json:"giftMessage"`
	GiftWrapLevel string          `json:"giftWrapLevel,omitempty"`
}

// Package is a shipped package of an order.
type Package struct {
	PackageReferenceID string         `json:"packageReferenceId"`
	CreatedTime        time.Time      `json:"createdTime,omitzero"`
	PackageStatus      *PackageStatus `json:"packageStatus,omitempty"`
	Carrier            string         `json:"carrier,omitempty"`
	ShipTime           time.Time      `json:"shipTime,omitzero"`
	ShippingService    string         `json:"shippingService,omitempty"`
	TrackingNumber     string         `json:"trackingNumber,omitempty"`
	PackageItems       []PackageItem  `json:"packageItems,omitempty"`
}

// PackageStatus is the delivery state of a package.
type PackageStatus struct {
	Status         string `json:"status"`
	DetailedStatus string `json:"detailedStatus,omitempty"`
}

// PackageItem is an item and quantity inside a package.
type PackageItem struct {
	OrderItemID string `json:"orderItemId"`
	Quantity    int    `json:"quantity"`
}

// CustomizedURL returns the item's customisation URL, or a zero value when
// the item has none.
func (it OrderItem) CustomizedURL() pii.Personalization {
	if it.Product.Customization == nil {
		return pii.Personalization{}
	}
	return it.Product.Customization.CustomizedURL
}

// GiftMessage returns the item's gift message, or a zero value.
func (it OrderItem) GiftMessage() pii.GiftMessage {
	if it.Fulfillment == nil || it.Fulfillment.Packing == nil || it.Fulfillment.Packing.GiftOption == nil {
		return pii.GiftMessage{}
	}
	return it.Fulfillment.Packing.GiftOption.GiftMessage
}
