package spapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file serves the Orders API (v0 and 2026-01-01) from the loaded data
// sets.

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// parseTimeParam parses an optional timestamp query parameter.
func parseTimeParam(q url.Values, name string) (time.Time, bool) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

// orderFilter selects orders for getOrders and searchOrders.
type orderFilter struct {
	marketplaces                []string
	createdAfter, createdBefore time.Time
	updatedAfter, updatedBefore time.Time
	statuses                    []string // v0 statuses or 2026 fulfilment statuses
	channels                    []string // MFN/AFN or MERCHANT/AMAZON
	ids                         []string
}

func (f orderFilter) match(o *Order, v2026 bool) bool {
	if len(f.marketplaces) > 0 && !slices.Contains(f.marketplaces, o.MarketplaceID) {
		return false
	}
	if !f.createdAfter.IsZero() && o.PurchaseDate.Before(f.createdAfter) {
		return false
	}
	if !f.createdBefore.IsZero() && !o.PurchaseDate.Before(f.createdBefore) {
		return false
	}
	if !f.updatedAfter.IsZero() && o.LastUpdateDate.Before(f.updatedAfter) {
		return false
	}
	if !f.updatedBefore.IsZero() && !o.LastUpdateDate.Before(f.updatedBefore) {
		return false
	}
	status, channel := o.Status, o.FulfillmentChannel
	if v2026 {
		status = o.FulfillmentStatus()
		channel = map[string]string{"MFN": "MERCHANT", "AFN": "AMAZON"}[channel]
	}
	if len(f.statuses) > 0 && !slices.Contains(f.statuses, status) {
		return false
	}
	if len(f.channels) > 0 && !slices.Contains(f.channels, channel) {
		return false
	}
	if len(f.ids) > 0 && !slices.Contains(f.ids, o.ID) {
		return false
	}
	return true
}

// pageOrders applies a filter, page size and page token. It writes an error
// and returns ok false when the request is invalid.
func (s *Server) pageOrders(w http.ResponseWriter, r *http.Request, call *Call, f orderFilter, v2026 bool, tokenParam, sizeParam string) (page []*Order, next string, ok bool) {
	q := r.URL.Query()
	size := 100
	if v := q.Get(sizeParam); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			WriteError(w, http.StatusBadRequest, "InvalidInput", sizeParam+" must be between 1 and 100.", "")
			return nil, "", false
		}
		size = n
	}

	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	offset := 0
	if tok := q.Get(tokenParam); tok != "" {
		pt, found := st.tokens[tok]
		if !found || pt.operation != call.Operation || pt.seller != call.SellerID {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid "+tokenParam+".", "")
			return nil, "", false
		}
		if pt.query != canonicalQuery(q, tokenParam) {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "The filters of a later page must repeat those of the first page.", "")
			return nil, "", false
		}
		offset = pt.offset
	}
	sd := st.seller(call.SellerID)
	var all []*Order
	if sd != nil {
		for _, o := range sd.Orders {
			if f.match(o, v2026) {
				all = append(all, o)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].PurchaseDate.Before(all[j].PurchaseDate) })
	if offset > len(all) {
		offset = len(all)
	}
	end := min(offset+size, len(all))
	if end < len(all) {
		next = st.issueToken(call.Operation, call.SellerID, end, q, tokenParam)
	}
	return all[offset:end], next, true
}

