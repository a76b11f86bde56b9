package spapitest

import (
	"net/http"
)

// typedRoute is an operation of a typed API that the server implements.
type typedRoute struct {
	operation string
	method    string
	pattern   string
	// restriction is set for operations that return restricted data.
	restriction *Restriction
	// grantless is the scope of grantless operations.
	grantless string
	// handler serves the loaded data sets. A nil handler serves the sandbox
	// vectors only.
	handler func(s *Server, w http.ResponseWriter, r *http.Request, call *Call)
}

var ordersData = &Restriction{DataElements: []string{"buyerInfo", "shippingAddress", "buyerTaxInformation"}}

// typedRoutes lists the operations of the typed APIs, with the paths of
// Amazon's models.
var typedRoutes = []typedRoute{
	{"orders.getOrders", "GET", "/orders/v0/orders", ordersData, "", (*Server).getOrdersV0},
	{"orders.getOrder", "GET", "/orders/v0/orders/{orderId}", ordersData, "", (*Server).getOrderV0},
	{"orders.getOrderBuyerInfo", "GET", "/orders/v0/orders/{orderId}/buyerInfo", &Restriction{}, "", (*Server).getOrderBuyerInfoV0},
	{"orders.getOrderAddress", "GET", "/orders/v0/orders/{orderId}/address", &Restriction{}, "", (*Server).getOrderAddressV0},
	{"orders.getOrderItems", "GET", "/orders/v0/orders/{orderId}/orderItems", &Restriction{DataElements: []string{"buyerInfo"}}, "", (*Server).getOrderItemsV0},
	{"orders.getOrderItemsBuyerInfo", "GET", "/orders/v0/orders/{orderId}/orderItems/buyerInfo", &Restriction{}, "", (*Server).getOrderItemsBuyerInfoV0},
	{"orders.confirmShipment", "POST", "/orders/v0/orders/{orderId}/shipmentConfirmation", nil, "", (*Server).confirmShipment},
	{"orders20260101.searchOrders", "GET", "/orders/2026-01-01/orders", nil, "", (*Server).searchOrders},
	{"orders20260101.getOrder", "GET", "/orders/2026-01-01/orders/{orderId}", nil, "", (*Server).getOrder},

	{"mfn.getEligibleShipmentServices", "POST", "/mfn/v0/eligibleShippingServices", nil, "", (*Server).mfnEligible},
	{"mfn.getAdditionalSellerInputs", "POST", "/mfn/v0/additionalSellerInputs", nil, "", nil},
	{"mfn.createShipment", "POST", "/mfn/v0/shipments", &Restriction{}, "", (*Server).mfnCreate},
	{"mfn.getShipment", "GET", "/mfn/v0/shipments/{shipmentId}", &Restriction{}, "", (*Server).mfnGet},
	{"mfn.cancelShipment", "DELETE", "/mfn/v0/shipments/{shipmentId}", &Restriction{}, "", (*Server).mfnCancel},

	{"shipping.getRates", "POST", "/shipping/v2/shipments/rates", nil, "", (*Server).shippingRates},
	{"shipping.purchaseShipment", "POST", "/shipping/v2/shipments", nil, "", (*Server).shippingPurchase},
	{"shipping.getShipmentDocuments", "GET", "/shipping/v2/shipments/{shipmentId}/documents", nil, "", (*Server).shippingDocuments},
	{"shipping.getTracking", "GET", "/shipping/v2/tracking", nil, "", (*Server).shippingTracking},
	{"shipping.cancelShipment", "PUT", "/shipping/v2/shipments/{shipmentId}/cancel", nil, "", (*Server).shippingCancel},
	{"shipping.getAdditionalInputs", "GET", "/shipping/v2/shipments/additionalInputs/schema", nil, "", nil},

	{"feeds.createFeedDocument", "POST", "/feeds/2021-06-30/documents", nil, "", (*Server).createFeedDocument},
	{"feeds.createFeed", "POST", "/feeds/2021-06-30/feeds", nil, "", (*Server).createFeed},
	{"feeds.getFeed", "GET", "/feeds/2021-06-30/feeds/{feedId}", nil, "", (*Server).getFeed},
	{"feeds.getFeeds", "GET", "/feeds/2021-06-30/feeds", nil, "", (*Server).getFeeds},
	{"feeds.cancelFeed", "DELETE", "/feeds/2021-06-30/feeds/{feedId}", nil, "", (*Server).cancelFeed},
	{"feeds.getFeedDocument", "GET", "/feeds/2021-06-30/documents/{feedDocumentId}", nil, "", (*Server).getFeedDocument},

	{"reports.createReport", "POST", "/reports/2021-06-30/reports", nil, "", (*Server).createReport},
	{"reports.getReport", "GET", "/reports/2021-06-30/reports/{reportId}", nil, "", (*Server).getReport},
	{"reports.getReports", "GET", "/reports/2021-06-30/reports", nil, "", (*Server).getReports},
	{"reports.cancelReport", "DELETE", "/reports/2021-06-30/reports/{reportId}", nil, "", (*Server).cancelReport},
	{"reports.getReportDocument", "GET", "/reports/2021-06-30/documents/{reportDocumentId}", nil, "", (*Server).getReportDocument},

	{"listings.getListingsItem", "GET", "/listings/2021-08-01/items/{sellerId}/{sku}", nil, "", (*Server).getListingsItem},
	{"listings.patchListingsItem", "PATCH", "/listings/2021-08-01/items/{sellerId}/{sku}", nil, "", (*Server).patchListingsItem},
	{"listings.putListingsItem", "PUT", "/listings/2021-08-01/items/{sellerId}/{sku}", nil, "", nil},
	{"listings.deleteListingsItem", "DELETE", "/listings/2021-08-01/items/{sellerId}/{sku}", nil, "", nil},
	{"listings.searchListingsItems", "GET", "/listings/2021-08-01/items/{sellerId}", nil, "", nil},

	{"fbainventory.getInventorySummaries", "GET", "/fba/inventory/v1/summaries", nil, "", (*Server).getInventorySummaries},

	{"finances.listFinancialEventGroups", "GET", "/finances/v0/financialEventGroups", nil, "", nil},
	{"finances.listFinancialEventsByGroupId", "GET", "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents", nil, "", nil},
	{"finances.listFinancialEventsByOrderId", "GET", "/finances/v0/orders/{orderId}/financialEvents", nil, "", (*Server).listFinancialEventsByOrder},
	{"finances.listFinancialEvents", "GET", "/finances/v0/financialEvents", nil, "", (*Server).listFinancialEvents},
	{"finances20240619.listTransactions", "GET", "/finances/2024-06-19/transactions", nil, "", (*Server).listTransactions},

	{"notifications.getSubscription", "GET", "/notifications/v1/subscriptions/{notificationType}", nil, "", nil},
	{"notifications.createSubscription", "POST", "/notifications/v1/subscriptions/{notificationType}", nil, "", nil},
	{"notifications.getSubscriptionById", "GET", "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", nil, notificationsScope, nil},
	{"notifications.deleteSubscriptionById", "DELETE", "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", nil, notificationsScope, nil},
	{"notifications.getDestinations", "GET", "/notifications/v1/destinations", nil, notificationsScope, nil},
	{"notifications.createDestination", "POST", "/notifications/v1/destinations", nil, notificationsScope, nil},
	{"notifications.getDestination", "GET", "/notifications/v1/destinations/{destinationId}", nil, notificationsScope, nil},
	{"notifications.deleteDestination", "DELETE", "/notifications/v1/destinations/{destinationId}", nil, notificationsScope, nil},
}

