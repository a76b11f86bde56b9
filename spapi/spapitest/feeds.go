package spapitest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file serves the Feeds API. A feed moves from IN_QUEUE to
// IN_PROGRESS on the first getFeed and is processed on the second, which
// applies JSON_LISTINGS_FEED patches to the listings and
// POST_ORDER_FULFILLMENT_DATA shipments to the orders, and stores a
// processing report.

type feedState struct {
	ID             string
	Seller         string
	Type           string
	MarketplaceIDs []string
	InputDocument  string
	Status         string
	ResultDocument string
	Created        time.Time
	Started        time.Time
	Done           time.Time
	polls          int
}

func (f *feedState) render() map[string]any {
	m := map[string]any{
		"feedId": f.ID, "feedType": f.Type, "marketplaceIds": f.MarketplaceIDs,
		"createdTime": rfc3339(f.Created), "processingStatus": f.Status,
	}
	if !f.Started.IsZero() {
		m["processingStartTime"] = rfc3339(f.Started)
	}
	if !f.Done.IsZero() {
		m["processingEndTime"] = rfc3339(f.Done)
	}
	if f.ResultDocument != "" {
		m["resultFeedDocumentId"] = f.ResultDocument
	}
	return m
}

func (s *Server) createFeedDocument(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		ContentType string `json:"contentType"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.ContentType == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "contentType is required.", "")
		return
	}
	id, url := s.NewUploadDocument(in.ContentType)
	WriteJSON(w, http.StatusCreated, map[string]any{"feedDocumentId": id, "url": url})
}

func (s *Server) createFeed(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		FeedType            string   `json:"feedType"`
		MarketplaceIDs      []string `json:"marketplaceIds"`
		InputFeedDocumentID string   `json:"inputFeedDocumentId"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.FeedType == "" || len(in.MarketplaceIDs) == 0 || in.InputFeedDocumentID == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "feedType, marketplaceIds and inputFeedDocumentId are required.", "")
		return
	}
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	f := &feedState{
		ID: st.nextID("5000"), Seller: call.SellerID, Type: in.FeedType, MarketplaceIDs: in.MarketplaceIDs,
		InputDocument: in.InputFeedDocumentID, Status: "IN_QUEUE", Created: time.Now().UTC(),
	}
	st.feeds[f.ID] = f
	WriteJSON(w, http.StatusAccepted, map[string]any{"feedId": f.ID})
}

func (s *Server) feedFor(w http.ResponseWriter, r *http.Request, call *Call) *feedState {
	f := s.apis().data.feeds[r.PathValue("feedId")]
	if f == nil || f.Seller != call.SellerID {
		WriteError(w, http.StatusNotFound, "NotFound", "Feed not found.", "")
		return nil
	}
	return f
}

func (s *Server) getFeed(w http.ResponseWriter, r *http.Request, call *Call) {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	f := s.feedFor(w, r, call)
	if f == nil {
		return
	}
	f.polls++
	switch {
	case f.Status == "IN_QUEUE":
		f.Status, f.Started = "IN_PROGRESS", time.Now().UTC()
	case f.Status == "IN_PROGRESS" && f.polls >= 2:
		s.processFeed(f)
	}
	WriteJSON(w, http.StatusOK, f.render())
}

// FeedStatus returns the processing status of a feed, or "" for an
// unknown feed.
func (s *Server) FeedStatus(feedID string) string {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	if f := st.feeds[feedID]; f != nil {
		return f.Status
	}
	return ""
}

func (s *Server) getFeeds(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []map[string]any
	types, statuses := splitList(q.Get("feedTypes")), splitList(q.Get("processingStatuses"))
	if q.Get("nextToken") == "" && len(types) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "feedTypes is required.", "")
		return
	}
	for _, f := range st.feeds {
		if f.Seller == call.SellerID && (len(types) == 0 || slices.Contains(types, f.Type)) && (len(statuses) == 0 || slices.Contains(statuses, f.Status)) {
			all = append(all, f.render())
		}
	}
	slices.SortFunc(all, func(a, b map[string]any) int { return strings.Compare(a["feedId"].(string), b["feedId"].(string)) })
	WriteJSON(w, http.StatusOK, map[string]any{"feeds": all})
}

