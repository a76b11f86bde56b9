package mfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hidemont/spkit/spapi"
)

// Client calls the Merchant Fulfillment API for one seller in one region.
// It is safe for concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

type payloadOf[T any] struct {
	Payload T `json:"payload"`
}

func (c *Client) request(operation, method, path string, body any) *spapi.Request {
	return &spapi.Request{Operation: operation, Method: method, Path: path, Body: body, SellerID: c.seller, Region: c.region}
}

// GetEligibleShipmentServices returns the shipping services that can carry
// a shipment. The details are validated first; a problem returns a
// [*ValidationError] and nothing is sent. The call is read-only, so it is
// retried like a GET.
func (c *Client) GetEligibleShipmentServices(ctx context.Context, body EligibleServicesRequest) (*EligibleServices, error) {
	if err := body.ShipmentRequestDetails.Validate(); err != nil {
		return nil, err
	}
	req := c.request("mfn.getEligibleShipmentServices", http.MethodPost, "/mfn/v0/eligibleShippingServices", body)
	req.Idempotent = true
	var out payloadOf[EligibleServices]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// AdditionalSellerInputs lists the extra inputs a shipping service needs,
// as Amazon's JSON objects.
type AdditionalSellerInputs struct {
	ShipmentLevelFields []json.RawMessage `json:"ShipmentLevelFields,omitempty"`
	ItemLevelFieldsList []json.RawMessage `json:"ItemLevelFieldsList,omitempty"`
}

// GetAdditionalSellerInputs returns the inputs a shipping service needs for
// an order. The ship-from country is validated first.
func (c *Client) GetAdditionalSellerInputs(ctx context.Context, body AdditionalSellerInputsRequest) (*AdditionalSellerInputs, error) {
	if err := body.ShipFromAddress.validate("ShipFromAddress"); err != nil {
		return nil, err
	}
	if body.ShippingServiceID == "" || body.OrderID == "" {
		return nil, &ValidationError{Field: "ShippingServiceId/OrderId", Reason: "missing"}
	}
	req := c.request("mfn.getAdditionalSellerInputs", http.MethodPost, "/mfn/v0/additionalSellerInputs", body)
	req.Idempotent = true
	var out payloadOf[AdditionalSellerInputs]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// CreateShipment buys a shipping label. The details are validated first.
// The response carries the buyer's address, so the call is made with a
// Restricted Data Token for the generic path. Merchant Fulfillment has no
// idempotency key, so a failed call is not retried: check with the order's
// shipments before buying again.
func (c *Client) CreateShipment(ctx context.Context, body CreateShipmentRequest) (*Shipment, error) {
	if err := body.ShipmentRequestDetails.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.ShippingServiceID) == "" {
		return nil, &ValidationError{Field: "ShippingServiceId", Reason: "missing"}
	}
	req := c.request("mfn.createShipment", http.MethodPost, "/mfn/v0/shipments", body)
	req.Restricted = &spapi.Restricted{Path: "/mfn/v0/shipments"}
	var out payloadOf[Shipment]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.Payload.ShipmentID == "" {
		return nil, fmt.Errorf("mfn: createShipment: %w: no shipment ID in the response", ErrInvalidResponse)
	}
	return &out.Payload, nil
}

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks a
// field the call must return, such as a created shipment without its ID.
// Amazon may have bought the label, so look for the order's shipment
// before buying again.
var ErrInvalidResponse = errors.New("mfn: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

// GetShipment returns a shipment with its label.
func (c *Client) GetShipment(ctx context.Context, shipmentID string) (*Shipment, error) {
	return c.shipmentCall(ctx, "mfn.getShipment", http.MethodGet, shipmentID)
}

// CancelShipment cancels a shipment and returns it with its new status,
// normally RefundPending.
func (c *Client) CancelShipment(ctx context.Context, shipmentID string) (*Shipment, error) {
	return c.shipmentCall(ctx, "mfn.cancelShipment", http.MethodDelete, shipmentID)
}

func (c *Client) shipmentCall(ctx context.Context, operation, method, shipmentID string) (*Shipment, error) {
	if strings.TrimSpace(shipmentID) == "" {
		return nil, fmt.Errorf("mfn: %s: missing shipment ID: %w", operation, spapi.ErrInvalidRequest)
	}
	req := c.request(operation, method, "/mfn/v0/shipments/"+url.PathEscape(shipmentID), nil)
	req.Restricted = &spapi.Restricted{Path: "/mfn/v0/shipments/{shipmentId}"}
	var out payloadOf[Shipment]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}
