package spapitest

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file serves Shipping API v2 and Merchant Fulfillment from the
// loaded data sets.

// ShippingBusinessIDs lists the values Amazon accepts in the
// x-amzn-shipping-business-id header.
var ShippingBusinessIDs = []string{
	"AmazonShipping_US", "AmazonShipping_IN", "AmazonShipping_UK", "AmazonShipping_UAE",
	"AmazonShipping_SA", "AmazonShipping_EG", "AmazonShipping_IT", "AmazonShipping_ES",
	"AmazonShipping_FR", "AmazonShipping_JP",
}

type rateRequest struct {
	seller   string
	orderID  string
	packages []string // package client reference IDs
	rates    map[string]rateOffer
	expires  time.Time
}

type rateOffer struct {
	carrierID, carrierName, serviceID, serviceName string
	cents                                          int64
	currency                                       string
}

type shipmentState struct {
	ID             string
	Seller         string
	OrderID        string
	Carrier        string
	TrackingIDs    map[string]string // package reference -> tracking ID
	Label          []byte
	Format         string
	Cancelled      bool
	IdempotencyKey string
}

// ShippingLabel is the synthetic document the server returns as a label.
func shippingLabel(shipmentID, pkg string) []byte {
	return []byte("%PDF-1.4\n% spapitest synthetic label\n% shipment " + shipmentID + " package " + pkg + "\n%%EOF\n")
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, v) != nil {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Could not parse the request body.", "")
		return false
	}
	return true
}

// checkBusinessID rejects a shipping business ID Amazon does not know.
func checkBusinessID(w http.ResponseWriter, r *http.Request) bool {
	id := r.Header.Get("x-amzn-shipping-business-id")
	if id != "" && !slices.Contains(ShippingBusinessIDs, id) {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid x-amzn-shipping-business-id.", "")
		return false
	}
	return true
}

func (s *Server) shippingRates(w http.ResponseWriter, r *http.Request, call *Call) {
	if !checkBusinessID(w, r) {
		return
	}
	var in struct {
		ShipFrom *struct {
			CountryCode string `json:"countryCode"`
			PostalCode  string `json:"postalCode"`
		} `json:"shipFrom"`
		Packages []struct {
			PackageClientReferenceID string `json:"packageClientReferenceId"`
			Weight                   struct {
				Value float64 `json:"value"`
				Unit  string  `json:"unit"`
			} `json:"weight"`
		} `json:"packages"`
		ChannelDetails struct {
			ChannelType        string `json:"channelType"`
			AmazonOrderDetails *struct {
				OrderID string `json:"orderId"`
			} `json:"amazonOrderDetails"`
		} `json:"channelDetails"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.ShipFrom == nil || len(in.Packages) == 0 || in.ChannelDetails.ChannelType == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "shipFrom, packages and channelDetails are required.", "")
		return
	}
	for _, p := range in.Packages {
		if p.PackageClientReferenceID == "" || !(p.Weight.Value > 0) || !slices.Contains([]string{"GRAM", "KILOGRAM", "OUNCE", "POUND"}, p.Weight.Unit) {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Each package needs a client reference ID and a positive weight in GRAM, KILOGRAM, OUNCE or POUND.", "")
			return
		}
	}

	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	rr := &rateRequest{seller: call.SellerID, rates: map[string]rateOffer{}, expires: time.Now().Add(10 * time.Minute)}
	currency := "USD"
	if d := in.ChannelDetails.AmazonOrderDetails; d != nil {
		o := st.findOrder(call.SellerID, d.OrderID)
		if o == nil {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Unknown Amazon order.", "")
			return
		}
		if o.FulfillmentChannel != "MFN" || o.Status == OrderCanceled || o.Status == OrderPending {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "The order is not eligible for shipping: status "+o.Status+".", "")
			return
		}
		rr.orderID, currency = o.ID, o.Currency
	}
	for _, p := range in.Packages {
		rr.packages = append(rr.packages, p.PackageClientReferenceID)
	}
	token := st.nextID("amzn1.rq.")
	offers := []rateOffer{
		{"SYNTHPOST", "Synthetic Post", "SYNTH_STD", "Standard", 495, currency},
		{"SYNTHEXP", "Synthetic Express", "SYNTH_EXP", "Express", 1290, currency},
	}
	var rates []map[string]any
	for _, off := range offers {
		id := st.nextID("rate-")
		rr.rates[id] = off
		rates = append(rates, map[string]any{
			"rateId": id, "carrierId": off.carrierID, "carrierName": off.carrierName,
			"serviceId": off.serviceID, "serviceName": off.serviceName,
			"totalCharge": map[string]any{"value": float64(off.cents) / 100, "unit": off.currency},
			"promise": map[string]any{"deliveryWindow": map[string]any{
				"start": rfc3339(time.Now().Add(24 * time.Hour)), "end": rfc3339(time.Now().Add(72 * time.Hour)),
			}},
			"supportedDocumentSpecifications": []map[string]any{{
				"format": "PDF", "size": map[string]any{"width": 4, "length": 6, "unit": "INCH"},
				"printOptions": []map[string]any{{"supportedPageLayouts": []string{"DEFAULT"}, "supportedFileJoiningOptions": []bool{false}, "supportedDocumentDetails": []map[string]any{{"name": "LABEL", "isMandatory": true}}}},
			}},
			"requiresAdditionalInputs": false,
		})
	}
	st.rateReqs[token] = rr
	WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"requestToken": token, "rates": rates, "ineligibleRates": []any{}}})
}

// shippingPurchase buys a rate. The same x-amzn-IdempotencyKey returns the
// shipment bought first, and never buys a second label.
func (s *Server) shippingPurchase(w http.ResponseWriter, r *http.Request, call *Call) {
	if !checkBusinessID(w, r) {
		return
	}
	var in struct {
		RequestToken                   string `json:"requestToken"`
		RateID                         string `json:"rateId"`
		RequestedDocumentSpecification *struct {
			Format string `json:"format"`
		} `json:"requestedDocumentSpecification"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	key := r.Header.Get("x-amzn-IdempotencyKey")

	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	if key != "" {
		if id, ok := st.idempotency[call.SellerID+"|"+key]; ok {
			sh := st.shipments[id]
			WriteJSON(w, http.StatusOK, map[string]any{"payload": purchasePayload(sh)})
			return
		}
	}
	rr, ok := st.rateReqs[in.RequestToken]
	if !ok || rr.seller != call.SellerID || time.Now().After(rr.expires) {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid or expired requestToken.", "")
		return
	}
	off, ok := rr.rates[in.RateID]
	if !ok {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid rateId.", "")
		return
	}
	if in.RequestedDocumentSpecification == nil || in.RequestedDocumentSpecification.Format == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "requestedDocumentSpecification is required.", "")
		return
	}
	sh := &shipmentState{
		ID: st.nextID("SHP"), Seller: call.SellerID, OrderID: rr.orderID, Carrier: off.carrierID,
		TrackingIDs: map[string]string{}, Format: in.RequestedDocumentSpecification.Format, IdempotencyKey: key,
	}
	for _, p := range rr.packages {
		sh.TrackingIDs[p] = st.nextID("TRK")
	}
	st.shipments[sh.ID] = sh
	if key != "" {
		st.idempotency[call.SellerID+"|"+key] = sh.ID
	}
	WriteJSON(w, http.StatusOK, map[string]any{"payload": purchasePayload(sh)})
}

