package fulfillment

import (
	"context"
	"errors"
	"iter"
	"slices"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/orders"
)

// source2026 reads the 2026-01-01 Orders API: one searchOrders call returns
// orders with their items, buyer and recipient.
type source2026 struct {
	client *spapi.Client
}

func (*source2026) name() string { return SourceOrders }

// included2026 are the sections order sync requests. The buyer sections
// need the role for personally identifiable information.
var (
	included2026      = []string{orders.IncludeBuyer, orders.IncludeRecipient, orders.IncludeFulfillment, orders.IncludeProceeds, orders.IncludePackages}
	included2026Plain = []string{orders.IncludeFulfillment, orders.IncludeProceeds, orders.IncludePackages}
)

func (s *source2026) search(ctx context.Context, q searchQuery) iter.Seq2[[]*remoteOrder, error] {
	return func(yield func([]*remoteOrder, error) bool) {
		region, err := spapi.MarketplaceRegion(q.marketplaceID)
		if err != nil {
			yield(nil, err)
			return
		}
		c := orders.New(s.client, q.sellerID, region)
		params := orders.SearchParams{
			MarketplaceIDs:    []string{q.marketplaceID},
			LastUpdatedAfter:  q.from,
			LastUpdatedBefore: q.to,
			IncludedData:      included2026,
			MaxResultsPerPage: q.pageSize,
		}
		if !q.buyerData {
			params.IncludedData = included2026Plain
		}

		var withheld error
		for first := true; ; first = false {
			restart := false
			for page, err := range c.SearchOrders(ctx, params) {
				if err != nil && first && withheld == nil && q.buyerData && (errors.Is(err, spapi.ErrMissingRole) || errors.Is(err, spapi.ErrForbidden)) {
					// The application may list orders but not see
					// buyers: list them without buyer data. A 403 of
					// that call too means the API is not open to it.
					withheld = err
					params.IncludedData = included2026Plain
					restart = true
					break
				}
				if err != nil {
					yield(nil, err)
					return
				}
				first = false
				out := make([]*remoteOrder, 0, len(page.Orders))
				for i := range page.Orders {
					out = append(out, convert2026(q, &page.Orders[i], withheld))
				}
				if !yield(out, nil) {
					return
				}
			}
			if !restart {
				return
			}
		}
	}
}

// complete is not needed: searchOrders returns whole orders.
func (*source2026) complete(context.Context, searchQuery, *remoteOrder) error { return nil }

// statuses2026 maps 2026-01-01 fulfillment statuses onto the v0 order
// statuses that Order.Status uses.
var statuses2026 = map[string]string{
	orders.StatusPendingAvailability: "PendingAvailability",
	orders.StatusPending:             "Pending",
	orders.StatusUnshipped:           "Unshipped",
	orders.StatusPartiallyShipped:    "PartiallyShipped",
	orders.StatusShipped:             StatusShipped,
	orders.StatusCancelled:           StatusCanceled,
	orders.StatusUnfulfillable:       "Unfulfillable",
}