func (s *Server) getOrdersV0(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	f := orderFilter{
		marketplaces: splitList(q.Get("MarketplaceIds")),
		statuses:     splitList(q.Get("OrderStatuses")),
		channels:     splitList(q.Get("FulfillmentChannels")),
		ids:          splitList(q.Get("AmazonOrderIds")),
	}
	if len(f.marketplaces) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Missing required parameter MarketplaceIds.", "")
		return
	}
	var ok1, ok2, ok3, ok4 bool
	f.createdAfter, ok1 = parseTimeParam(q, "CreatedAfter")
	f.createdBefore, ok2 = parseTimeParam(q, "CreatedBefore")
	f.updatedAfter, ok3 = parseTimeParam(q, "LastUpdatedAfter")
	f.updatedBefore, ok4 = parseTimeParam(q, "LastUpdatedBefore")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "timestamp must follow ISO8601", "")
		return
	}
	if f.createdAfter.IsZero() && f.updatedAfter.IsZero() && len(f.ids) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be specified.", "")
		return
	}
	page, next, ok := s.pageOrders(w, r, call, f, false, "NextToken", "MaxResultsPerPage")
	if !ok {
		return
	}
	orders := make([]map[string]any, 0, len(page))
	for _, o := range page {
		orders = append(orders, s.renderOrderV0(o, call))
	}
	payload := map[string]any{"Orders": orders, "CreatedBefore": rfc3339(time.Now().Add(-2 * time.Minute))}
	if next != "" {
		payload["NextToken"] = next
	}
	WriteJSON(w, http.StatusOK, map[string]any{"payload": payload})
}

// orderFor returns the caller's order named by the path, or writes 404.
func (s *Server) orderFor(w http.ResponseWriter, r *http.Request, call *Call) *Order {
	st := s.apis().data
	st.mu.Lock()
	o := st.findOrder(call.SellerID, r.PathValue("orderId"))
	st.mu.Unlock()
	if o == nil {
		WriteError(w, http.StatusNotFound, "NotFound", "Order not found.", "")
	}
	return o
}

func (s *Server) getOrderV0(w http.ResponseWriter, r *http.Request, call *Call) {
	if o := s.orderFor(w, r, call); o != nil {
		s.withStore(func() { WriteJSON(w, http.StatusOK, map[string]any{"payload": s.renderOrderV0(o, call)}) })
	}
}

func (s *Server) getOrderBuyerInfoV0(w http.ResponseWriter, r *http.Request, call *Call) {
	o := s.orderFor(w, r, call)
	if o == nil {
		return
	}
	if !call.Restricted("") {
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The operation requires a Restricted Data Token.")
		return
	}
	s.withStore(func() {
		payload := map[string]any{"AmazonOrderId": o.ID}
		if o.HasBuyerData {
			for k, v := range renderBuyerInfoV0(o) {
				payload[k] = v
			}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": payload})
	})
}

func (s *Server) getOrderAddressV0(w http.ResponseWriter, r *http.Request, call *Call) {
	o := s.orderFor(w, r, call)
	if o == nil {
		return
	}
	if !call.Restricted("") {
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The operation requires a Restricted Data Token.")
		return
	}
	s.withStore(func() {
		payload := map[string]any{"AmazonOrderId": o.ID}
		if o.HasBuyerData {
			payload["ShippingAddress"] = renderAddressV0(o, true)
			if o.Buyer.CompanyName != "" {
				payload["BuyerCompanyName"] = o.Buyer.CompanyName
			}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": payload})
	})
}

func (s *Server) getOrderItemsV0(w http.ResponseWriter, r *http.Request, call *Call) {
	o := s.orderFor(w, r, call)
	if o == nil {
		return
	}
	withBuyer := call.Restricted("buyerInfo")
	s.withStore(func() {
		items := make([]map[string]any, 0, len(o.Items))
		for _, it := range o.Items {
			items = append(items, s.renderItemV0(o, it, withBuyer))
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"AmazonOrderId": o.ID, "OrderItems": items}})
	})
}

func (s *Server) getOrderItemsBuyerInfoV0(w http.ResponseWriter, r *http.Request, call *Call) {
	o := s.orderFor(w, r, call)
	if o == nil {
		return
	}
	if !call.Restricted("") {
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The operation requires a Restricted Data Token.")
		return
	}
	s.withStore(func() {
		items := make([]map[string]any, 0, len(o.Items))
		for _, it := range o.Items {
			m := s.itemBuyerInfo(it)
			m["OrderItemId"] = it.ID
			items = append(items, m)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"AmazonOrderId": o.ID, "OrderItems": items}})
	})
}

