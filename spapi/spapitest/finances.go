package spapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// This file serves FBA inventory summaries and the Finances APIs from the
// loaded data sets.

// inventoryPageSize is small so that the data sets' eight SKUs span pages.
const inventoryPageSize = 5

// inventoryTokenTTL is how long an FBA inventory page token stays valid.
const inventoryTokenTTL = 30 * time.Second

func (s *Server) getInventorySummaries(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	if q.Get("granularityType") != "Marketplace" || q.Get("granularityId") == "" || q.Get("marketplaceIds") == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "granularityType=Marketplace, granularityId and marketplaceIds are required.", "")
		return
	}
	mid := q.Get("granularityId")
	skus := splitList(q.Get("sellerSkus"))
	if one := q.Get("sellerSku"); one != "" {
		skus = []string{one}
	}
	if len(skus) > 50 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "sellerSkus takes at most 50 SKUs.", "")
		return
	}
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	offset := 0
	if tok := q.Get("nextToken"); tok != "" {
		pt, ok := st.tokens[tok]
		if !ok || pt.operation != call.Operation || pt.seller != call.SellerID {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid nextToken.", "")
			return
		}
		if time.Since(pt.issued) > inventoryTokenTTL {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "The nextToken has expired.", "")
			return
		}
		offset = pt.offset
	}
	var all []*InventoryItem
	if sd := st.seller(call.SellerID); sd != nil {
		for _, it := range sd.Inventory {
			if it.MarketplaceID == mid && (len(skus) == 0 || slices.Contains(skus, it.SKU)) {
				all = append(all, it)
			}
		}
	}
	offset = min(offset, len(all))
	end := min(offset+inventoryPageSize, len(all))
	details := q.Get("details") == "true"
	summaries := []map[string]any{}
	for _, it := range all[offset:end] {
		m := map[string]any{
			"asin": it.ASIN, "fnSku": it.FNSKU, "sellerSku": it.SKU, "condition": it.Condition,
			"lastUpdatedTime": rfc3339(it.LastUpdated), "productName": it.ProductName, "totalQuantity": it.TotalQuantity(),
		}
		if details {
			m["inventoryDetails"] = map[string]any{
				"fulfillableQuantity": it.FulfillableQuantity, "inboundWorkingQuantity": it.InboundQuantity,
				"reservedQuantity": map[string]any{"totalReservedQuantity": it.ReservedQuantity},
			}
		}
		summaries = append(summaries, m)
	}
	out := map[string]any{"payload": map[string]any{
		"granularity":        map[string]any{"granularityType": "Marketplace", "granularityId": mid},
		"inventorySummaries": summaries,
	}}
	if end < len(all) {
		out["pagination"] = map[string]any{"nextToken": st.issueToken(call.Operation, call.SellerID, end, q, "nextToken")}
	}
	WriteJSON(w, http.StatusOK, out)
}

// financeRetention is how far back Amazon serves financial events.
const financeRetention = 365 * 24 * time.Hour

// financeWindow reads PostedAfter and PostedBefore (names differ by API
// version) and checks them as Amazon does. ok is false when an error was
// written; empty is true for ranges over 180 days, for which Amazon returns
// no events.
func (s *Server) financeWindow(w http.ResponseWriter, r *http.Request, afterName, beforeName string) (after, before time.Time, empty, ok bool) {
	q := r.URL.Query()
	now := s.apis().data.now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	after, ok1 := parseTimeParam(q, afterName)
	before, ok2 := parseTimeParam(q, beforeName)
	if !ok1 || !ok2 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "timestamp must follow ISO8601", "")
		return after, before, false, false
	}
	if before.IsZero() {
		before = now
	}
	if !after.IsZero() && after.Before(now.Add(-financeRetention)) {
		WriteError(w, http.StatusBadRequest, "InvalidInput", afterName+" "+rfc3339(after)+" is not valid, given the retention period: 365", "")
		return after, before, false, false
	}
	if !after.IsZero() && before.Sub(after) > 180*24*time.Hour {
		return after, before, true, true
	}
	return after, before, false, true
}

// eventInWindow reports whether an event belongs to a window. Events that
// are not posted yet appear in windows that reach the data set's present.
func (s *Server) eventInWindow(ev *FinancialEvent, after, before time.Time) bool {
	if ev.PostedDate.IsZero() {
		now := s.apis().data.now
		return !before.Before(now.Add(-24 * time.Hour))
	}
	return !ev.PostedDate.Before(after) && ev.PostedDate.Before(before)
}