func (s *Server) cancelFeed(w http.ResponseWriter, r *http.Request, call *Call) {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	f := s.feedFor(w, r, call)
	if f == nil {
		return
	}
	if f.Status != "IN_QUEUE" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Only feeds IN_QUEUE can be cancelled.", "")
		return
	}
	f.Status = "CANCELLED"
	w.WriteHeader(http.StatusOK)
}

func (s *Server) getFeedDocument(w http.ResponseWriter, r *http.Request, call *Call) {
	id := r.PathValue("feedDocumentId")
	url := s.DocumentURL(id)
	if url == "" {
		WriteError(w, http.StatusNotFound, "NotFound", "Feed document not found.", "")
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"feedDocumentId": id, "url": url})
}

// processFeed applies a feed and stores its processing report. The caller
// holds the store lock, which AddDocument and DocumentContent do not take.
func (s *Server) processFeed(f *feedState) {
	content, ok := s.DocumentContent(f.InputDocument)
	f.Done = time.Now().UTC()
	if !ok {
		f.Status = "FATAL"
		f.ResultDocument, _ = s.AddDocument([]byte(`{"header":{"feedId":"`+f.ID+`"},"issues":[{"messageId":0,"code":"4000003","severity":"ERROR","message":"The feed document was not uploaded."}],"summary":{"errors":1}}`), DocumentOptions{ContentType: "application/json"})
		return
	}
	var report []byte
	switch f.Type {
	case "JSON_LISTINGS_FEED":
		report = s.processListingsFeed(f, content)
	case "POST_ORDER_FULFILLMENT_DATA", "POST_ORDER_ACKNOWLEDGEMENT_DATA":
		var fatal bool
		report, fatal = s.processXMLFeed(f, content)
		if fatal {
			f.Status = "FATAL"
			f.ResultDocument, _ = s.AddDocument(report, DocumentOptions{ContentType: "text/xml"})
			return
		}
	default:
		report = []byte(`{"header":{"feedId":"` + f.ID + `"},"issues":[],"summary":{"errors":0,"warnings":0,"messagesProcessed":0,"messagesAccepted":0,"messagesInvalid":0}}`)
	}
	f.Status = "DONE"
	contentType := "application/json"
	if bytes.HasPrefix(report, []byte("<?xml")) {
		contentType = "text/xml"
	}
	f.ResultDocument, _ = s.AddDocument(report, DocumentOptions{ContentType: contentType})
}

type listingsIssue struct {
	MessageID     int    `json:"messageId"`
	SKU           string `json:"sku,omitempty"`
	Code          string `json:"code"`
	Severity      string `json:"severity"`
	Message       string `json:"message"`
	AttributeName string `json:"attributeName,omitempty"`
}