// withStore runs fn with the store locked, for rendering.
func (s *Server) withStore(fn func()) {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	fn()
}

// renderOrderV0 renders an order as getOrders v0 returns it. Without an
// RDT, the shipping address has only its city, region, postal code and
// country, as Amazon sends it. The caller holds the store lock.
func (s *Server) renderOrderV0(o *Order, call *Call) map[string]any {
	shipped, unshipped := 0, 0
	for _, it := range o.Items {
		shipped += it.QuantityShipped
		unshipped += it.Quantity - it.QuantityShipped
	}
	m := map[string]any{
		"AmazonOrderId":                o.ID,
		"PurchaseDate":                 rfc3339(o.PurchaseDate),
		"LastUpdateDate":               rfc3339(o.LastUpdateDate),
		"OrderStatus":                  o.Status,
		"FulfillmentChannel":           o.FulfillmentChannel,
		"SalesChannel":                 marketplaceByID(o.MarketplaceID).name,
		"ShipServiceLevel":             o.ShipServiceLevel,
		"NumberOfItemsShipped":         shipped,
		"NumberOfItemsUnshipped":       unshipped,
		"PaymentMethod":                "Other",
		"PaymentMethodDetails":         []string{"Standard"},
		"MarketplaceId":                o.MarketplaceID,
		"ShipmentServiceLevelCategory": "Standard",
		"OrderType":                    "StandardOrder",
		"EarliestShipDate":             rfc3339(o.PurchaseDate),
		"LatestShipDate":               rfc3339(o.LatestShipDate),
		"IsBusinessOrder":              o.IsBusiness,
		"IsPrime":                      o.IsPrime,
		"IsPremiumOrder":               false,
		"IsGlobalExpressEnabled":       false,
		"IsReplacementOrder":           false,
		"IsSoldByAB":                   false,
		"IsISPU":                       false,
		"IsAccessPointOrder":           false,
		"HasRegulatedItems":            false,
	}
	if o.Status != OrderPending {
		m["OrderTotal"] = map[string]any{"CurrencyCode": o.Currency, "Amount": o.Total()}
	}
	if o.HasBuyerData {
		m["ShippingAddress"] = renderAddressV0(o, call.Restricted("shippingAddress"))
		if call.Restricted("buyerInfo") {
			m["BuyerInfo"] = renderBuyerInfoV0(o)
		}
		if o.IsBusiness && call.Restricted("buyerTaxInformation") {
			m["BuyerTaxInformation"] = map[string]any{"BuyerLegalCompanyName": o.Buyer.CompanyName, "BuyerTaxRegistrationId": "VAT" + o.ID[:3]}
		}
	}
	return m
}

func renderAddressV0(o *Order, full bool) map[string]any {
	a := o.ShipTo
	m := map[string]any{"City": a.City, "PostalCode": a.PostalCode, "CountryCode": a.CountryCode}
	if a.StateOrRegion != "" {
		m["StateOrRegion"] = a.StateOrRegion
	}
	if !full || o.FulfillmentChannel == "AFN" {
		return m
	}
	m["Name"] = a.Name
	m["AddressLine1"] = a.AddressLine1
	if a.AddressLine2 != "" {
		m["AddressLine2"] = a.AddressLine2
	}
	if a.County != "" {
		m["County"] = a.County
	}
	if a.CompanyName != "" {
		m["CompanyName"] = a.CompanyName
	}
	m["Phone"] = a.Phone
	m["AddressType"] = a.AddressType
	return m
}

func renderBuyerInfoV0(o *Order) map[string]any {
	m := map[string]any{"BuyerEmail": o.Buyer.Email, "BuyerName": o.Buyer.Name}
	if o.IsBusiness {
		m["BuyerTaxInfo"] = map[string]any{"CompanyLegalName": o.Buyer.CompanyName, "TaxingRegion": o.ShipTo.CountryCode}
		m["PurchaseOrderNumber"] = "PO-" + o.ID[:3]
	}
	return m
}

