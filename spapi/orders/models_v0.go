package orders

import (
	"encoding/json"
	"time"

	"github.com/hidemont/spkit/spapi/internal/jsonx"

	"github.com/hidemont/spkit/pii"
)

// Money is an amount in a currency. Amount is the decimal string Amazon
// sends, kept as text so that no precision is lost.
type Money struct {
	CurrencyCode string `json:"CurrencyCode,omitempty"`
	Amount       string `json:"Amount,omitempty"`
}

// OrderV0 is an order as returned by the v0 Orders API. Dates are UTC.
// ShippingAddress, BuyerInfo and BuyerTaxInformation are only present when
// the call was made with a Restricted Data Token covering them.
type OrderV0 struct {
	AmazonOrderID                string                  `json:"AmazonOrderId"`
	SellerOrderID                string                  `json:"SellerOrderId,omitempty"`
	PurchaseDate                 time.Time               `json:"PurchaseDate"`
	LastUpdateDate               time.Time               `json:"LastUpdateDate"`
	OrderStatus                  string                  `json:"OrderStatus"`
	FulfillmentChannel           string                  `json:"FulfillmentChannel,omitempty"`
	SalesChannel                 string                  `json:"SalesChannel,omitempty"`
	OrderChannel                 string                  `json:"OrderChannel,omitempty"`
	ShipServiceLevel             string                  `json:"ShipServiceLevel,omitempty"`
	OrderTotal                   *Money                  `json:"OrderTotal,omitempty"`
	NumberOfItemsShipped         int                     `json:"NumberOfItemsShipped"`
	NumberOfItemsUnshipped       int                     `json:"NumberOfItemsUnshipped"`
	PaymentMethod                string                  `json:"PaymentMethod,omitempty"`
	PaymentMethodDetails         []string                `json:"PaymentMethodDetails,omitempty"`
	MarketplaceID                string                  `json:"MarketplaceId,omitempty"`
	ShipmentServiceLevelCategory string                  `json:"ShipmentServiceLevelCategory,omitempty"`
	EasyShipShipmentStatus       string                  `json:"EasyShipShipmentStatus,omitempty"`
	OrderType                    string                  `json:"OrderType,omitempty"`
	EarliestShipDate             *time.Time              `json:"EarliestShipDate,omitempty"`
	LatestShipDate               *time.Time              `json:"LatestShipDate,omitempty"`
	EarliestDeliveryDate         *time.Time              `json:"EarliestDeliveryDate,omitempty"`
	LatestDeliveryDate           *time.Time              `json:"LatestDeliveryDate,omitempty"`
	IsBusinessOrder              bool                    `json:"IsBusinessOrder"`
	IsPrime                      bool                    `json:"IsPrime"`
	IsPremiumOrder               bool                    `json:"IsPremiumOrder"`
	IsGlobalExpressEnabled       bool                    `json:"IsGlobalExpressEnabled"`
	IsReplacementOrder           bool                    `json:"IsReplacementOrder"`
	ReplacedOrderID              string                  `json:"ReplacedOrderId,omitempty"`
	IsSoldByAB                   bool                    `json:"IsSoldByAB"`
	IsIBA                        bool                    `json:"IsIBA"`
	IsISPU                       bool                    `json:"IsISPU"`
	IsAccessPointOrder           bool                    `json:"IsAccessPointOrder"`
	HasRegulatedItems            bool                    `json:"HasRegulatedItems"`
	DefaultShipFromLocation      *SellerAddress          `json:"DefaultShipFromLocationAddress,omitempty"`
	FulfillmentInstruction       *FulfillmentInstruction `json:"FulfillmentInstruction,omitempty"`
	BuyerInvoicePreference       string                  `json:"BuyerInvoicePreference,omitempty"`
	ElectronicInvoiceStatus      string                  `json:"ElectronicInvoiceStatus,omitempty"`
	SellerDisplayName            string                  `json:"SellerDisplayName,omitempty"`

	// ShippingAddress is the buyer's delivery address, name and phone included.
	ShippingAddress pii.Address `json:"ShippingAddress"`
	// BuyerInfo is the buyer's name, e-mail and tax details.
	BuyerInfo *BuyerInfo `json:"BuyerInfo,omitempty"`
	// BuyerTaxInformation is the business buyer's tax registration.
	BuyerTaxInformation pii.TaxInfo `json:"BuyerTaxInformation"`
}

// SellerAddress is the seller's own ship-from address. It is not buyer
// data, so it is kept in clear.
type SellerAddress struct {
	Name          string `json:"Name,omitempty"`
	AddressLine1  string `json:"AddressLine1,omitempty"`
	AddressLine2  string `json:"AddressLine2,omitempty"`
	AddressLine3  string `json:"AddressLine3,omitempty"`
	City          string `json:"City,omitempty"`
	County        string `json:"County,omitempty"`
	District      string `json:"District,omitempty"`
	StateOrRegion string `json:"StateOrRegion,omitempty"`
	PostalCode    string `json:"PostalCode,omitempty"`
	CountryCode   string `json:"CountryCode,omitempty"`
	Phone         string `json:"Phone,omitempty"`
	AddressType   string `json:"AddressType,omitempty"`
}

// FulfillmentInstruction names the supply source an order ships from.
type FulfillmentInstruction struct {
	FulfillmentSupplySourceID string `json:"FulfillmentSupplySourceId,omitempty"`
}