const notificationsScope = "sellingpartnerapi::notifications"

// registerTypedAPIs registers every typed operation, once per server. Each
// serves the sandbox vectors when the sandbox is enabled, and
// otherwise from the loaded data sets. Operations already served by a
// handler registered with Handle keep that handler.
func (s *Server) registerTypedAPIs() {
	s.apis().registered.Do(s.registerTypedRoutes)
}

// hasRoute reports whether a handler serves method and pattern.
func (s *Server) hasRoute(method, pattern string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.routes {
		if rt.method == method && rt.pattern == pattern {
			return true
		}
	}
	return false
}

func (s *Server) registerTypedRoutes() {
	for _, rt := range typedRoutes {
		if s.hasRoute(rt.method, rt.pattern) {
			continue
		}
		h := func(w http.ResponseWriter, r *http.Request, call *Call) {
			if s.serveSandbox(w, r, rt.operation) {
				return
			}
			if rt.handler == nil {
				WriteError(w, http.StatusNotImplemented, "NotImplemented", "spapitest serves "+rt.operation+" from the sandbox vectors only; call EnableSandbox.", "")
				return
			}
			rt.handler(s, w, r, call)
		}
		switch {
		case rt.grantless != "":
			s.HandleGrantless(rt.operation, rt.method, rt.pattern, rt.grantless, h)
		case rt.restriction != nil:
			s.HandleRestricted(rt.operation, rt.method, rt.pattern, *rt.restriction, h)
		default:
			s.Handle(rt.operation, rt.method, rt.pattern, h)
		}
	}
}
