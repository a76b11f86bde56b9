package mfn

import (
	"encoding/json"

	"github.com/hidemont/spkit/pii"
)

// Address is a seller's ship-from address. Merchant Fulfillment needs its
// name, e-mail and phone; they belong to the seller, not to a buyer.
type Address struct {
	Name                string `json:"Name"`
	AddressLine1        string `json:"AddressLine1"`
	AddressLine2        string `json:"AddressLine2,omitempty"`
	AddressLine3        string `json:"AddressLine3,omitempty"`
	DistrictOrCounty    string `json:"DistrictOrCounty,omitempty"`
	Email               string `json:"Email"`
	City                string `json:"City"`
	StateOrProvinceCode string `json:"StateOrProvinceCode,omitempty"`
	PostalCode          string `json:"PostalCode"`
	CountryCode         string `json:"CountryCode"`
	Phone               string `json:"Phone"`
}

// Item is an order item and quantity in a shipment.
type Item struct {
	OrderItemID          string   `json:"OrderItemId"`
	Quantity             int      `json:"Quantity"`
	ItemWeight           *Weight  `json:"ItemWeight,omitempty"`
	ItemDescription      string   `json:"ItemDescription,omitempty"`
	TransparencyCodeList []string `json:"TransparencyCodeList,omitempty"`
	IsHazmat             *bool    `json:"IsHazmat,omitempty"`
}

// Units of length and weight Merchant Fulfillment accepts.
const (
	UnitInches      = "inches"
	UnitCentimeters = "centimeters"
	UnitOunces      = "oz"
	UnitGrams       = "g"
)

// PackageDimensions are a package's dimensions, or the name of a predefined
// carrier package.
type PackageDimensions struct {
	Length                      float64 `json:"Length,omitempty"`
	Width                       float64 `json:"Width,omitempty"`
	Height                      float64 `json:"Height,omitempty"`
	Unit                        string  `json:"Unit,omitempty"`
	PredefinedPackageDimensions string  `json:"PredefinedPackageDimensions,omitempty"`
}

// Weight is a weight in UnitOunces or UnitGrams.
type Weight struct {
	Value float64 `json:"Value"`
	Unit  string  `json:"Unit"`
}

// CurrencyAmount is an amount of money. Merchant Fulfillment sends it as a
// JSON number.
type CurrencyAmount struct {
	CurrencyCode string  `json:"CurrencyCode"`
	Amount       float64 `json:"Amount"`
}

// ShippingServiceOptions are the delivery options of a request.
type ShippingServiceOptions struct {
	DeliveryExperience      string          `json:"DeliveryExperience"`
	DeclaredValue           *CurrencyAmount `json:"DeclaredValue,omitempty"`
	CarrierWillPickUp       bool            `json:"CarrierWillPickUp"`
	CarrierWillPickUpOption string          `json:"CarrierWillPickUpOption,omitempty"`
	LabelFormat             string          `json:"LabelFormat,omitempty"`
}

// LabelCustomization adds text or the order ID to a label.
type LabelCustomization struct {
	CustomTextForLabel string `json:"CustomTextForLabel,omitempty"`
	StandardIDForLabel string `json:"StandardIdForLabel,omitempty"`
}

// ShipmentRequestDetails describes the shipment to price or buy.
type ShipmentRequestDetails struct {
	AmazonOrderID          string                 `json:"AmazonOrderId"`
	SellerOrderID          string                 `json:"SellerOrderId,omitempty"`
	ItemList               []Item                 `json:"ItemList"`
	ShipFromAddress        Address                `json:"ShipFromAddress"`
	PackageDimensions      PackageDimensions      `json:"PackageDimensions"`
	Weight                 Weight                 `json:"Weight"`
	MustArriveByDate       string                 `json:"MustArriveByDate,omitempty"`
	ShipDate               string                 `json:"ShipDate,omitempty"`
	ShippingServiceOptions ShippingServiceOptions `json:"ShippingServiceOptions"`
	LabelCustomization     *LabelCustomization    `json:"LabelCustomization,omitempty"`
}

// ShippingOfferingFilter narrows the services getEligibleShipmentServices
// returns.
type ShippingOfferingFilter struct {
	IncludePackingSlipWithLabel   *bool  `json:"IncludePackingSlipWithLabel,omitempty"`
	IncludeComplexShippingOptions *bool  `json:"IncludeComplexShippingOptions,omitempty"`
	CarrierWillPickUp             string `json:"CarrierWillPickUp,omitempty"`
	DeliveryExperience            string `json:"DeliveryExperience,omitempty"`
}

// EligibleServicesRequest is the body of getEligibleShipmentServices.
type EligibleServicesRequest struct {
	ShipmentRequestDetails ShipmentRequestDetails  `json:"ShipmentRequestDetails"`
	ShippingOfferingFilter *ShippingOfferingFilter `json:"ShippingOfferingFilter,omitempty"`
}

// EligibleServices is the result of getEligibleShipmentServices.
type EligibleServices struct {
	ShippingServiceList                      []ShippingService         `json:"ShippingServiceList"`
	RejectedShippingServiceList              []RejectedShippingService `json:"RejectedShippingServiceList,omitempty"`
	TemporarilyUnavailableCarrierList        []CarrierName             `json:"TemporarilyUnavailableCarrierList,omitempty"`
	TermsAndConditionsNotAcceptedCarrierList []CarrierName             `json:"TermsAndConditionsNotAcceptedCarrierList,omitempty"`
}