func money(cents int64, currency string) map[string]any {
	return map[string]any{"CurrencyCode": currency, "CurrencyAmount": json.Number(formatCents(cents, currency))}
}

func renderShipmentEvent(ev *FinancialEvent) map[string]any {
	m := map[string]any{
		"AmazonOrderId": ev.OrderID, "MarketplaceName": marketplaceByID(ev.MarketplaceID).name,
		"ShipmentItemList": []map[string]any{{
			"SellerSKU": ev.SKU, "OrderItemId": ev.OrderItemID, "QuantityShipped": ev.Quantity,
			"ItemChargeList": []map[string]any{{"ChargeType": "Principal", "ChargeAmount": money(ev.Principal, ev.Currency)}},
			"ItemFeeList":    []map[string]any{{"FeeType": "Commission", "FeeAmount": money(ev.Fee, ev.Currency)}},
		}},
	}
	if !ev.PostedDate.IsZero() {
		m["PostedDate"] = rfc3339(ev.PostedDate)
	}
	return m
}

func (s *Server) listFinancialEvents(w http.ResponseWriter, r *http.Request, call *Call) {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	after, before, empty, ok := s.financeWindow(w, r, "PostedAfter", "PostedBefore")
	if !ok {
		return
	}
	events := []map[string]any{}
	if sd := st.seller(call.SellerID); sd != nil && !empty {
		for _, ev := range sd.Events {
			if s.eventInWindow(ev, after, before) {
				events = append(events, renderShipmentEvent(ev))
			}
		}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{
		"FinancialEvents": map[string]any{"ShipmentEventList": events, "RefundEventList": []any{}},
	}})
}

func (s *Server) listFinancialEventsByOrder(w http.ResponseWriter, r *http.Request, call *Call) {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	events := []map[string]any{}
	if sd := st.seller(call.SellerID); sd != nil {
		for _, ev := range sd.Events {
			if ev.OrderID == r.PathValue("orderId") {
				events = append(events, renderShipmentEvent(ev))
			}
		}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{
		"FinancialEvents": map[string]any{"ShipmentEventList": events},
	}})
}

// transactionsPageSize is small so that the data sets' events span pages.
const transactionsPageSize = 10

// listTransactions serves Finances 2024-06-19. Later pages repeat the
// arguments and add nextToken.
func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	if q.Get("postedAfter") == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "postedAfter is required.", "")
		return
	}
	after, before, empty, ok := s.financeWindow(w, r, "postedAfter", "postedBefore")
	if !ok {
		return
	}
	offset := 0
	if tok := q.Get("nextToken"); tok != "" {
		pt, found := st.tokens[tok]
		if !found || pt.operation != call.Operation || pt.seller != call.SellerID || pt.query != canonicalQuery(q, "nextToken") {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid nextToken: later pages must repeat the arguments of the first.", "")
			return
		}
		offset = pt.offset
	}
	mid := q.Get("marketplaceId")
	var all []*FinancialEvent
	if sd := st.seller(call.SellerID); sd != nil && !empty {
		for _, ev := range sd.Events {
			if !ev.PostedDate.IsZero() && s.eventInWindow(ev, after, before) && (mid == "" || ev.MarketplaceID == mid) {
				all = append(all, ev)
			}
		}
	}
	offset = min(offset, len(all))
	end := min(offset+transactionsPageSize, len(all))
	txs := []map[string]any{}
	for i, ev := range all[offset:end] {
		total := ev.Principal + ev.Fee
		txs = append(txs, map[string]any{
			"sellingPartnerMetadata": map[string]any{"sellingPartnerId": call.SellerID, "accountType": "Standard Orders", "marketplaceId": ev.MarketplaceID},
			"relatedIdentifiers":     []map[string]any{{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": ev.OrderID}},
			"transactionType":        "Shipment",
			"transactionId":          "tx-" + ev.OrderItemID + "-" + strconv.Itoa(offset+i),
			"transactionStatus":      "RELEASED",
			"description":            "Order Payment",
			"postedDate":             rfc3339(ev.PostedDate),
			"totalAmount":            map[string]any{"currencyCode": ev.Currency, "currencyAmount": json.Number(formatCents(total, ev.Currency))},
			"marketplaceDetails":     map[string]any{"marketplaceId": ev.MarketplaceID, "marketplaceName": marketplaceByID(ev.MarketplaceID).name},
		})
	}
	payload := map[string]any{"transactions": txs}
	if end < len(all) {
		payload["nextToken"] = st.issueToken(call.Operation, call.SellerID, end, q, "nextToken")
	}
	WriteJSON(w, http.StatusOK, map[string]any{"payload": payload})
}
