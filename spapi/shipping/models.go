package shipping

import (
	"encoding/json"
	"fmt"
	"time"
)

// Address is a ship-from, ship-to or return address in a request. A ship-to
// address is the buyer's personal data: fill it from a reveal just before
// the call and do not keep the request. For Amazon orders leave ShipTo nil
// and set ChannelDetails: Amazon fills the address itself.
type Address struct {
	Name          string `json:"name"`
	AddressLine1  string `json:"addressLine1"`
	AddressLine2  string `json:"addressLine2,omitempty"`
	AddressLine3  string `json:"addressLine3,omitempty"`
	CompanyName   string `json:"companyName,omitempty"`
	StateOrRegion string `json:"stateOrRegion"`
	City          string `json:"city"`
	CountryCode   string `json:"countryCode"`
	PostalCode    string `json:"postalCode"`
	Email         string `json:"email,omitempty"`
	PhoneNumber   string `json:"phoneNumber,omitempty"`
}

// Weight units.
const (
	UnitGram     = "GRAM"
	UnitKilogram = "KILOGRAM"
	UnitOunce    = "OUNCE"
	UnitPound    = "POUND"
)

// Length units.
const (
	UnitInch       = "INCH"
	UnitCentimeter = "CENTIMETER"
)

// Weight is a weight with one of the weight units.
type Weight struct {
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
}

// Dimensions are a package's dimensions.
type Dimensions struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Unit   string  `json:"unit"`
}

// Currency is an amount of money; Unit is the ISO 4217 code.
type Currency struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Item is an item in a package.
type Item struct {
	ItemValue      *Currency `json:"itemValue,omitempty"`
	Description    string    `json:"description,omitempty"`
	ItemIdentifier string    `json:"itemIdentifier,omitempty"`
	Quantity       int       `json:"quantity"`
	Weight         *Weight   `json:"weight,omitempty"`
	IsHazmat       *bool     `json:"isHazmat,omitempty"`
}

// Package is a package to ship.
type Package struct {
	Dimensions               Dimensions `json:"dimensions"`
	Weight                   Weight     `json:"weight"`
	InsuredValue             Currency   `json:"insuredValue"`
	IsHazmat                 *bool      `json:"isHazmat,omitempty"`
	SellerDisplayName        string     `json:"sellerDisplayName,omitempty"`
	PackageClientReferenceID string     `json:"packageClientReferenceId"`
	Items                    []Item     `json:"items"`
}

// Channel types.
const (
	ChannelAmazon   = "AMAZON"
	ChannelExternal = "EXTERNAL"
)

// ChannelDetails names the sales channel of the order and, for Amazon, the order ID.
type ChannelDetails struct {
	ChannelType        string              `json:"channelType"`
	AmazonOrderDetails *AmazonOrderDetails `json:"amazonOrderDetails,omitempty"`
}

// AmazonOrderDetails names the Amazon order of a shipment.
type AmazonOrderDetails struct {
	OrderID string `json:"orderId"`
}

// RatesRequest is the body of getRates.
type RatesRequest struct {
	ShipTo         *Address       `json:"shipTo,omitempty"`
	ShipFrom       Address        `json:"shipFrom"`
	ReturnTo       *Address       `json:"returnTo,omitempty"`
	ShipDate       *time.Time     `json:"shipDate,omitempty"`
	Packages       []Package      `json:"packages"`
	ChannelDetails ChannelDetails `json:"channelDetails"`
}

// RatesResult is the result of getRates. RequestToken and a rate's RateID
// identify the offer to purchase.
type RatesResult struct {
	RequestToken    string           `json:"requestToken"`
	Rates           []Rate           `json:"rates"`
	IneligibleRates []IneligibleRate `json:"ineligibleRates,omitempty"`
}

// Rate is an offer from a carrier.
type Rate struct {
	RateID                          string                  `json:"rateId"`
	CarrierID                       string                  `json:"carrierId"`
	CarrierName                     string                  `json:"carrierName"`
	ServiceID                       string                  `json:"serviceId"`
	ServiceName                     string                  `json:"serviceName"`
	BilledWeight                    *Weight                 `json:"billedWeight,omitempty"`
	TotalCharge                     Currency                `json:"totalCharge"`
	Promise                         Promise                 `json:"promise"`
	SupportedDocumentSpecifications []DocumentSpecification `json:"supportedDocumentSpecifications"`
	RequiresAdditionalInputs        bool                    `json:"requiresAdditionalInputs"`
}

