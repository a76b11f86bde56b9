package feeds

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi/listings"
)

func TestListingsFeedEncodes(t *testing.T) {
	t.Parallel()
	qty, err := listings.QuantityPatch(7)
	if err != nil {
		t.Fatal(err)
	}
	price, err := listings.PricePatch("A1PA6795UKMFR9", "EUR", "19.90")
	if err != nil {
		t.Fatal(err)
	}
	f := &ListingsFeed{SellerID: "A1SELLER"}
	if id := f.Patch("WALLET BRN/S", "WALLET", qty, price); id != 1 {
		t.Errorf("first message ID = %d", id)
	}
	if id := f.Patch("BELT+BLK,95", "APPAREL_BELT", qty); id != 2 {
		t.Errorf("second message ID = %d", id)
	}
	data, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Header   map[string]string
		Messages []struct {
			MessageID     int    `json:"messageId"`
			SKU           string `json:"sku"`
			OperationType string `json:"operationType"`
			Patches       []struct {
				Op, Path string
				Value    []map[string]any
			}
		}
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Header["version"] != "2.0" || got.Header["sellerId"] != "A1SELLER" {
		t.Errorf("header = %v", got.Header)
	}
	if m := got.Messages[0]; m.SKU != "WALLET BRN/S" || m.OperationType != "PATCH" || len(m.Patches) != 2 {
		t.Errorf("message 1 = %+v", m)
	}
	fa := got.Messages[0].Patches[0].Value[0]
	if fa["fulfillment_channel_code"] != "DEFAULT" || fa["quantity"] != float64(7) {
		t.Errorf("fulfillment_availability = %v", fa)
	}
	po := got.Messages[0].Patches[1].Value[0]
	schedule := po["our_price"].([]any)[0].(map[string]any)["schedule"].([]any)[0].(map[string]any)
	if po["marketplace_id"] != "A1PA6795UKMFR9" || po["currency"] != "EUR" || schedule["value_with_tax"] != 19.9 {
		t.Errorf("purchasable_offer = %v", po)
	}
}