func convert2026(q searchQuery, ro *orders.Order, withheld error) *remoteOrder {
	o := Order{
		SellerID:       q.sellerID,
		MarketplaceID:  q.marketplaceID,
		OrderID:        ro.OrderID,
		PurchaseDate:   ro.CreatedTime.UTC(),
		LastUpdateDate: ro.LastUpdatedTime.UTC(),
		IsBusiness:     slices.Contains(ro.Programs, "AMAZON_BUSINESS"),
		IsPrime:        slices.Contains(ro.Programs, "PRIME"),
	}
	if ro.SalesChannel.MarketplaceID != "" {
		o.MarketplaceID = ro.SalesChannel.MarketplaceID
	}
	if f := ro.Fulfillment; f != nil {
		o.Status = statuses2026[f.FulfillmentStatus]
		if o.Status == "" {
			o.Status = f.FulfillmentStatus
		}
		switch f.FulfilledBy {
		case orders.FulfilledByMerchant:
			o.FulfillmentChannel = "MFN"
		case orders.FulfilledByAmazon:
			o.FulfillmentChannel = "AFN"
		}
		if f.ShipByWindow != nil {
			o.LatestShipDate = f.ShipByWindow.LatestDateTime.UTC()
		}
	}
	if o.Status == "" {
		o.Status = "Unknown"
	}
	if p := ro.Proceeds; p != nil && p.GrandTotal != nil {
		o.Total = Money{CurrencyCode: p.GrandTotal.CurrencyCode, Amount: p.GrandTotal.Amount}
	}

	r := &remoteOrder{complete: true, buyerStatus: BuyerDataAvailable, buyerErr: withheld}
	if withheld != nil {
		r.buyerStatus = BuyerDataWithheld
	}
	if rc := ro.Recipient; rc != nil {
		a := rc.DeliveryAddress
		o.ShipTo = Destination{CountryCode: a.CountryCode(), StateOrRegion: a.StateOrRegion(), PostalCode: a.PostalCode(), City: a.City()}
		r.buyer.address = a
	}
	if b := ro.Buyer; b != nil {
		r.buyer.name = b.BuyerName
		r.buyer.email = b.BuyerEmail
	}
	for _, p := range ro.Packages {
		if !p.ShipTime.IsZero() && (r.shippedAt.IsZero() || p.ShipTime.Before(r.shippedAt)) {
			r.shippedAt = p.ShipTime.UTC()
		}
	}

	for _, it := range ro.OrderItems {
		item := OrderItem{
			OrderItemID: it.OrderItemID,
			SKU:         it.Product.SellerSKU,
			ASIN:        it.Product.ASIN,
			Title:       it.Product.Title,
			Quantity:    it.QuantityOrdered,
		}
		if it.Fulfillment != nil {
			item.QuantityShipped = it.Fulfillment.QuantityFulfilled
		}
		if pr := it.Product.Price; pr != nil && pr.UnitPrice != nil {
			item.ItemPrice = Money{CurrencyCode: pr.UnitPrice.CurrencyCode, Amount: pr.UnitPrice.Amount}
		}
		o.Items = append(o.Items, item)
		r.addItemBuyerData(it.OrderItemID, it.GiftMessage(), it.CustomizedURL())
	}
	r.order = o
	return r
}

func (r *remoteOrder) addItemBuyerData(itemID string, gift pii.GiftMessage, url pii.Personalization) {
	if !gift.IsZero() {
		if r.gifts == nil {
			r.gifts = make(map[string]pii.GiftMessage)
		}
		r.gifts[itemID] = gift
	}
	if !url.IsZero() {
		if r.customizedURLs == nil {
			r.customizedURLs = make(map[string]pii.Personalization)
		}
		r.customizedURLs[itemID] = url
	}
}

// sourceV0 reads the v0 Orders API: getOrders for the orders with buyer
// data, then getOrderItems per new or changed order.
type sourceV0 struct {
	client *spapi.Client
}

func (*sourceV0) name() string { return SourceOrdersV0 }

// dataElementsV0 are the restricted data order sync requests from getOrders.
var dataElementsV0 = []string{orders.DataBuyerInfo, orders.DataShippingAddress}

func (s *sourceV0) search(ctx context.Context, q searchQuery) iter.Seq2[[]*remoteOrder, error] {
	return func(yield func([]*remoteOrder, error) bool) {
		region, err := spapi.MarketplaceRegion(q.marketplaceID)
		if err != nil {
			yield(nil, err)
			return
		}
		c := orders.New(s.client, q.sellerID, region)
		params := orders.GetOrdersParams{
			MarketplaceIDs:    []string{q.marketplaceID},
			LastUpdatedAfter:  q.from,
			LastUpdatedBefore: q.to,
			MaxResultsPerPage: q.pageSize,
		}
		if q.buyerData {
			params.DataElements = dataElementsV0
		}

		var withheld error
		for first := true; ; first = false {
			restart := false
			//lint:ignore SA1019 v0 is the fallback for accounts not yet on the 2026-01-01 API.
			for page, err := range c.GetOrdersV0(ctx, params) {
				if err != nil && first && withheld == nil && errors.Is(err, spapi.ErrMissingRole) && q.buyerData {
					// No Restricted Data Token for buyer data: list the
					// orders without it.
					withheld = err
					params.DataElements = nil
					restart = true
					break
				}
				if err != nil {
					yield(nil, err)
					return
				}
				first = false
				out := make([]*remoteOrder, 0, len(page.Orders))
				for i := range page.Orders {
					out = append(out, convertV0(q, &page.Orders[i], withheld))
				}
				if !yield(out, nil) {
					return
				}
			}
			if !restart {
				return
			}
		}
	}
}

