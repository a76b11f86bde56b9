package feeds

import (
	"encoding/xml"
	"fmt"
	"time"
)

// FulfillmentFeed builds a POST_ORDER_FULFILLMENT_DATA document: an
// AmazonEnvelope with a header, the message type OrderFulfillment, and one
// message per shipment, numbered 1, 2, 3 and so on. Send it with the feed
// type [TypeOrderFulfillment]; under any other feed type Amazon rejects it.
type FulfillmentFeed struct {
	// MerchantIdentifier is the seller ID.
	MerchantIdentifier string
	Shipments          []FulfillmentShipment
}

// FulfillmentShipment is a shipment to confirm for one order.
type FulfillmentShipment struct {
	AmazonOrderID string
	// FulfillmentDate is when the package shipped. It is sent in UTC as
	// ISO 8601 and must not be in the future or before the order date.
	FulfillmentDate time.Time
	// CarrierCode is one of Amazon's carrier codes, such as UPS or DHL.
	// When the carrier has no code, set CarrierCode to "Other" and
	// CarrierName to its name.
	CarrierCode    string
	CarrierName    string
	ShippingMethod string
	TrackingNumber string
	// Items lists the shipped items; empty means the whole order.
	Items []FulfillmentItem
}

// FulfillmentItem is an order item and the quantity shipped.
type FulfillmentItem struct {
	OrderItemID string
	Quantity    int
}

// Add appends a shipment and returns its message ID.
func (f *FulfillmentFeed) Add(s FulfillmentShipment) int {
	f.Shipments = append(f.Shipments, s)
	return len(f.Shipments)
}

// Validate checks the header and every message.
func (f *FulfillmentFeed) Validate() error {
	if f.MerchantIdentifier == "" {
		return fmt.Errorf("feeds: fulfillment feed: missing merchant identifier (the seller ID)")
	}
	if len(f.Shipments) == 0 {
		return fmt.Errorf("feeds: fulfillment feed has no shipments")
	}
	for i, s := range f.Shipments {
		id := i + 1
		switch {
		case s.AmazonOrderID == "":
			return fmt.Errorf("feeds: fulfillment feed message %d: missing Amazon order ID", id)
		case s.FulfillmentDate.IsZero():
			return fmt.Errorf("feeds: fulfillment feed message %d (order %s): missing fulfillment date", id, s.AmazonOrderID)
		case s.CarrierCode == "" && s.CarrierName == "":
			return fmt.Errorf("feeds: fulfillment feed message %d (order %s): missing carrier code or name", id, s.AmazonOrderID)
		case s.CarrierCode == "Other" && s.CarrierName == "":
			return fmt.Errorf("feeds: fulfillment feed message %d (order %s): carrier code Other needs a carrier name", id, s.AmazonOrderID)
		}
		for _, it := range s.Items {
			if it.OrderItemID == "" || it.Quantity <= 0 {
				return fmt.Errorf("feeds: fulfillment feed message %d (order %s): item %q needs an ID and a positive quantity", id, s.AmazonOrderID, it.OrderItemID)
			}
		}
	}
	return nil
}

// The xml* types give the element order of Amazon's amzn-envelope.xsd and
// OrderFulfillment.xsd.
type xmlEnvelope struct {
	XMLName     xml.Name     `xml:"AmazonEnvelope"`
	XSI         string       `xml:"xmlns:xsi,attr"`
	Schema      string       `xml:"xsi:noNamespaceSchemaLocation,attr"`
	Header      xmlHeader    `xml:"Header"`
	MessageType string       `xml:"MessageType"`
	Messages    []xmlMessage `xml:"Message"`
}

type xmlHeader struct {
	DocumentVersion    string `xml:"DocumentVersion"`
	MerchantIdentifier string `xml:"MerchantIdentifier"`
}

type xmlMessage struct {
	MessageID        int                 `xml:"MessageID"`
	OrderFulfillment xmlOrderFulfillment `xml:"OrderFulfillment"`
}

type xmlOrderFulfillment struct {
	AmazonOrderID   string             `xml:"AmazonOrderID"`
	FulfillmentDate string             `xml:"FulfillmentDate"`
	FulfillmentData xmlFulfillmentData `xml:"FulfillmentData"`
	Items           []xmlItem          `xml:"Item"`
}

type xmlFulfillmentData struct {
	CarrierCode           string `xml:"CarrierCode,omitempty"`
	CarrierName           string `xml:"CarrierName,omitempty"`
	ShippingMethod        string `xml:"ShippingMethod,omitempty"`
	ShipperTrackingNumber string `xml:"ShipperTrackingNumber,omitempty"`
}

type xmlItem struct {
	AmazonOrderItemCode string `xml:"AmazonOrderItemCode"`
	Quantity            int    `xml:"Quantity"`
}

// Encode validates the feed and returns the XML document.
func (f *FulfillmentFeed) Encode() ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	env := xmlEnvelope{
		XSI:         "http://www.w3.org/2001/XMLSchema-instance",
		Schema:      "amzn-envelope.xsd",
		Header:      xmlHeader{DocumentVersion: "1.01", MerchantIdentifier: f.MerchantIdentifier},
		MessageType: "OrderFulfillment",
	}
	for i, s := range f.Shipments {
		of := xmlOrderFulfillment{
			AmazonOrderID:   s.AmazonOrderID,
			FulfillmentDate: s.FulfillmentDate.UTC().Format(time.RFC3339),
			FulfillmentData: xmlFulfillmentData{
				CarrierCode:           s.CarrierCode,
				CarrierName:           s.CarrierName,
				ShippingMethod:        s.ShippingMethod,
				ShipperTrackingNumber: s.TrackingNumber,
			},
		}
		for _, it := range s.Items {
			of.Items = append(of.Items, xmlItem{AmazonOrderItemCode: it.OrderItemID, Quantity: it.Quantity})
		}
		env.Messages = append(env.Messages, xmlMessage{MessageID: i + 1, OrderFulfillment: of})
	}
	out, err := xml.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("feeds: encode fulfillment feed: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}
