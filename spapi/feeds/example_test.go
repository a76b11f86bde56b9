package feeds_test

import (
	"fmt"
	"log"
	"time"

	"github.com/hidemont/spkit/spapi/feeds"
	"github.com/hidemont/spkit/spapi/listings"
)

// This example builds a listings feed that sets the quantity of two SKUs.
func ExampleListingsFeed() {
	qty, err := listings.QuantityPatch(12)
	if err != nil {
		log.Fatal(err)
	}
	f := &feeds.ListingsFeed{SellerID: "A1SELLER"}
	f.Patch("WALLET BRN/S", "WALLET", qty)
	f.Patch("BELT+BLK,95", "APPAREL_BELT", qty)
	data, err := f.MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	// Output:
	// {"header":{"sellerId":"A1SELLER","version":"2.0"},"messages":[{"messageId":1,"sku":"WALLET BRN/S","operationType":"PATCH","productType":"WALLET","patches":[{"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":12}]}]},{"messageId":2,"sku":"BELT+BLK,95","operationType":"PATCH","productType":"APPAREL_BELT","patches":[{"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":12}]}]}]}
}

// This example builds an order fulfilment feed for one shipment.
func ExampleFulfillmentFeed() {
	f := &feeds.FulfillmentFeed{MerchantIdentifier: "A1SELLER"}
	f.Add(feeds.FulfillmentShipment{
		AmazonOrderID:   "111-2222222-3333333",
		FulfillmentDate: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC),
		CarrierCode:     "DHL",
		TrackingNumber:  "00340434161234567890",
		Items:           []feeds.FulfillmentItem{{OrderItemID: "12345678901234", Quantity: 1}},
	})
	data, err := f.Encode()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
	//   <Header>
	//     <DocumentVersion>1.01</DocumentVersion>
	//     <MerchantIdentifier>A1SELLER</MerchantIdentifier>
	//   </Header>
	//   <MessageType>OrderFulfillment</MessageType>
	//   <Message>
	//     <MessageID>1</MessageID>
	//     <OrderFulfillment>
	//       <AmazonOrderID>111-2222222-3333333</AmazonOrderID>
	//       <FulfillmentDate>2026-11-20T09:30:00Z</FulfillmentDate>
	//       <FulfillmentData>
	//         <CarrierCode>DHL</CarrierCode>
	//         <ShipperTrackingNumber>00340434161234567890</ShipperTrackingNumber>
	//       </FulfillmentData>
	//       <Item>
	//         <AmazonOrderItemCode>12345678901234</AmazonOrderItemCode>
	//         <Quantity>1</Quantity>
	//       </Item>
	//     </OrderFulfillment>
	//   </Message>
	// </AmazonEnvelope>
}
