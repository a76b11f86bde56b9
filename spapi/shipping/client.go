package shipping

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

// businessIDs maps marketplaces to the Amazon Shipping business that
// serves them, for the x-amzn-shipping-business-id header.
var businessIDs = map[string]string{
	"ATVPDKIKX0DER":  "AmazonShipping_US",
	"A1F83G8C2ARO7P": "AmazonShipping_UK",
	"APJ6JRA9NG5V4":  "AmazonShipping_IT",
	"A1RKKUPIHCS9HS": "AmazonShipping_ES",
	"A13V1IB3VIYZZH": "AmazonShipping_FR",
	"A21TJRUUN4KGV":  "AmazonShipping_IN",
	"A1VC38T7YXB528": "AmazonShipping_JP",
	"A2VIGQ35RCS4UG": "AmazonShipping_UAE",
	"A17E79C6D8DWNP": "AmazonShipping_SA",
	"ARBP9OOSHTCHU":  "AmazonShipping_EG",
}

// BusinessID returns the Amazon Shipping business of a marketplace, such
// as AmazonShipping_UK, and false for marketplaces Amazon Shipping does not
// serve.
func BusinessID(marketplaceID string) (string, bool) {
	id, ok := businessIDs[marketplaceID]
	return id, ok
}

// ErrMissingIdempotencyKey is returned by [Client.PurchaseShipment] without
// an idempotency key.
var ErrMissingIdempotencyKey = errors.New("shipping: purchaseShipment needs an idempotency key")

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks a
// field the call must return, such as a purchase without a shipment ID.
// Amazon may have acted on the request, so retry a purchase with the same
// idempotency key.
var ErrInvalidResponse = errors.New("shipping: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

// Client calls Shipping API v2 for one seller and marketplace. It is safe
// for concurrent use.
type Client struct {
	api        *spapi.Client
	seller     string
	region     spapi.Region
	businessID string
}

// New returns a Client for the seller's shipments in a marketplace. The
// marketplace selects the region and, where Amazon Shipping serves it, the
// x-amzn-shipping-business-id header of every call. For other marketplaces
// the header is left out and Amazon applies its default business.
func New(api *spapi.Client, sellerID, marketplaceID string) (*Client, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return nil, err
	}
	business, _ := BusinessID(marketplaceID)
	return &Client{api: api, seller: sellerID, region: region, businessID: business}, nil
}

// payloadOf decodes Shipping API v2 responses, whose result sits under
// "payload". The example responses of Amazon's model leave the envelope
// out, so a body without "payload" decodes as the result itself.
type payloadOf[T any] struct {
	Payload T
}