func (s *Server) processListingsFeed(f *feedState, content []byte) []byte {
	var in struct {
		Header struct {
			SellerID string `json:"sellerId"`
			Version  string `json:"version"`
		} `json:"header"`
		Messages []struct {
			MessageID     int            `json:"messageId"`
			SKU           string         `json:"sku"`
			OperationType string         `json:"operationType"`
			ProductType   string         `json:"productType"`
			Patches       []patchRequest `json:"patches"`
		} `json:"messages"`
	}
	var issues []listingsIssue
	accepted, invalid := 0, 0
	if err := json.Unmarshal(content, &in); err != nil || in.Header.Version != "2.0" || in.Header.SellerID != f.Seller {
		issues = append(issues, listingsIssue{Code: "4000001", Severity: "ERROR", Message: "The feed is not a valid JSON listings feed for this seller (version 2.0)."})
	}
	seen := map[int]bool{}
	for _, m := range in.Messages {
		if seen[m.MessageID] || m.MessageID <= 0 {
			issues = append(issues, listingsIssue{MessageID: m.MessageID, SKU: m.SKU, Code: "4000004", Severity: "ERROR", Message: "messageId must be unique and positive."})
			invalid++
			continue
		}
		seen[m.MessageID] = true
		var msgIssues []listingsIssue
		if m.OperationType != "PATCH" {
			msgIssues = append(msgIssues, listingsIssue{Code: "4000005", Severity: "ERROR", Message: "spapitest applies PATCH messages only."})
		} else {
			for _, mid := range f.MarketplaceIDs {
				for _, is := range s.applyPatches(f.Seller, m.SKU, mid, m.ProductType, m.Patches, true) {
					msgIssues = append(msgIssues, listingsIssue{Code: is.Code, Severity: is.Severity, Message: is.Message, AttributeName: strings.Join(is.AttributeNames, ",")})
				}
			}
		}
		if len(msgIssues) > 0 {
			invalid++
			for _, is := range msgIssues {
				is.MessageID, is.SKU = m.MessageID, m.SKU
				issues = append(issues, is)
			}
			continue
		}
		accepted++
		for _, mid := range f.MarketplaceIDs {
			s.applyPatches(f.Seller, m.SKU, mid, m.ProductType, m.Patches, false)
		}
	}
	if issues == nil {
		issues = []listingsIssue{}
	}
	out, _ := json.Marshal(map[string]any{
		"header": map[string]any{"sellerId": f.Seller, "version": "2.0", "feedId": f.ID},
		"issues": issues,
		"summary": map[string]any{
			"errors": len(issues), "warnings": 0, "messagesProcessed": len(in.Messages),
			"messagesAccepted": accepted, "messagesInvalid": invalid,
		},
	})
	return out
}

type xmlFeed struct {
	XMLName xml.Name `xml:"AmazonEnvelope"`
	Header  struct {
		DocumentVersion    string `xml:"DocumentVersion"`
		MerchantIdentifier string `xml:"MerchantIdentifier"`
	} `xml:"Header"`
	MessageType string `xml:"MessageType"`
	Messages    []struct {
		MessageID        string `xml:"MessageID"`
		OrderFulfillment *struct {
			AmazonOrderID   string `xml:"AmazonOrderID"`
			FulfillmentDate string `xml:"FulfillmentDate"`
			FulfillmentData struct {
				CarrierCode           string `xml:"CarrierCode"`
				CarrierName           string `xml:"CarrierName"`
				ShipperTrackingNumber string `xml:"ShipperTrackingNumber"`
			} `xml:"FulfillmentData"`
			Items []struct {
				AmazonOrderItemCode string `xml:"AmazonOrderItemCode"`
				Quantity            int    `xml:"Quantity"`
			} `xml:"Item"`
		} `xml:"OrderFulfillment"`
	} `xml:"Message"`
}

type xmlResult struct {
	MessageID, Code, Description, OrderID string
}