func purchasePayload(sh *shipmentState) map[string]any {
	var details []map[string]any
	refs := make([]string, 0, len(sh.TrackingIDs))
	for ref := range sh.TrackingIDs {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		details = append(details, map[string]any{
			"packageClientReferenceId": ref,
			"trackingId":               sh.TrackingIDs[ref],
			"packageDocuments": []map[string]any{{
				"type": "LABEL", "format": sh.Format,
				"contents": base64.StdEncoding.EncodeToString(shippingLabel(sh.ID, ref)),
			}},
		})
	}
	return map[string]any{"shipmentId": sh.ID, "packageDocumentDetails": details, "promise": map[string]any{}}
}

// ShipmentCount returns how many Shipping API v2 shipments a seller has
// bought, cancelled ones included. Tests use it to check that retries with
// one idempotency key buy one label.
func (s *Server) ShipmentCount(sellerID string) int {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, sh := range st.shipments {
		if sh.Seller == sellerID {
			n++
		}
	}
	return n
}

func (s *Server) shipmentFor(w http.ResponseWriter, r *http.Request, call *Call) *shipmentState {
	sh := s.apis().data.shipments[r.PathValue("shipmentId")]
	if sh == nil || sh.Seller != call.SellerID {
		WriteError(w, http.StatusNotFound, "NotFound", "Shipment not found.", "")
		return nil
	}
	return sh
}

func (s *Server) shippingDocuments(w http.ResponseWriter, r *http.Request, call *Call) {
	if !checkBusinessID(w, r) {
		return
	}
	ref := r.URL.Query().Get("packageClientReferenceId")
	if ref == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Missing required parameter packageClientReferenceId.", "")
		return
	}
	s.withStore(func() {
		sh := s.shipmentFor(w, r, call)
		if sh == nil {
			return
		}
		tracking, ok := sh.TrackingIDs[ref]
		if !ok {
			WriteError(w, http.StatusNotFound, "NotFound", "Package not found.", "")
			return
		}
		format := r.URL.Query().Get("format")
		if format == "" {
			format = sh.Format
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{
			"shipmentId": sh.ID,
			"packageDocumentDetail": map[string]any{
				"packageClientReferenceId": ref, "trackingId": tracking,
				"packageDocuments": []map[string]any{{"type": "LABEL", "format": format, "contents": base64.StdEncoding.EncodeToString(shippingLabel(sh.ID, ref))}},
			},
		}})
	})
}