func convertV0(q searchQuery, ro *orders.OrderV0, withheld error) *remoteOrder {
	o := Order{
		SellerID:           q.sellerID,
		MarketplaceID:      q.marketplaceID,
		OrderID:            ro.AmazonOrderID,
		Status:             ro.OrderStatus,
		FulfillmentChannel: ro.FulfillmentChannel,
		PurchaseDate:       ro.PurchaseDate.UTC(),
		LastUpdateDate:     ro.LastUpdateDate.UTC(),
		IsBusiness:         ro.IsBusinessOrder,
		IsPrime:            ro.IsPrime,
	}
	if ro.MarketplaceID != "" {
		o.MarketplaceID = ro.MarketplaceID
	}
	if ro.LatestShipDate != nil {
		o.LatestShipDate = ro.LatestShipDate.UTC()
	}
	if ro.OrderTotal != nil {
		o.Total = Money{CurrencyCode: ro.OrderTotal.CurrencyCode, Amount: ro.OrderTotal.Amount}
	}
	a := ro.ShippingAddress
	o.ShipTo = Destination{CountryCode: a.CountryCode(), StateOrRegion: a.StateOrRegion(), PostalCode: a.PostalCode(), City: a.City()}

	r := &remoteOrder{order: o, buyerStatus: BuyerDataAvailable, buyerErr: withheld}
	if withheld != nil {
		r.buyerStatus = BuyerDataWithheld
	}
	r.buyer.address = a
	r.buyer.taxInfo = ro.BuyerTaxInformation
	if b := ro.BuyerInfo; b != nil {
		r.buyer.name = b.BuyerName
		r.buyer.email = b.BuyerEmail
		if r.buyer.taxInfo.IsZero() {
			r.buyer.taxInfo = b.BuyerTaxInfo
		}
	}
	return r
}

// complete reads the order's items, with their customisation URLs and gift
// messages when buyer data is allowed.
func (s *sourceV0) complete(ctx context.Context, q searchQuery, r *remoteOrder) error {
	region, err := spapi.MarketplaceRegion(q.marketplaceID)
	if err != nil {
		return err
	}
	c := orders.New(s.client, q.sellerID, region)
	withBuyer := q.buyerData && r.buyerStatus != BuyerDataWithheld
	items, err := c.GetOrderItemsV0(ctx, r.order.OrderID, withBuyer)
	if err != nil && withBuyer && errors.Is(err, spapi.ErrMissingRole) {
		r.buyerStatus, r.buyerErr = BuyerDataWithheld, err
		items, err = c.GetOrderItemsV0(ctx, r.order.OrderID, false)
	}
	if err != nil {
		return err
	}

	r.order.Items = r.order.Items[:0]
	for _, it := range items {
		item := OrderItem{
			OrderItemID:     it.OrderItemID,
			SKU:             it.SellerSKU,
			ASIN:            it.ASIN,
			Title:           it.Title,
			Quantity:        it.QuantityOrdered,
			QuantityShipped: it.QuantityShipped,
		}
		if it.ItemPrice != nil {
			item.ItemPrice = Money{CurrencyCode: it.ItemPrice.CurrencyCode, Amount: it.ItemPrice.Amount}
		}
		r.order.Items = append(r.order.Items, item)
		if b := it.BuyerInfo; b != nil {
			r.addItemBuyerData(it.OrderItemID, b.GiftMessageText, it.CustomizedURL())
		}
	}
	r.complete = true
	return nil
}