// processXMLFeed applies an order fulfilment feed. It returns the XML
// processing report and whether the feed as a whole is FATAL.
func (s *Server) processXMLFeed(f *feedState, content []byte) ([]byte, bool) {
	var env xmlFeed
	if err := xml.Unmarshal(content, &env); err != nil || env.Header.MerchantIdentifier == "" || env.Header.DocumentVersion == "" {
		return processingReportXML(f, 0, 0, []xmlResult{{MessageID: "0", Code: "5000", Description: "XML parsing error or missing Header"}}), true
	}
	wantType := map[string]string{"POST_ORDER_FULFILLMENT_DATA": "OrderFulfillment", "POST_ORDER_ACKNOWLEDGEMENT_DATA": "OrderAcknowledgement"}[f.Type]
	var results []xmlResult
	ok := 0
	seen := map[string]bool{}
	st := s.apis().data
	for _, m := range env.Messages {
		fail := func(code, desc, orderID string) {
			results = append(results, xmlResult{MessageID: m.MessageID, Code: code, Description: desc, OrderID: orderID})
		}
		if env.MessageType != wantType || m.OrderFulfillment == nil {
			fail("5001", "MessageType "+env.MessageType+" is not valid for feed type "+f.Type+".", "")
			continue
		}
		of := m.OrderFulfillment
		if seen[m.MessageID] || m.MessageID == "" {
			fail("5002", "MessageID must be unique within the feed.", of.AmazonOrderID)
			continue
		}
		seen[m.MessageID] = true
		date, err := time.Parse(time.RFC3339, of.FulfillmentDate)
		if err != nil {
			fail("5003", "FulfillmentDate must be an ISO 8601 date and time.", of.AmazonOrderID)
			continue
		}
		o := st.findOrder(f.Seller, of.AmazonOrderID)
		if o == nil || o.FulfillmentChannel != "MFN" || (o.Status != OrderUnshipped && o.Status != OrderPartiallyShipped) {
			fail("25", "The order ID is not valid or the order cannot be shipped.", of.AmazonOrderID)
			continue
		}
		items := map[string]int{}
		valid := true
		if len(of.Items) == 0 {
			for _, it := range o.Items {
				items[it.ID] = it.Quantity - it.QuantityShipped
			}
		}
		for _, it := range of.Items {
			items[it.AmazonOrderItemCode] += it.Quantity
		}
		for _, it := range o.Items {
			if it.QuantityShipped+items[it.ID] > it.Quantity {
				valid = false
			}
		}
		for id := range items {
			if !slices.ContainsFunc(o.Items, func(it *OrderItem) bool { return it.ID == id }) {
				valid = false
			}
		}
		if !valid || of.FulfillmentData.CarrierCode == "" && of.FulfillmentData.CarrierName == "" {
			fail("18028", "The item codes, quantities or carrier are not valid for the order.", of.AmazonOrderID)
			continue
		}
		recordShipment(o, ConfirmedShipment{CarrierCode: of.FulfillmentData.CarrierCode, TrackingNumber: of.FulfillmentData.ShipperTrackingNumber, ShipDate: date, Items: items})
		ok++
	}
	return processingReportXML(f, len(env.Messages), ok, results), false
}

func processingReportXML(f *feedState, processed, successful int, results []xmlResult) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">`)
	fmt.Fprintf(&b, "<Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>%s</MerchantIdentifier></Header>", f.Seller)
	b.WriteString("<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID><ProcessingReport>")
	fmt.Fprintf(&b, "<DocumentTransactionID>%s</DocumentTransactionID><StatusCode>Complete</StatusCode>", f.ID)
	fmt.Fprintf(&b, "<ProcessingSummary><MessagesProcessed>%d</MessagesProcessed><MessagesSuccessful>%d</MessagesSuccessful><MessagesWithError>%d</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>",
		processed, successful, len(results))
	for _, res := range results {
		b.WriteString("<Result><MessageID>" + res.MessageID + "</MessageID><ResultCode>Error</ResultCode>")
		b.WriteString("<ResultMessageCode>" + res.Code + "</ResultMessageCode><ResultDescription>")
		_ = xml.EscapeText(&b, []byte(res.Description))
		b.WriteString("</ResultDescription>")
		if res.OrderID != "" {
			b.WriteString("<AdditionalInfo><AmazonOrderID>")
			_ = xml.EscapeText(&b, []byte(res.OrderID))
			b.WriteString("</AmazonOrderID></AdditionalInfo>")
		}
		b.WriteString("</Result>")
	}
	b.WriteString("</ProcessingReport></Message></AmazonEnvelope>\n")
	return b.Bytes()
}