func TestListingsFeedValidate(t *testing.T) {
	t.Parallel()
	qty, _ := listings.QuantityPatch(1)
	cases := map[string]*ListingsFeed{
		"no seller":    {Messages: []ListingsMessage{{MessageID: 1, SKU: "A", OperationType: OperationDelete}}},
		"no messages":  {SellerID: "S"},
		"duplicate ID": {SellerID: "S", Messages: []ListingsMessage{{MessageID: 1, SKU: "A", OperationType: OperationDelete}, {MessageID: 1, SKU: "B", OperationType: OperationDelete}}},
		"no SKU":       {SellerID: "S", Messages: []ListingsMessage{{MessageID: 1, OperationType: OperationDelete}}},
		"no product":   {SellerID: "S", Messages: []ListingsMessage{{MessageID: 1, SKU: "A", OperationType: OperationPatch, Patches: []listings.Patch{qty}}}},
	}
	for name, f := range cases {
		if _, err := f.MarshalJSON(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFulfillmentFeedEncodes(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	f := &FulfillmentFeed{MerchantIdentifier: "A1SELLER"}
	f.Add(FulfillmentShipment{
		AmazonOrderID: "111-2222222-3333333", FulfillmentDate: time.Date(2026, 11, 20, 10, 0, 0, 0, paris),
		CarrierCode: "DHL", ShippingMethod: "Paket", TrackingNumber: "00340434",
		Items: []FulfillmentItem{{OrderItemID: "12345678901234", Quantity: 2}},
	})
	f.Add(FulfillmentShipment{AmazonOrderID: "111-2222222-4444444", FulfillmentDate: time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC), CarrierCode: "Other", CarrierName: "Synthetic Post"})
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Header struct {
			DocumentVersion    string
			MerchantIdentifier string
		}
		MessageType string
		Messages    []struct {
			MessageID        int
			OrderFulfillment struct {
				AmazonOrderID   string
				FulfillmentDate string
				Item            []struct {
					AmazonOrderItemCode string
					Quantity            int
				}
			}
		} `xml:"Message"`
	}
	if err := xml.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	if env.Header.DocumentVersion == "" || env.Header.MerchantIdentifier != "A1SELLER" {
		t.Errorf("header = %+v", env.Header)
	}
	if env.MessageType != "OrderFulfillment" {
		t.Errorf("message type = %q", env.MessageType)
	}
	if len(env.Messages) != 2 || env.Messages[0].MessageID != 1 || env.Messages[1].MessageID != 2 {
		t.Fatalf("messages = %+v", env.Messages)
	}
	if got := env.Messages[0].OrderFulfillment.FulfillmentDate; got != "2026-11-20T09:00:00Z" {
		t.Errorf("fulfillment date = %q, want UTC ISO 8601", got)
	}
	if it := env.Messages[0].OrderFulfillment.Item; len(it) != 1 || it[0].Quantity != 2 {
		t.Errorf("items = %+v", it)
	}
	if !strings.HasPrefix(string(data), "<?xml") {
		t.Error("no XML declaration")
	}
}

func TestFulfillmentFeedValidate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := map[string]FulfillmentFeed{
		"no merchant":   {Shipments: []FulfillmentShipment{{AmazonOrderID: "1", FulfillmentDate: now, CarrierCode: "UPS"}}},
		"no shipments":  {MerchantIdentifier: "S"},
		"no order":      {MerchantIdentifier: "S", Shipments: []FulfillmentShipment{{FulfillmentDate: now, CarrierCode: "UPS"}}},
		"no date":       {MerchantIdentifier: "S", Shipments: []FulfillmentShipment{{AmazonOrderID: "1", CarrierCode: "UPS"}}},
		"no carrier":    {MerchantIdentifier: "S", Shipments: []FulfillmentShipment{{AmazonOrderID: "1", FulfillmentDate: now}}},
		"other no name": {MerchantIdentifier: "S", Shipments: []FulfillmentShipment{{AmazonOrderID: "1", FulfillmentDate: now, CarrierCode: "Other"}}},
		"zero quantity": {MerchantIdentifier: "S", Shipments: []FulfillmentShipment{{AmazonOrderID: "1", FulfillmentDate: now, CarrierCode: "UPS", Items: []FulfillmentItem{{OrderItemID: "1"}}}}},
	}
	for name, f := range cases {
		if _, err := f.Encode(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseReportAmazonExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/listings-processing-report.example.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReport(data)
	if err != nil {
		t.Fatalf("ParseReport: %v", err)
	}
	if r.FeedID != "1234567890" || r.MessagesProcessed != 4 || r.MessagesAccepted != 2 || r.MessagesInvalid != 2 {
		t.Errorf("summary = %+v", r)
	}
	if got := r.FailedMessages(); len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Errorf("failed messages = %v, want [4 5]", got)
	}
	if r.Issues[2].AttributeName != "purchasable_offer.our_price" {
		t.Errorf("attribute = %q", r.Issues[2].AttributeName)
	}
}

const xmlReport = `<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
<Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A1</MerchantIdentifier></Header>
<MessageType>ProcessingReport</MessageType>
<Message><MessageID>1</MessageID><ProcessingReport>
<DocumentTransactionID>50001</DocumentTransactionID><StatusCode>Complete</StatusCode>
<ProcessingSummary><MessagesProcessed>3</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>1</MessagesWithError><MessagesWithWarning>1</MessagesWithWarning></ProcessingSummary>
<Result><MessageID>2</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>25</ResultMessageCode><ResultDescription>Invalid order ID</ResultDescription><AdditionalInfo><AmazonOrderID>111-1</AmazonOrderID></AdditionalInfo></Result>
<Result><MessageID>3</MessageID><ResultCode>Warning</ResultCode><ResultMessageCode>8</ResultMessageCode><ResultDescription>Late</ResultDescription></Result>
</ProcessingReport></Message></AmazonEnvelope>`

func TestParseReportXML(t *testing.T) {
	t.Parallel()
	r, err := ParseReport([]byte("\ufeff" + xmlReport))
	if err != nil {
		t.Fatalf("ParseReport: %v", err)
	}
	if r.FeedID != "50001" || r.MessagesProcessed != 3 || r.MessagesAccepted != 1 || r.Errors != 1 || r.Warnings != 1 {
		t.Errorf("report = %+v", r)
	}
	failed := r.Failed()
	if len(failed) != 1 || failed[0].MessageID != 2 || failed[0].AmazonOrderID != "111-1" || failed[0].Code != "25" {
		t.Errorf("failed = %+v", failed)
	}
}

func TestParseReportInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "garbage", "{", "<AmazonEnvelope>", "<Other/>", `<AmazonEnvelope></AmazonEnvelope>`} {
		if _, err := ParseReport([]byte(in)); !errors.Is(err, ErrInvalidReport) {
			t.Errorf("%q: err = %v, want ErrInvalidReport", in, err)
		}
	}
}

func FuzzParseReport(f *testing.F) {
	data, _ := os.ReadFile("testdata/listings-processing-report.example.json")
	f.Add(data)
	f.Add([]byte(xmlReport))
	f.Add([]byte(`{"issues":[{"messageId":1,"severity":"error"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidReport) {
				t.Fatalf("err = %v, want ErrInvalidReport", err)
			}
			return
		}
		for _, is := range r.Failed() {
			if is.Severity != SeverityError {
				t.Fatal("Failed returned a non-error issue")
			}
		}
	})
}