// IneligibleRate is a service that cannot carry the shipment.
type IneligibleRate struct {
	ServiceID            string `json:"serviceId"`
	ServiceName          string `json:"serviceName"`
	CarrierName          string `json:"carrierName"`
	CarrierID            string `json:"carrierId"`
	IneligibilityReasons []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"ineligibilityReasons"`
}

// Promise is the pickup and delivery windows of a rate.
type Promise struct {
	DeliveryWindow *TimeWindow `json:"deliveryWindow,omitempty"`
	PickupWindow   *TimeWindow `json:"pickupWindow,omitempty"`
}

// TimeWindow is a window between two instants.
type TimeWindow struct {
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// DocumentSpecification is a label format a rate supports.
type DocumentSpecification struct {
	Format string       `json:"format"`
	Size   DocumentSize `json:"size"`
}

// DocumentSize is a label size.
type DocumentSize struct {
	Width  float64 `json:"width"`
	Length float64 `json:"length"`
	Unit   string  `json:"unit"`
}

// Label formats.
const (
	FormatPDF = "PDF"
	FormatPNG = "PNG"
	FormatZPL = "ZPL"
)

// RequestedDocumentSpecification is the label requested at purchase.
type RequestedDocumentSpecification struct {
	Format                 string       `json:"format"`
	Size                   DocumentSize `json:"size"`
	DPI                    int          `json:"dpi,omitempty"`
	PageLayout             string       `json:"pageLayout,omitempty"`
	NeedFileJoining        bool         `json:"needFileJoining"`
	RequestedDocumentTypes []string     `json:"requestedDocumentTypes"`
}

// PurchaseRequest is the body of purchaseShipment.
type PurchaseRequest struct {
	RequestToken                   string                         `json:"requestToken"`
	RateID                         string                         `json:"rateId"`
	RequestedDocumentSpecification RequestedDocumentSpecification `json:"requestedDocumentSpecification"`
	RequestedValueAddedServices    []ValueAddedService            `json:"requestedValueAddedServices,omitempty"`
	AdditionalInputs               map[string]json.RawMessage     `json:"additionalInputs,omitempty"`
}

// ValueAddedService names a requested extra service.
type ValueAddedService struct {
	ID string `json:"id"`
}

// PurchaseResult is the result of purchaseShipment: the shipment ID and a
// label for each package.
type PurchaseResult struct {
	ShipmentID             string                  `json:"shipmentId"`
	PackageDocumentDetails []PackageDocumentDetail `json:"packageDocumentDetails"`
	Promise                Promise                 `json:"promise"`
}

// PackageDocumentDetail holds the documents of one package.
type PackageDocumentDetail struct {
	PackageClientReferenceID string            `json:"packageClientReferenceId"`
	PackageDocuments         []PackageDocument `json:"packageDocuments"`
	TrackingID               string            `json:"trackingId,omitempty"`
}

// PackageDocument is a label or other document, its contents plain base64;
// decode them with [DecodeLabel].
type PackageDocument struct {
	Type     string `json:"type"`
	Format   string `json:"format"`
	Contents string `json:"contents"`
}

// DocumentsResult is the result of getShipmentDocuments.
type DocumentsResult struct {
	ShipmentID            string                `json:"shipmentId"`
	PackageDocumentDetail PackageDocumentDetail `json:"packageDocumentDetail"`
}

// Tracking is the result of getTracking.
type Tracking struct {
	TrackingID             string          `json:"trackingId"`
	AlternateLegTrackingID string          `json:"alternateLegTrackingId"`
	EventHistory           []TrackingEvent `json:"eventHistory"`
	PromisedDeliveryDate   time.Time       `json:"promisedDeliveryDate"`
	Summary                TrackingSummary `json:"summary"`
}

// TrackingEvent is a step of a package's journey.
type TrackingEvent struct {
	EventCode string    `json:"eventCode"`
	EventTime time.Time `json:"eventTime"`
	Location  *struct {
		StateOrRegion string `json:"stateOrRegion,omitempty"`
		City          string `json:"city,omitempty"`
		CountryCode   string `json:"countryCode,omitempty"`
		PostalCode    string `json:"postalCode,omitempty"`
	} `json:"location,omitempty"`
}

// TrackingSummary is the current state of a package, such as InTransit or
// Delivered.
type TrackingSummary struct {
	Status string `json:"status"`
}

// UnmarshalJSON decodes a package's documents, accepting trackingId as a
// string or, as in Amazon's model examples, a number.
func (d *PackageDocumentDetail) UnmarshalJSON(b []byte) error {
	type plain PackageDocumentDetail
	aux := struct {
		*plain
		TrackingID json.RawMessage `json:"trackingId"`
	}{plain: (*plain)(d)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	d.TrackingID = ""
	if len(aux.TrackingID) == 0 || string(aux.TrackingID) == "null" {
		return nil
	}
	if aux.TrackingID[0] == '"' {
		return json.Unmarshal(aux.TrackingID, &d.TrackingID)
	}
	var n json.Number
	if err := json.Unmarshal(aux.TrackingID, &n); err != nil {
		return fmt.Errorf("invalid trackingId: %w", err)
	}
	d.TrackingID = n.String()
	return nil
}