// renderItemV0 renders an order item as getOrderItems v0 returns it. The
// caller holds the store lock.
func (s *Server) renderItemV0(o *Order, it *OrderItem, withBuyer bool) map[string]any {
	m := map[string]any{
		"ASIN":            it.ASIN,
		"SellerSKU":       it.SKU,
		"OrderItemId":     it.ID,
		"Title":           it.Title,
		"QuantityOrdered": it.Quantity,
		"QuantityShipped": it.QuantityShipped,
		"ItemPrice":       map[string]any{"CurrencyCode": o.Currency, "Amount": formatCents(it.UnitPriceCents*int64(it.Quantity), o.Currency)},
		"IsGift":          strconv.FormatBool(it.GiftMessage != ""),
		"ConditionId":     "New",
		"IsTransparency":  false,
	}
	if withBuyer {
		m["BuyerInfo"] = s.itemBuyerInfo(it)
	}
	return m
}

// itemBuyerInfo renders the buyer data of an item: the customisation URL
// (a fresh document URL, "" or missing) and the gift message. The caller
// holds the store lock.
func (s *Server) itemBuyerInfo(it *OrderItem) map[string]any {
	m := map[string]any{}
	if u := s.customizedURL(it); u != "" {
		m["BuyerCustomizedInfo"] = map[string]any{"CustomizedURL": u}
	} else if it.URLForm == "empty" {
		m["BuyerCustomizedInfo"] = map[string]any{"CustomizedURL": ""}
	}
	if it.GiftMessage != "" {
		m["GiftMessageText"] = it.GiftMessage
		m["GiftWrapLevel"] = "Classic"
	}
	return m
}

// customizedURL returns a fresh URL of the item's customisation zip, or "".
// The caller holds the store lock, which DocumentURL does not take.
func (s *Server) customizedURL(it *OrderItem) string {
	id, ok := s.apis().data.customDoc[it]
	if !ok {
		return ""
	}
	return s.DocumentURL(id)
}

func (s *Server) searchOrders(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	f := orderFilter{
		marketplaces: splitList(q.Get("marketplaceIds")),
		statuses:     splitList(q.Get("fulfillmentStatuses")),
		channels:     splitList(q.Get("fulfilledBy")),
	}
	var ok1, ok2, ok3, ok4 bool
	f.createdAfter, ok1 = parseTimeParam(q, "createdAfter")
	f.createdBefore, ok2 = parseTimeParam(q, "createdBefore")
	f.updatedAfter, ok3 = parseTimeParam(q, "lastUpdatedAfter")
	f.updatedBefore, ok4 = parseTimeParam(q, "lastUpdatedBefore")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "timestamp must follow ISO8601", "")
		return
	}
	if f.createdAfter.IsZero() && f.updatedAfter.IsZero() {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Either createdAfter or lastUpdatedAfter must be specified.", "")
		return
	}
	included := splitList(q.Get("includedData"))
	page, next, ok := s.pageOrders(w, r, call, f, true, "paginationToken", "maxResultsPerPage")
	if !ok {
		return
	}
	s.withStore(func() {
		orders := make([]map[string]any, 0, len(page))
		for _, o := range page {
			orders = append(orders, s.renderOrder(o, included))
		}
		out := map[string]any{"orders": orders, "createdBefore": rfc3339(time.Now().Add(-2 * time.Minute))}
		if next != "" {
			out["pagination"] = map[string]any{"nextToken": next}
		}
		WriteJSON(w, http.StatusOK, out)
	})
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, call *Call) {
	o := s.orderFor(w, r, call)
	if o == nil {
		return
	}
	included := splitList(r.URL.Query().Get("includedData"))
	s.withStore(func() { WriteJSON(w, http.StatusOK, map[string]any{"order": s.renderOrder(o, included)}) })
}

