package orders

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Restricted data elements of getOrders and getOrder v0, for
// [GetOrdersParams.DataElements] and [Client.GetOrderV0]. Asking for any of
// them makes the call with a Restricted Data Token for the generic path, so
// that one token serves every order.
const (
	DataBuyerInfo           = "buyerInfo"
	DataShippingAddress     = "shippingAddress"
	DataBuyerTaxInformation = "buyerTaxInformation"
)

// GetOrdersParams filters getOrders v0. One of CreatedAfter and
// LastUpdatedAfter is required; zero times are left out.
type GetOrdersParams struct {
	MarketplaceIDs      []string
	CreatedAfter        time.Time
	CreatedBefore       time.Time
	LastUpdatedAfter    time.Time
	LastUpdatedBefore   time.Time
	OrderStatuses       []string
	FulfillmentChannels []string
	AmazonOrderIDs      []string
	// MaxResultsPerPage is 1 to 100; 0 leaves Amazon's default.
	MaxResultsPerPage int
	// DataElements requests restricted data, such as DataBuyerInfo and
	// DataShippingAddress.
	DataElements []string
	// PageToken resumes a listing from a NextToken returned earlier; the
	// other parameters must be the same as for the page that returned it.
	PageToken string
}

// OrdersPageV0 is one page of getOrders v0. CreatedBefore and
// LastUpdatedBefore are kept as Amazon's text, because the sandbox sends
// them as epoch seconds rather than ISO 8601.
type OrdersPageV0 struct {
	Orders            []OrderV0 `json:"Orders"`
	NextToken         string    `json:"NextToken,omitempty"`
	LastUpdatedBefore string    `json:"LastUpdatedBefore,omitempty"`
	CreatedBefore     string    `json:"CreatedBefore,omitempty"`
}

// GetOrdersV0 returns an iterator over the pages of getOrders v0. Later
// pages repeat the filters and add NextToken. The iteration stops at the
// first error, which it yields.
//
// Deprecated: Amazon has deprecated the v0 calls that return buyer data
// and announced their removal for 2027-03-27. Use [Client.SearchOrders].
func (c *Client) GetOrdersV0(ctx context.Context, p GetOrdersParams) iter.Seq2[*OrdersPageV0, error] {
	if p.CreatedAfter.IsZero() && p.LastUpdatedAfter.IsZero() {
		err := fmt.Errorf("orders: getOrders: one of CreatedAfter and LastUpdatedAfter is required: %w", spapi.ErrInvalidRequest)
		return func(yield func(*OrdersPageV0, error) bool) { yield(nil, err) }
	}
	q := url.Values{}
	setList(q, "MarketplaceIds", p.MarketplaceIDs)
	setTime(q, "CreatedAfter", p.CreatedAfter)
	setTime(q, "CreatedBefore", p.CreatedBefore)
	setTime(q, "LastUpdatedAfter", p.LastUpdatedAfter)
	setTime(q, "LastUpdatedBefore", p.LastUpdatedBefore)
	setList(q, "OrderStatuses", p.OrderStatuses)
	setList(q, "FulfillmentChannels", p.FulfillmentChannels)
	setList(q, "AmazonOrderIds", p.AmazonOrderIDs)
	if p.MaxResultsPerPage > 0 {
		q.Set("MaxResultsPerPage", strconv.Itoa(p.MaxResultsPerPage))
	}
	if p.PageToken != "" {
		q.Set("NextToken", p.PageToken)
	}
	req := c.request("orders.getOrders", http.MethodGet, "/orders/v0/orders", q)
	if len(p.MarketplaceIDs) == 1 {
		req.MarketplaceID = p.MarketplaceIDs[0]
	}
	if len(p.DataElements) > 0 {
		req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders", DataElements: p.DataElements}
	}
	pages := spapi.Pages(ctx, c.api, req, spapi.PaginationOrdersV0, func(page *payloadOf[OrdersPageV0]) string {
		return page.Payload.NextToken
	})
	return func(yield func(*OrdersPageV0, error) bool) {
		for page, err := range pages {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(&page.Payload, nil) {
				return
			}
		}
	}
}

// payloadOf is the envelope of v0 responses.
type payloadOf[T any] struct {
	Payload T `json:"payload"`
}

// GetOrderV0 returns one order from the v0 API, with the restricted data
// elements asked for.
//
// Deprecated: use [Client.GetOrder].
func (c *Client) GetOrderV0(ctx context.Context, orderID string, dataElements ...string) (*OrderV0, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	req := c.request("orders.getOrder", http.MethodGet, "/orders/v0/orders/"+url.PathEscape(orderID), nil)
	if len(dataElements) > 0 {
		req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders/{orderId}", DataElements: dataElements}
	}
	var out payloadOf[OrderV0]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.Payload.AmazonOrderID == "" {
		return nil, fmt.Errorf("orders: getOrder %s: %w: no order in the response", orderID, ErrInvalidResponse)
	}
	return &out.Payload, nil
}

