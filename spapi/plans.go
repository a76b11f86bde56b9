package spapi

import (
	"fmt"
	"maps"
	"math"
)

// Plan is an SP-API usage plan: a token bucket that refills at Rate requests
// per second and holds at most Burst requests.
type Plan struct {
	Rate  float64
	Burst int
}

// Valid reports whether the plan can drive a token bucket: a finite positive
// rate and a burst of at least one.
func (p Plan) Valid() bool {
	return p.Rate > 0 && !math.IsInf(p.Rate, 0) && !math.IsNaN(p.Rate) && p.Burst >= 1
}

// Plans maps an operation name, such as "orders.getOrders", to its plan.
type Plans map[string]Plan

// Scaled returns a copy of ps with every rate multiplied by factor. Tests use
// it with the time scale of a spapitest server.
func (ps Plans) Scaled(factor float64) Plans {
	out := make(Plans, len(ps))
	for op, p := range ps {
		out[op] = Plan{Rate: p.Rate * factor, Burst: p.Burst}
	}
	return out
}

func (ps Plans) validate(field string) error {
	for op, p := range ps {
		if !p.Valid() {
			return fmt.Errorf("spapi: %s[%q] = {Rate: %v, Burst: %d}: rate must be positive and burst at least 1", field, op, p.Rate, p.Burst)
		}
	}
	return nil
}

// DefaultPlans returns a fresh copy of the published default usage plan of
// every operation spkit calls. Operation names are "<api>.<operationId>", with
// these API names: orders (Orders v0), orders20260101, tokens, mfn (Merchant
// Fulfillment v0), shipping (Shipping v2), feeds, reports, listings (Listings
// Items 2021-08-01), fbainventory, finances (Finances v0), finances20240619
// and notifications.
//
// A seller's real plan may be higher; the x-amzn-RateLimit-Limit response
// header updates the rate when Amazon sends it.
func DefaultPlans() Plans {
	return maps.Clone(defaultPlans)
}

// defaultPlans holds the rate and burst that Amazon's API models
// (github.com/amzn/selling-partner-api-models, August 2026) publish for each
// operation. A test compares it with the models under testdata/models.
var defaultPlans = Plans{
	"orders.getOrders":                      {Rate: 0.0167, Burst: 20},
	"orders.getOrder":                       {Rate: 0.5, Burst: 30},
	"orders.getOrderBuyerInfo":              {Rate: 0.5, Burst: 30},
	"orders.getOrderAddress":                {Rate: 0.5, Burst: 30},
	"orders.getOrderItems":                  {Rate: 0.5, Burst: 30},
	"orders.getOrderItemsBuyerInfo":         {Rate: 0.5, Burst: 30},
	"orders.confirmShipment":                {Rate: 2, Burst: 10},
	"orders.updateShipmentStatus":           {Rate: 5, Burst: 15},
	"orders20260101.searchOrders":           {Rate: 0.0056, Burst: 20},
	"orders20260101.getOrder":               {Rate: 0.5, Burst: 30},
	"tokens.createRestrictedDataToken":      {Rate: 1, Burst: 10},
	"mfn.getEligibleShipmentServices":       {Rate: 6, Burst: 12},
	"mfn.getAdditionalSellerInputs":         {Rate: 1, Burst: 1},
	"mfn.createShipment":                    {Rate: 2, Burst: 2},
	"mfn.getShipment":                       {Rate: 1, Burst: 1},
	"mfn.cancelShipment":                    {Rate: 1, Burst: 1},
	"shipping.getRates":                     {Rate: 80, Burst: 100},
	"shipping.getAdditionalInputs":          {Rate: 80, Burst: 100},
	"shipping.purchaseShipment":             {Rate: 80, Burst: 100},
	"shipping.directPurchaseShipment":       {Rate: 80, Burst: 100},
	"shipping.oneClickShipment":             {Rate: 80, Burst: 100},
	"shipping.getShipmentDocuments":         {Rate: 80, Burst: 100},
	"shipping.getTracking":                  {Rate: 80, Burst: 100},
	"shipping.cancelShipment":               {Rate: 80, Burst: 100},
	"feeds.createFeedDocument":              {Rate: 0.5, Burst: 15},
	"feeds.createFeed":                      {Rate: 0.0083, Burst: 15},
	"feeds.getFeed":                         {Rate: 2, Burst: 15},
	"feeds.getFeeds":                        {Rate: 0.0222, Burst: 10},
	"feeds.cancelFeed":                      {Rate: 2, Burst: 15},
	"feeds.getFeedDocument":                 {Rate: 0.0222, Burst: 10},
	"reports.createReport":                  {Rate: 0.0167, Burst: 15},
	"reports.getReport":                     {Rate: 2, Burst: 15},
	"reports.getReports":                    {Rate: 0.0222, Burst: 10},
	"reports.cancelReport":                  {Rate: 0.0222, Burst: 10},
	"reports.getReportDocument":             {Rate: 0.0167, Burst: 15},
	"reports.getReportSchedules":            {Rate: 0.0222, Burst: 10},
	"reports.createReportSchedule":          {Rate: 0.0222, Burst: 10},
	"listings.getListingsItem":              {Rate: 5, Burst: 10},
	"listings.patchListingsItem":            {Rate: 5, Burst: 5},
	"listings.putListingsItem":              {Rate: 5, Burst: 10},
	"listings.deleteListingsItem":           {Rate: 5, Burst: 5},
	"listings.searchListingsItems":          {Rate: 5, Burst: 5},
	"fbainventory.getInventorySummaries":    {Rate: 2, Burst: 2},
	"finances.listFinancialEventGroups":     {Rate: 0.5, Burst: 30},
	"finances.listFinancialEventsByGroupId": {Rate: 0.5, Burst: 30},
	"finances.listFinancialEventsByOrderId": {Rate: 0.5, Burst: 30},
	"finances.listFinancialEvents":          {Rate: 0.5, Burst: 30},
	"finances20240619.listTransactions":     {Rate: 0.5, Burst: 10},
	"finances20240619.listBalances":         {Rate: 0.5, Burst: 10},
	"finances20240619.listSummary":          {Rate: 0.5, Burst: 10},
	"notifications.getSubscription":         {Rate: 1, Burst: 5},
	"notifications.createSubscription":      {Rate: 1, Burst: 5},
	"notifications.getSubscriptionById":     {Rate: 1, Burst: 5},
	"notifications.deleteSubscriptionById":  {Rate: 1, Burst: 5},
	"notifications.getDestinations":         {Rate: 1, Burst: 5},
	"notifications.createDestination":       {Rate: 1, Burst: 5},
	"notifications.deleteDestination":       {Rate: 1, Burst: 5},
}