// renderOrder renders an order as the 2026-01-01 API returns it, with the
// sections in included. Customisation URLs are always sent; gift messages
// come with FULFILLMENT. The caller holds the store lock.
func (s *Server) renderOrder(o *Order, included []string) map[string]any {
	has := func(x string) bool { return slices.Contains(included, x) }
	var programs []string
	if o.IsPrime {
		programs = append(programs, "PRIME")
	}
	if o.IsBusiness {
		programs = append(programs, "AMAZON_BUSINESS")
	}
	m := map[string]any{
		"orderId":         o.ID,
		"createdTime":     rfc3339(o.PurchaseDate),
		"lastUpdatedTime": rfc3339(o.LastUpdateDate),
		"salesChannel":    map[string]any{"channelName": "AMAZON", "marketplaceId": o.MarketplaceID, "marketplaceName": marketplaceByID(o.MarketplaceID).name},
		"unknownField":    map[string]any{"addedLater": true},
	}
	if len(programs) > 0 {
		m["programs"] = programs
	}
	if has("BUYER") && o.HasBuyerData {
		b := map[string]any{"buyerName": o.Buyer.Name, "buyerEmail": o.Buyer.Email}
		if o.Buyer.CompanyName != "" {
			b["buyerCompanyName"] = o.Buyer.CompanyName
		}
		m["buyer"] = b
	}
	if has("RECIPIENT") && o.HasBuyerData {
		a := o.ShipTo
		addr := map[string]any{"city": a.City, "postalCode": a.PostalCode, "countryCode": a.CountryCode}
		if a.StateOrRegion != "" {
			addr["stateOrRegion"] = a.StateOrRegion
		}
		if o.FulfillmentChannel == "MFN" {
			addr["name"] = a.Name
			addr["addressLine1"] = a.AddressLine1
			if a.AddressLine2 != "" {
				addr["addressLine2"] = a.AddressLine2
			}
			if a.County != "" {
				addr["districtOrCounty"] = a.County
			}
			if a.CompanyName != "" {
				addr["companyName"] = a.CompanyName
			}
			addr["phone"] = a.Phone
			addr["addressType"] = strings.ToUpper(a.AddressType)
		}
		m["recipient"] = map[string]any{"deliveryAddress": addr}
	}
	if has("PROCEEDS") && o.Status != OrderPending {
		m["proceeds"] = map[string]any{"grandTotal": map[string]any{"amount": o.Total(), "currencyCode": o.Currency}}
	}
	if has("FULFILLMENT") {
		by := map[string]string{"MFN": "MERCHANT", "AFN": "AMAZON"}[o.FulfillmentChannel]
		m["fulfillment"] = map[string]any{
			"fulfillmentStatus": o.FulfillmentStatus(), "fulfilledBy": by, "fulfillmentServiceLevel": "STANDARD",
			"shipByWindow": map[string]any{"latestDateTime": rfc3339(o.LatestShipDate)},
		}
	}
	if has("PACKAGES") && len(o.Shipments) > 0 {
		var pkgs []map[string]any
		for i, sh := range o.Shipments {
			var items []map[string]any
			for id, qty := range sh.Items {
				items = append(items, map[string]any{"orderItemId": id, "quantity": qty})
			}
			pkgs = append(pkgs, map[string]any{
				"packageReferenceId": strconv.Itoa(i + 1), "carrier": sh.CarrierCode, "trackingNumber": sh.TrackingNumber,
				"shipTime": rfc3339(sh.ShipDate), "packageStatus": map[string]any{"status": "SHIPPED"}, "packageItems": items,
			})
		}
		m["packages"] = pkgs
	}

	items := make([]map[string]any, 0, len(o.Items))
	for _, it := range o.Items {
		product := map[string]any{
			"asin": it.ASIN, "title": it.Title, "sellerSku": it.SKU,
			"condition": map[string]any{"conditionType": "NEW"},
			"price":     map[string]any{"unitPrice": map[string]any{"amount": formatCents(it.UnitPriceCents, o.Currency), "currencyCode": o.Currency}},
		}
		if u := s.customizedURL(it); u != "" {
			product["customization"] = map[string]any{"customizedUrl": u}
		} else if it.URLForm == "empty" {
			product["customization"] = map[string]any{"customizedUrl": ""}
		}
		item := map[string]any{"orderItemId": it.ID, "quantityOrdered": it.Quantity, "product": product}
		if has("FULFILLMENT") {
			f := map[string]any{"quantityFulfilled": it.QuantityShipped, "quantityUnfulfilled": it.Quantity - it.QuantityShipped}
			if it.GiftMessage != "" {
				f["packing"] = map[string]any{"giftOption": map[string]any{"giftMessage": it.GiftMessage, "giftWrapLevel": "CLASSIC"}}
			}
			item["fulfillment"] = f
		}
		items = append(items, item)
	}
	m["orderItems"] = items
	return m
}