func (p *payloadOf[T]) UnmarshalJSON(b []byte) error {
	var env struct {
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	if len(env.Payload) > 0 && string(env.Payload) != "null" {
		return json.Unmarshal(env.Payload, &p.Payload)
	}
	return json.Unmarshal(b, &p.Payload)
}

func (c *Client) request(operation, method, path string, q url.Values, body any) *spapi.Request {
	req := &spapi.Request{
		Operation: operation, Method: method, Path: path, Query: q, Body: body,
		SellerID: c.seller, Region: c.region,
	}
	if c.businessID != "" {
		req.Header = http.Header{"X-Amzn-Shipping-Business-Id": {c.businessID}}
	}
	return req
}

// GetRates returns the rates of the carriers that can ship the packages.
// The call is read-only, so it is retried like a GET.
func (c *Client) GetRates(ctx context.Context, body RatesRequest) (*RatesResult, error) {
	if err := body.validate(); err != nil {
		return nil, err
	}
	req := c.request("shipping.getRates", http.MethodPost, "/shipping/v2/shipments/rates", nil, body)
	req.Idempotent = true
	var out payloadOf[RatesResult]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

func (r RatesRequest) validate() error {
	if len(r.Packages) == 0 {
		return fmt.Errorf("shipping: getRates: at least one package is required: %w", spapi.ErrInvalidRequest)
	}
	if r.ChannelDetails.ChannelType == "" {
		return fmt.Errorf("shipping: getRates: missing channel type: %w", spapi.ErrInvalidRequest)
	}
	for i, p := range r.Packages {
		if p.PackageClientReferenceID == "" || !(p.Weight.Value > 0) {
			return fmt.Errorf("shipping: getRates: package %d needs a client reference ID and a positive weight: %w", i, spapi.ErrInvalidRequest)
		}
		switch p.Weight.Unit {
		case UnitGram, UnitKilogram, UnitOunce, UnitPound:
		default:
			return fmt.Errorf("shipping: getRates: package %d: invalid weight unit %q: want GRAM, KILOGRAM, OUNCE or POUND: %w", i, p.Weight.Unit, spapi.ErrInvalidRequest)
		}
		if p.Dimensions.Unit != UnitInch && p.Dimensions.Unit != UnitCentimeter {
			return fmt.Errorf("shipping: getRates: package %d: invalid length unit %q: want INCH or CENTIMETER: %w", i, p.Dimensions.Unit, spapi.ErrInvalidRequest)
		}
	}
	return nil
}

// PurchaseShipment buys the rate a GetRates call returned. idempotencyKey
// is sent as x-amzn-IdempotencyKey: retries with the same key, by the
// client or after a crash, return the first purchase instead of buying a
// second label. Use one key per intended label, such as the order ID and
// package number, and keep it with the order.
func (c *Client) PurchaseShipment(ctx context.Context, body PurchaseRequest, idempotencyKey string) (*PurchaseResult, error) {
	if strings.TrimSpace(idempotencyKey) == "" {
		return nil, ErrMissingIdempotencyKey
	}
	if body.RequestToken == "" || body.RateID == "" {
		return nil, fmt.Errorf("shipping: purchaseShipment: requestToken and rateId are required: %w", spapi.ErrInvalidRequest)
	}
	req := c.request("shipping.purchaseShipment", http.MethodPost, "/shipping/v2/shipments", nil, body)
	req.IdempotencyKey = idempotencyKey
	var out payloadOf[PurchaseResult]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.Payload.ShipmentID == "" {
		return nil, fmt.Errorf("shipping: purchaseShipment: %w: no shipment ID in the response", ErrInvalidResponse)
	}
	return &out.Payload, nil
}

// GetShipmentDocuments returns the label of one package of a shipment.
// format is FormatPDF, FormatPNG or FormatZPL; "" keeps the format bought.
func (c *Client) GetShipmentDocuments(ctx context.Context, shipmentID, packageClientReferenceID, format string) (*DocumentsResult, error) {
	if shipmentID == "" || packageClientReferenceID == "" {
		return nil, fmt.Errorf("shipping: getShipmentDocuments: shipment ID and package reference are required: %w", spapi.ErrInvalidRequest)
	}
	q := url.Values{"packageClientReferenceId": {packageClientReferenceID}}
	if format != "" {
		q.Set("format", format)
	}
	req := c.request("shipping.getShipmentDocuments", http.MethodGet, "/shipping/v2/shipments/"+url.PathEscape(shipmentID)+"/documents", q, nil)
	var out payloadOf[DocumentsResult]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// GetTracking returns the tracking events of a package.
func (c *Client) GetTracking(ctx context.Context, trackingID, carrierID string) (*Tracking, error) {
	if trackingID == "" || carrierID == "" {
		return nil, fmt.Errorf("shipping: getTracking: tracking ID and carrier ID are required: %w", spapi.ErrInvalidRequest)
	}
	req := c.request("shipping.getTracking", http.MethodGet, "/shipping/v2/tracking", url.Values{"trackingId": {trackingID}, "carrierId": {carrierID}}, nil)
	var out payloadOf[Tracking]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return &out.Payload, nil
}

// CancelShipment cancels a purchased shipment.
func (c *Client) CancelShipment(ctx context.Context, shipmentID string) error {
	if shipmentID == "" {
		return fmt.Errorf("shipping: cancelShipment: missing shipment ID: %w", spapi.ErrInvalidRequest)
	}
	req := c.request("shipping.cancelShipment", http.MethodPut, "/shipping/v2/shipments/"+url.PathEscape(shipmentID)+"/cancel", nil, nil)
	_, err := c.api.Do(ctx, req, nil)
	return err
}

// GetAdditionalInputs returns the JSON schema of the extra inputs a rate
// needs before purchase, as Amazon sends it.
func (c *Client) GetAdditionalInputs(ctx context.Context, requestToken, rateID string) (json.RawMessage, error) {
	if requestToken == "" || rateID == "" {
		return nil, fmt.Errorf("shipping: getAdditionalInputs: request token and rate ID are required: %w", spapi.ErrInvalidRequest)
	}
	q := url.Values{"requestToken": {requestToken}, "rateId": {rateID}}
	req := c.request("shipping.getAdditionalInputs", http.MethodGet, "/shipping/v2/shipments/additionalInputs/schema", q, nil)
	var out payloadOf[json.RawMessage]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	return out.Payload, nil
}