func (s *Server) shippingTracking(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	trackingID, carrierID := q.Get("trackingId"), q.Get("carrierId")
	if trackingID == "" || carrierID == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "trackingId and carrierId are required.", "")
		return
	}
	s.withStore(func() {
		for _, sh := range s.apis().data.shipments {
			for _, t := range sh.TrackingIDs {
				if t != trackingID || sh.Seller != call.SellerID || sh.Carrier != carrierID {
					continue
				}
				status := "InTransit"
				if sh.Cancelled {
					status = "Undeliverable"
				}
				WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{
					"trackingId": t, "alternateLegTrackingId": "",
					"eventHistory":         []map[string]any{{"eventCode": "ReadyForReceive", "eventTime": rfc3339(time.Now().Add(-time.Hour))}},
					"promisedDeliveryDate": rfc3339(time.Now().Add(48 * time.Hour)),
					"summary":              map[string]any{"status": status},
				}})
				return
			}
		}
		WriteError(w, http.StatusNotFound, "NotFound", "Tracking ID not found.", "")
	})
}

func (s *Server) shippingCancel(w http.ResponseWriter, r *http.Request, call *Call) {
	if !checkBusinessID(w, r) {
		return
	}
	s.withStore(func() {
		sh := s.shipmentFor(w, r, call)
		if sh == nil {
			return
		}
		if sh.Cancelled {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "The shipment is already cancelled.", "")
			return
		}
		sh.Cancelled = true
		WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{}})
	})
}

// mfnShipment is a Merchant Fulfillment shipment.
type mfnShipment struct {
	id, seller, orderID, status, serviceID string
}

// mfnLabel encodes a label the way Merchant Fulfillment does: base64 of
// gzip, with the base64 MD5 of the gzip stream.
func mfnLabel(doc []byte) map[string]any {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(doc)
	_ = zw.Close()
	sum := md5.Sum(buf.Bytes())
	return map[string]any{
		"Contents": base64.StdEncoding.EncodeToString(buf.Bytes()),
		"FileType": "application/pdf",
		"Checksum": base64.StdEncoding.EncodeToString(sum[:]),
	}
}

type mfnDetails struct {
	AmazonOrderID string `json:"AmazonOrderId"`
	ItemList      []struct {
		OrderItemID string `json:"OrderItemId"`
		Quantity    int    `json:"Quantity"`
	} `json:"ItemList"`
	ShipFromAddress struct {
		CountryCode string `json:"CountryCode"`
	} `json:"ShipFromAddress"`
	Weight struct {
		Value float64 `json:"Value"`
		Unit  string  `json:"Unit"`
	} `json:"Weight"`
}

// checkMFN validates shipment details as vaguely as Amazon does.
func (s *Server) checkMFN(w http.ResponseWriter, call *Call, d mfnDetails) *Order {
	if len(d.ShipFromAddress.CountryCode) != 2 || d.ShipFromAddress.CountryCode == "UK" || !(d.Weight.Value > 0) || (d.Weight.Unit != "oz" && d.Weight.Unit != "g") {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid Input", "")
		return nil
	}
	o := s.apis().data.findOrder(call.SellerID, d.AmazonOrderID)
	if o == nil || o.FulfillmentChannel != "MFN" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid Input", "")
		return nil
	}
	return o
}

func (s *Server) mfnEligible(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		ShipmentRequestDetails mfnDetails `json:"ShipmentRequestDetails"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.withStore(func() {
		o := s.checkMFN(w, call, in.ShipmentRequestDetails)
		if o == nil {
			return
		}
		ship := rfc3339(time.Now().Add(24 * time.Hour))
		var services []map[string]any
		for i, svc := range []string{"SYNTH_MFN_STD", "SYNTH_MFN_EXP"} {
			services = append(services, map[string]any{
				"ShippingServiceName": strings.ReplaceAll(svc, "_", " "), "CarrierName": "SYNTHPOST",
				"ShippingServiceId": svc, "ShippingServiceOfferId": fmt.Sprintf("offer-%s-%d", o.ID, i),
				"ShipDate": ship, "Rate": map[string]any{"CurrencyCode": o.Currency, "Amount": 4.95 + float64(i)*6},
				"ShippingServiceOptions":         map[string]any{"DeliveryExperience": "DeliveryConfirmationWithoutSignature", "CarrierWillPickUp": false},
				"RequiresAdditionalSellerInputs": false,
			})
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"ShippingServiceList": services}})
	})
}

func (s *Server) mfnCreate(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		ShipmentRequestDetails mfnDetails `json:"ShipmentRequestDetails"`
		ShippingServiceID      string     `json:"ShippingServiceId"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.withStore(func() {
		o := s.checkMFN(w, call, in.ShipmentRequestDetails)
		if o == nil {
			return
		}
		if in.ShippingServiceID == "" {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid Input", "")
			return
		}
		st := s.apis().data
		id := st.nextID("mfn-")
		sh := &mfnShipment{id: id, seller: call.SellerID, orderID: o.ID, status: "Purchased", serviceID: in.ShippingServiceID}
		st.mfn[id] = sh
		WriteJSON(w, http.StatusOK, map[string]any{"payload": s.renderMFN(sh, o, call)})
	})
}