// BuyerInfo is the buyer data of a v0 order.
type BuyerInfo struct {
	AmazonOrderID       string        `json:"AmazonOrderId,omitempty"`
	BuyerEmail          pii.Email     `json:"BuyerEmail"`
	BuyerName           pii.BuyerName `json:"BuyerName"`
	BuyerTaxInfo        pii.TaxInfo   `json:"BuyerTaxInfo"`
	PurchaseOrderNumber string        `json:"PurchaseOrderNumber,omitempty"`
}

// OrderAddressV0 is the result of getOrderAddress.
type OrderAddressV0 struct {
	AmazonOrderID    string        `json:"AmazonOrderId"`
	BuyerCompanyName pii.BuyerName `json:"BuyerCompanyName"`
	ShippingAddress  pii.Address   `json:"ShippingAddress"`
}

// OrderItemV0 is an order item as returned by the v0 Orders API.
type OrderItemV0 struct {
	ASIN                   string                `json:"ASIN"`
	SellerSKU              string                `json:"SellerSKU,omitempty"`
	OrderItemID            string                `json:"OrderItemId"`
	Title                  string                `json:"Title,omitempty"`
	QuantityOrdered        int                   `json:"QuantityOrdered"`
	QuantityShipped        int                   `json:"QuantityShipped"`
	ItemPrice              *Money                `json:"ItemPrice,omitempty"`
	ShippingPrice          *Money                `json:"ShippingPrice,omitempty"`
	ItemTax                *Money                `json:"ItemTax,omitempty"`
	ShippingTax            *Money                `json:"ShippingTax,omitempty"`
	PromotionDiscount      *Money                `json:"PromotionDiscount,omitempty"`
	PromotionIDs           []string              `json:"PromotionIds,omitempty"`
	ConditionID            string                `json:"ConditionId,omitempty"`
	ConditionSubtypeID     string                `json:"ConditionSubtypeId,omitempty"`
	ConditionNote          string                `json:"ConditionNote,omitempty"`
	IsTransparency         bool                  `json:"IsTransparency"`
	SerialNumberRequired   bool                  `json:"SerialNumberRequired"`
	SerialNumbers          []string              `json:"SerialNumbers,omitempty"`
	IossNumber             string                `json:"IossNumber,omitempty"`
	DeemedResellerCategory string                `json:"DeemedResellerCategory,omitempty"`
	StoreChainStoreID      string                `json:"StoreChainStoreId,omitempty"`
	BuyerRequestedCancel   *BuyerRequestedCancel `json:"BuyerRequestedCancel,omitempty"`

	// IsGift is true when Amazon marked the item as a gift. Amazon sends it
	// as the string "true" or "false".
	IsGift bool `json:"-"`

	// BuyerInfo carries the customisation URL and gift message; it is only
	// present when the call was made with a Restricted Data Token.
	BuyerInfo *ItemBuyerInfo `json:"BuyerInfo,omitempty"`
}

// BuyerRequestedCancel reports a buyer's cancellation request.
type BuyerRequestedCancel struct {
	IsBuyerRequestedCancel bool   `json:"-"`
	BuyerCancelReason      string `json:"BuyerCancelReason,omitempty"`
}

// ItemBuyerInfo is the buyer data of an order item: the Amazon Custom
// customisation URL and the gift message.
type ItemBuyerInfo struct {
	OrderItemID         string               `json:"OrderItemId,omitempty"`
	BuyerCustomizedInfo *BuyerCustomizedInfo `json:"BuyerCustomizedInfo,omitempty"`
	GiftWrapPrice       *Money               `json:"GiftWrapPrice,omitempty"`
	GiftWrapTax         *Money               `json:"GiftWrapTax,omitempty"`
	GiftMessageText     pii.GiftMessage      `json:"GiftMessageText"`
	GiftWrapLevel       string               `json:"GiftWrapLevel,omitempty"`
}

// BuyerCustomizedInfo holds the URL of an Amazon Custom customisation zip.
// The URL is empty or missing for items without customisation.
type BuyerCustomizedInfo struct {
	CustomizedURL pii.Personalization `json:"CustomizedURL"`
}

// CustomizedURL returns the item's customisation URL, or a zero value when
// the item has none.
func (it OrderItemV0) CustomizedURL() pii.Personalization {
	if it.BuyerInfo == nil || it.BuyerInfo.BuyerCustomizedInfo == nil {
		return pii.Personalization{}
	}
	return it.BuyerInfo.BuyerCustomizedInfo.CustomizedURL
}

// UnmarshalJSON decodes an order item, accepting IsGift as a string or a
// boolean.
func (it *OrderItemV0) UnmarshalJSON(b []byte) error {
	type plain OrderItemV0
	aux := struct {
		*plain
		IsGift jsonx.Bool `json:"IsGift"`
	}{plain: (*plain)(it)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	it.IsGift = bool(aux.IsGift)
	return nil
}

// UnmarshalJSON decodes a cancellation request, accepting
// IsBuyerRequestedCancel as a string or a boolean.
func (c *BuyerRequestedCancel) UnmarshalJSON(b []byte) error {
	type plain BuyerRequestedCancel
	aux := struct {
		*plain
		IsBuyerRequestedCancel jsonx.Bool `json:"IsBuyerRequestedCancel"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.IsBuyerRequestedCancel = bool(aux.IsBuyerRequestedCancel)
	return nil
}
