package finances

import (
	"encoding/json"
	"time"
)

// Currency is an amount of money. CurrencyAmount is Amazon's decimal, kept
// as json.Number so that no precision is lost.
type Currency struct {
	CurrencyCode   string      `json:"CurrencyCode"`
	CurrencyAmount json.Number `json:"CurrencyAmount"`
}

// FinancialEvents holds the event lists of the v0 API that spkit uses.
// Other lists are ignored.
type FinancialEvents struct {
	ShipmentEventList       []ShipmentEvent `json:"ShipmentEventList,omitempty"`
	RefundEventList         []ShipmentEvent `json:"RefundEventList,omitempty"`
	GuaranteeClaimEventList []ShipmentEvent `json:"GuaranteeClaimEventList,omitempty"`
	ChargebackEventList     []ShipmentEvent `json:"ChargebackEventList,omitempty"`
}

// ShipmentEvent is a shipment, refund, guarantee claim or chargeback.
// PostedDate is nil for events that Amazon has not posted yet.
type ShipmentEvent struct {
	AmazonOrderID    string         `json:"AmazonOrderId,omitempty"`
	SellerOrderID    string         `json:"SellerOrderId,omitempty"`
	MarketplaceName  string         `json:"MarketplaceName,omitempty"`
	PostedDate       *time.Time     `json:"PostedDate,omitempty"`
	OrderChargeList  []Charge       `json:"OrderChargeList,omitempty"`
	ShipmentFeeList  []Fee          `json:"ShipmentFeeList,omitempty"`
	ShipmentItemList []ShipmentItem `json:"ShipmentItemList,omitempty"`
	// ShipmentItemAdjustmentList holds the items of refunds.
	ShipmentItemAdjustmentList []ShipmentItem `json:"ShipmentItemAdjustmentList,omitempty"`
}

// ShipmentItem is an item of a shipment event with its charges and fees.
type ShipmentItem struct {
	SellerSKU                string   `json:"SellerSKU,omitempty"`
	OrderItemID              string   `json:"OrderItemId,omitempty"`
	OrderAdjustmentItemID    string   `json:"OrderAdjustmentItemId,omitempty"`
	QuantityShipped          int      `json:"QuantityShipped,omitempty"`
	ItemChargeList           []Charge `json:"ItemChargeList,omitempty"`
	ItemChargeAdjustmentList []Charge `json:"ItemChargeAdjustmentList,omitempty"`
	ItemFeeList              []Fee    `json:"ItemFeeList,omitempty"`
	ItemFeeAdjustmentList    []Fee    `json:"ItemFeeAdjustmentList,omitempty"`
}

// Charge is a charge such as Principal or Tax.
type Charge struct {
	ChargeType   string   `json:"ChargeType"`
	ChargeAmount Currency `json:"ChargeAmount"`
}

// Fee is a fee such as Commission.
type Fee struct {
	FeeType   string   `json:"FeeType"`
	FeeAmount Currency `json:"FeeAmount"`
}

// EventGroup is a financial event group: the events of one settlement
// period.
type EventGroup struct {
	FinancialEventGroupID    string    `json:"FinancialEventGroupId"`
	ProcessingStatus         string    `json:"ProcessingStatus,omitempty"`
	FundTransferStatus       string    `json:"FundTransferStatus,omitempty"`
	OriginalTotal            *Currency `json:"OriginalTotal,omitempty"`
	FundTransferDate         time.Time `json:"FundTransferDate,omitzero"`
	FinancialEventGroupStart time.Time `json:"FinancialEventGroupStart,omitzero"`
	FinancialEventGroupEnd   time.Time `json:"FinancialEventGroupEnd,omitzero"`
}

// Amount is an amount of money in the 2024-06-19 API.
type Amount struct {
	CurrencyCode   string      `json:"currencyCode"`
	CurrencyAmount json.Number `json:"currencyAmount"`
}

// Transaction is a transaction of the 2024-06-19 API.
type Transaction struct {
	SellingPartnerMetadata struct {
		SellingPartnerID string `json:"sellingPartnerId"`
		AccountType      string `json:"accountType"`
		MarketplaceID    string `json:"marketplaceId"`
	} `json:"sellingPartnerMetadata"`
	RelatedIdentifiers []RelatedIdentifier `json:"relatedIdentifiers,omitempty"`
	TransactionType    string              `json:"transactionType"`
	TransactionID      string              `json:"transactionId,omitempty"`
	TransactionStatus  string              `json:"transactionStatus,omitempty"`
	Description        string              `json:"description,omitempty"`
	PostedDate         time.Time           `json:"postedDate,omitzero"`
	TotalAmount        Amount              `json:"totalAmount"`
	MarketplaceDetails *struct {
		MarketplaceID   string `json:"marketplaceId"`
		MarketplaceName string `json:"marketplaceName"`
	} `json:"marketplaceDetails,omitempty"`
}

// RelatedIdentifier links a transaction to an order, shipment, refund or
// event group.
type RelatedIdentifier struct {
	RelatedIdentifierName  string `json:"relatedIdentifierName"`
	RelatedIdentifierValue string `json:"relatedIdentifierValue"`
}

// OrderID returns the ORDER_ID identifier of a transaction, or "".
func (t Transaction) OrderID() string {
	for _, r := range t.RelatedIdentifiers {
		if r.RelatedIdentifierName == "ORDER_ID" {
			return r.RelatedIdentifierValue
		}
	}
	return ""
}