// GetOrderBuyerInfoV0 returns the buyer data of an order. The call uses a
// Restricted Data Token for the generic path.
//
// Deprecated: use [Client.GetOrder] with [IncludeBuyer].
func (c *Client) GetOrderBuyerInfoV0(ctx context.Context, orderID string) (*BuyerInfo, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	req := c.request("orders.getOrderBuyerInfo", http.MethodGet, "/orders/v0/orders/"+url.PathEscape(orderID)+"/buyerInfo", nil)
	req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders/{orderId}/buyerInfo"}
	var out payloadOf[BuyerInfo]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// GetOrderAddressV0 returns the shipping address of an order. The call uses
// a Restricted Data Token for the generic path.
//
// Deprecated: use [Client.GetOrder] with [IncludeRecipient].
func (c *Client) GetOrderAddressV0(ctx context.Context, orderID string) (*OrderAddressV0, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	req := c.request("orders.getOrderAddress", http.MethodGet, "/orders/v0/orders/"+url.PathEscape(orderID)+"/address", nil)
	req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders/{orderId}/address"}
	var out payloadOf[OrderAddressV0]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// maxItemPages bounds the pages read for one order's items.
const maxItemPages = 100

// GetOrderItemsV0 returns every item of an order, reading all pages. With
// withBuyerInfo the call uses a Restricted Data Token with the buyerInfo
// data element, so items carry their customisation URL and gift message.
func (c *Client) GetOrderItemsV0(ctx context.Context, orderID string, withBuyerInfo bool) ([]OrderItemV0, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	req := c.request("orders.getOrderItems", http.MethodGet, "/orders/v0/orders/"+url.PathEscape(orderID)+"/orderItems", nil)
	if withBuyerInfo {
		req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders/{orderId}/orderItems", DataElements: []string{DataBuyerInfo}}
	}
	type page struct {
		OrderItems []OrderItemV0 `json:"OrderItems"`
		NextToken  string        `json:"NextToken"`
	}
	var items []OrderItemV0
	pagination := spapi.PaginationOrdersV0
	pagination.MaxPages = maxItemPages
	for p, err := range spapi.Pages(ctx, c.api, req, pagination, func(p *payloadOf[page]) string { return p.Payload.NextToken }) {
		if err != nil {
			return nil, err
		}
		items = append(items, p.Payload.OrderItems...)
	}
	return items, nil
}

// GetOrderItemsBuyerInfoV0 returns the buyer data of every item of an
// order: customisation URLs and gift messages. The call uses a Restricted
// Data Token for the generic path.
//
// Deprecated: use [Client.GetOrder], whose items carry the same data.
func (c *Client) GetOrderItemsBuyerInfoV0(ctx context.Context, orderID string) ([]ItemBuyerInfo, error) {
	if err := checkOrderID(orderID); err != nil {
		return nil, err
	}
	req := c.request("orders.getOrderItemsBuyerInfo", http.MethodGet, "/orders/v0/orders/"+url.PathEscape(orderID)+"/orderItems/buyerInfo", nil)
	req.Restricted = &spapi.Restricted{Path: "/orders/v0/orders/{orderId}/orderItems/buyerInfo"}
	type page struct {
		OrderItems []ItemBuyerInfo `json:"OrderItems"`
		NextToken  string          `json:"NextToken"`
	}
	var items []ItemBuyerInfo
	pagination := spapi.PaginationOrdersV0
	pagination.MaxPages = maxItemPages
	for p, err := range spapi.Pages(ctx, c.api, req, pagination, func(p *payloadOf[page]) string { return p.Payload.NextToken }) {
		if err != nil {
			return nil, err
		}
		items = append(items, p.Payload.OrderItems...)
	}
	return items, nil
}

// ConfirmShipmentRequest is the body of confirmShipment.
type ConfirmShipmentRequest struct {
	MarketplaceID       string        `json:"marketplaceId"`
	PackageDetail       PackageDetail `json:"packageDetail"`
	CodCollectionMethod string        `json:"codCollectionMethod,omitempty"`
}

// PackageDetail describes a shipped package.
type PackageDetail struct {
	PackageReferenceID     string                `json:"packageReferenceId"`
	CarrierCode            string                `json:"carrierCode"`
	CarrierName            string                `json:"carrierName,omitempty"`
	ShippingMethod         string                `json:"shippingMethod,omitempty"`
	TrackingNumber         string                `json:"trackingNumber"`
	ShipDate               time.Time             `json:"shipDate"`
	ShipFromSupplySourceID string                `json:"shipFromSupplySourceId,omitempty"`
	OrderItems             []ConfirmShipmentItem `json:"orderItems"`
}

// ConfirmShipmentItem is an item and quantity in a confirmed package.
type ConfirmShipmentItem struct {
	OrderItemID       string   `json:"orderItemId"`
	Quantity          int      `json:"quantity"`
	TransparencyCodes []string `json:"transparencyCodes,omitempty"`
}

// ConfirmShipment confirms that an order's package has shipped, with its
// carrier and tracking number. Amazon returns 204 with no body.
func (c *Client) ConfirmShipment(ctx context.Context, orderID string, body ConfirmShipmentRequest) error {
	if err := checkOrderID(orderID); err != nil {
		return err
	}
	d := body.PackageDetail
	switch {
	case body.MarketplaceID == "":
		return fmt.Errorf("orders: confirmShipment %s: missing marketplace ID: %w", orderID, spapi.ErrInvalidRequest)
	case d.PackageReferenceID == "" || d.CarrierCode == "" || d.TrackingNumber == "" || d.ShipDate.IsZero():
		return fmt.Errorf("orders: confirmShipment %s: package reference, carrier code, tracking number and ship date are required: %w", orderID, spapi.ErrInvalidRequest)
	case len(d.OrderItems) == 0:
		return fmt.Errorf("orders: confirmShipment %s: at least one order item is required: %w", orderID, spapi.ErrInvalidRequest)
	}
	req := c.request("orders.confirmShipment", http.MethodPost, "/orders/v0/orders/"+url.PathEscape(orderID)+"/shipmentConfirmation", nil)
	req.MarketplaceID = body.MarketplaceID
	req.Body = body
	_, err := c.api.Do(ctx, req, nil)
	return err
}