// confirmShipment records a shipment and moves the order to Shipped or
// PartiallyShipped.
func (s *Server) confirmShipment(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		MarketplaceID string `json:"marketplaceId"`
		PackageDetail struct {
			PackageReferenceID string `json:"packageReferenceId"`
			CarrierCode        string `json:"carrierCode"`
			TrackingNumber     string `json:"trackingNumber"`
			ShipDate           string `json:"shipDate"`
			OrderItems         []struct {
				OrderItemID string `json:"orderItemId"`
				Quantity    int    `json:"quantity"`
			} `json:"orderItems"`
		} `json:"packageDetail"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &in); err != nil {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Could not parse the request body.", "")
		return
	}
	d := in.PackageDetail
	shipDate, err := time.Parse(time.RFC3339Nano, d.ShipDate)
	if err != nil {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "shipDate must follow ISO8601.", "")
		return
	}
	if in.MarketplaceID == "" || d.PackageReferenceID == "" || d.CarrierCode == "" || d.TrackingNumber == "" || len(d.OrderItems) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Missing required fields.", "")
		return
	}

	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.findOrder(call.SellerID, r.PathValue("orderId"))
	if o == nil {
		WriteError(w, http.StatusNotFound, "NotFound", "Order not found.", "")
		return
	}
	if o.MarketplaceID != in.MarketplaceID {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "The order does not belong to the marketplace.", "")
		return
	}
	if o.FulfillmentChannel != "MFN" || (o.Status != OrderUnshipped && o.Status != OrderPartiallyShipped) {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "The order cannot be confirmed in status "+o.Status+".", "")
		return
	}
	items := map[string]int{}
	for _, ci := range d.OrderItems {
		var found *OrderItem
		for _, it := range o.Items {
			if it.ID == ci.OrderItemID {
				found = it
			}
		}
		if found == nil || ci.Quantity <= 0 || found.QuantityShipped+ci.Quantity > found.Quantity {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid order item or quantity.", "")
			return
		}
		items[ci.OrderItemID] += ci.Quantity
	}
	recordShipment(o, ConfirmedShipment{CarrierCode: d.CarrierCode, TrackingNumber: d.TrackingNumber, ShipDate: shipDate, Items: items})
	w.WriteHeader(http.StatusNoContent)
}

// recordShipment applies a shipment to an order. The caller holds the
// store lock and has checked the quantities.
func recordShipment(o *Order, sh ConfirmedShipment) {
	for _, it := range o.Items {
		it.QuantityShipped += sh.Items[it.ID]
	}
	o.Shipments = append(o.Shipments, sh)
	o.Status = OrderShipped
	for _, it := range o.Items {
		if it.QuantityShipped < it.Quantity {
			o.Status = OrderPartiallyShipped
		}
	}
	o.LastUpdateDate = time.Now().UTC().Truncate(time.Second)
}