// renderMFN renders a Merchant Fulfillment shipment; the ship-to address is
// included only with a Restricted Data Token. The caller holds the store lock.
func (s *Server) renderMFN(sh *mfnShipment, o *Order, call *Call) map[string]any {
	var items []map[string]any
	for _, it := range o.Items {
		items = append(items, map[string]any{"OrderItemId": it.ID, "Quantity": it.Quantity})
	}
	m := map[string]any{
		"ShipmentId": sh.id, "AmazonOrderId": o.ID, "ItemList": items,
		"ShipFromAddress":   map[string]any{"Name": "Synthetic Leather Works", "AddressLine1": "1 Workshop Lane", "Email": "shipping@seller.example", "City": "Springfield", "PostalCode": "12345", "CountryCode": "US", "Phone": "5550100"},
		"PackageDimensions": map[string]any{"Length": 20, "Width": 15, "Height": 5, "Unit": "centimeters"},
		"Weight":            map[string]any{"Value": 400, "Unit": "g"},
		"Insurance":         map[string]any{"CurrencyCode": o.Currency, "Amount": 0},
		"ShippingService": map[string]any{
			"ShippingServiceName": sh.serviceID, "CarrierName": "SYNTHPOST", "ShippingServiceId": sh.serviceID,
			"ShippingServiceOfferId": "offer-" + o.ID, "ShipDate": rfc3339(time.Now()),
			"Rate": map[string]any{"CurrencyCode": o.Currency, "Amount": 4.95}, "ShippingServiceOptions": map[string]any{"DeliveryExperience": "NoTracking", "CarrierWillPickUp": false},
			"RequiresAdditionalSellerInputs": false,
		},
		"Label": map[string]any{
			"Dimensions":   map[string]any{"Length": 6, "Width": 4, "Unit": "inches"},
			"FileContents": mfnLabel(shippingLabel(sh.id, "1")),
			"LabelFormat":  "PDF",
		},
		"Status": sh.status, "TrackingId": "TRK-" + sh.id, "CreatedDate": rfc3339(time.Now()),
	}
	if call.Restricted("") {
		m["ShipToAddress"] = map[string]any{
			"Name": o.ShipTo.Name, "AddressLine1": o.ShipTo.AddressLine1, "City": o.ShipTo.City,
			"PostalCode": o.ShipTo.PostalCode, "CountryCode": o.ShipTo.CountryCode, "Phone": o.ShipTo.Phone,
		}
	}
	return m
}

func (s *Server) mfnShipmentFor(w http.ResponseWriter, r *http.Request, call *Call) (*mfnShipment, *Order) {
	st := s.apis().data
	sh := st.mfn[r.PathValue("shipmentId")]
	if sh == nil || sh.seller != call.SellerID {
		WriteError(w, http.StatusNotFound, "NotFound", "Shipment not found.", "")
		return nil, nil
	}
	return sh, st.findOrder(call.SellerID, sh.orderID)
}

func (s *Server) mfnGet(w http.ResponseWriter, r *http.Request, call *Call) {
	s.withStore(func() {
		if sh, o := s.mfnShipmentFor(w, r, call); sh != nil {
			WriteJSON(w, http.StatusOK, map[string]any{"payload": s.renderMFN(sh, o, call)})
		}
	})
}

func (s *Server) mfnCancel(w http.ResponseWriter, r *http.Request, call *Call) {
	s.withStore(func() {
		sh, o := s.mfnShipmentFor(w, r, call)
		if sh == nil {
			return
		}
		if sh.status != "Purchased" {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "The shipment cannot be cancelled in status "+sh.status+".", "")
			return
		}
		sh.status = "RefundPending"
		WriteJSON(w, http.StatusOK, map[string]any{"payload": s.renderMFN(sh, o, call)})
	})
}