// CarrierName names a carrier.
type CarrierName struct {
	CarrierName string `json:"CarrierName"`
}

// ShippingService is a service offer that can be bought.
type ShippingService struct {
	ShippingServiceName            string                 `json:"ShippingServiceName"`
	CarrierName                    string                 `json:"CarrierName"`
	ShippingServiceID              string                 `json:"ShippingServiceId"`
	ShippingServiceOfferID         string                 `json:"ShippingServiceOfferId"`
	ShipDate                       string                 `json:"ShipDate"`
	EarliestEstimatedDeliveryDate  string                 `json:"EarliestEstimatedDeliveryDate,omitempty"`
	LatestEstimatedDeliveryDate    string                 `json:"LatestEstimatedDeliveryDate,omitempty"`
	Rate                           CurrencyAmount         `json:"Rate"`
	ShippingServiceOptions         ShippingServiceOptions `json:"ShippingServiceOptions"`
	AvailableLabelFormats          []string               `json:"AvailableLabelFormats,omitempty"`
	RequiresAdditionalSellerInputs bool                   `json:"RequiresAdditionalSellerInputs"`
}

// RejectedShippingService is a service that cannot be used, with the reason.
type RejectedShippingService struct {
	CarrierName            string `json:"CarrierName"`
	ShippingServiceName    string `json:"ShippingServiceName"`
	ShippingServiceID      string `json:"ShippingServiceId"`
	RejectionReasonCode    string `json:"RejectionReasonCode"`
	RejectionReasonMessage string `json:"RejectionReasonMessage,omitempty"`
}

// LabelFormatOption requests a packing slip with the label.
type LabelFormatOption struct {
	IncludePackingSlipWithLabel bool `json:"IncludePackingSlipWithLabel"`
}

// CreateShipmentRequest is the body of createShipment.
type CreateShipmentRequest struct {
	ShipmentRequestDetails ShipmentRequestDetails `json:"ShipmentRequestDetails"`
	ShippingServiceID      string                 `json:"ShippingServiceId"`
	ShippingServiceOfferID string                 `json:"ShippingServiceOfferId,omitempty"`
	HazmatType             string                 `json:"HazmatType,omitempty"`
	LabelFormatOption      *LabelFormatOption     `json:"LabelFormatOption,omitempty"`
	// ShipmentLevelSellerInputsList carries the responses to
	// getAdditionalSellerInputs as Amazon's JSON objects.
	ShipmentLevelSellerInputsList []json.RawMessage `json:"ShipmentLevelSellerInputsList,omitempty"`
}

// Shipment is a bought Merchant Fulfillment shipment with its label.
type Shipment struct {
	ShipmentID      string  `json:"ShipmentId"`
	AmazonOrderID   string  `json:"AmazonOrderId"`
	SellerOrderID   string  `json:"SellerOrderId,omitempty"`
	ItemList        []Item  `json:"ItemList"`
	ShipFromAddress Address `json:"ShipFromAddress"`
	// ShipToAddress is the buyer's address.
	ShipToAddress     pii.Address       `json:"ShipToAddress"`
	PackageDimensions PackageDimensions `json:"PackageDimensions"`
	Weight            Weight            `json:"Weight"`
	Insurance         CurrencyAmount    `json:"Insurance"`
	ShippingService   ShippingService   `json:"ShippingService"`
	Label             Label             `json:"Label"`
	Status            string            `json:"Status"`
	TrackingID        string            `json:"TrackingId,omitempty"`
	CreatedDate       string            `json:"CreatedDate"`
	LastUpdatedDate   string            `json:"LastUpdatedDate,omitempty"`
}

// Shipment statuses.
const (
	StatusPurchased      = "Purchased"
	StatusRefundPending  = "RefundPending"
	StatusRefundRejected = "RefundRejected"
	StatusRefundApplied  = "RefundApplied"
)

// Label is a shipping label; decode its contents with [DecodeLabel].
type Label struct {
	CustomTextForLabel string          `json:"CustomTextForLabel,omitempty"`
	Dimensions         LabelDimensions `json:"Dimensions"`
	FileContents       FileContents    `json:"FileContents"`
	LabelFormat        string          `json:"LabelFormat,omitempty"`
	StandardIDForLabel string          `json:"StandardIdForLabel,omitempty"`
}

// LabelDimensions is the printed size of a label.
type LabelDimensions struct {
	Length float64 `json:"Length"`
	Width  float64 `json:"Width"`
	Unit   string  `json:"Unit"`
}

// FileContents is an encoded label document.
type FileContents struct {
	Contents string `json:"Contents"`
	FileType string `json:"FileType"`
	Checksum string `json:"Checksum"`
}

// AdditionalSellerInputsRequest is the body of getAdditionalSellerInputs.
type AdditionalSellerInputsRequest struct {
	ShippingServiceID string  `json:"ShippingServiceId"`
	ShipFromAddress   Address `json:"ShipFromAddress"`
	OrderID           string  `json:"OrderId"`
}
