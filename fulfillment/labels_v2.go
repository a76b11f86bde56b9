package fulfillment

import (
	"context"
	"errors"
	"fmt"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/shipping"
)

// shippingAPI is the part of the Shipping API v2 that Labels uses.
type shippingAPI interface {
	rates(ctx context.Context, sellerID, marketplaceID string, body *shipping.RatesRequest) (*shipping.RatesResult, error)
	purchase(ctx context.Context, sellerID, marketplaceID, idempotencyKey string, body *shipping.PurchaseRequest) (*shipping.PurchaseResult, error)
	documents(ctx context.Context, sellerID, marketplaceID, shipmentID, packageRef, format string) (*shipping.DocumentsResult, error)
}

// shippingV2 calls the Shipping API v2 through the shipping package.
type shippingV2 struct {
	client *spapi.Client
}

func (s *shippingV2) rates(ctx context.Context, sellerID, marketplaceID string, body *shipping.RatesRequest) (*shipping.RatesResult, error) {
	c, err := shipping.New(s.client, sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.GetRates(ctx, *body)
}

func (s *shippingV2) purchase(ctx context.Context, sellerID, marketplaceID, idempotencyKey string, body *shipping.PurchaseRequest) (*shipping.PurchaseResult, error) {
	c, err := shipping.New(s.client, sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.PurchaseShipment(ctx, *body, idempotencyKey)
}

func (s *shippingV2) documents(ctx context.Context, sellerID, marketplaceID, shipmentID, packageRef, format string) (*shipping.DocumentsResult, error) {
	c, err := shipping.New(s.client, sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.GetShipmentDocuments(ctx, shipmentID, packageRef, format)
}

// buyV2 buys, or resumes buying, a label through the Shipping API v2.
// Concurrent calls for one package may all send purchaseShipment, because
// they send the same idempotency key and Amazon sells one label for it.
//
// NOTE: concurrent calls that find no stored offer each call getRates and
// may send different request tokens under that one key. spapitest returns
// the first label for a repeated key whatever the body, but how Amazon
// treats a repeated key with another body is not verified.
func (l *Labels) buyV2(ctx context.Context, req LabelRequest, key string) (*PurchasedLabel, error) {
	label, _, err := l.reserve(ctx, req, l.pendingLabel(req, key))
	if err != nil {
		return nil, err
	}
	if label.State == LabelPurchased {
		doc, err := l.v2Document(ctx, req, label)
		if err != nil {
			return nil, err
		}
		return &PurchasedLabel{Label: label, Document: doc}, nil
	}

	// A pending label that has an offer repeats the same purchase request,
	// so Amazon recognises the retry by its idempotency key.
	if label.RateID == "" {
		rates, err := l.shipping.rates(ctx, req.SellerID, req.MarketplaceID, ratesRequest(req))
		if err != nil {
			return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: get rates: %w", req.OrderID, req.PackageRef, err)
		}
		rate, err := chooseRate(rates.Rates, req)
		if err != nil {
			return nil, err
		}
		label.RequestToken, label.RateID = rates.RequestToken, rate.RateID
		label.CarrierCode, label.CarrierService = rate.CarrierName, rate.ServiceName
		if err := l.cfg.Store.SaveLabel(ctx, label); err != nil {
			return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: record the offer: %w", req.OrderID, req.PackageRef, err)
		}
	}

	res, err := l.shipping.purchase(ctx, req.SellerID, req.MarketplaceID, label.IdempotencyKey, &shipping.PurchaseRequest{
		RequestToken: label.RequestToken,
		RateID:       label.RateID,
		RequestedDocumentSpecification: shipping.RequestedDocumentSpecification{
			Format:                 string(label.Format),
			Size:                   shipping.DocumentSize{Width: 4, Length: 6, Unit: shipping.UnitInch},
			PageLayout:             "DEFAULT",
			RequestedDocumentTypes: []string{"LABEL"},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: purchase: %w", req.OrderID, req.PackageRef, err)
	}

	detail, ok := packageDetail(res.PackageDocumentDetails, req.PackageRef)
	if !ok {
		return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: Amazon returned shipment %s without this package's documents", req.OrderID, req.PackageRef, res.ShipmentID)
	}
	// The purchase is recorded before the document is decoded, so a label
	// Amazon sold is never lost to a document this package cannot use.
	label.State = LabelPurchased
	label.ShipmentID = res.ShipmentID
	label.TrackingNumber = detail.TrackingID
	label.PurchasedAt = l.cfg.Now().UTC()
	if err := l.cfg.Store.SaveLabel(ctx, label); err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s bought as shipment %s, but recording it failed (buy again with the same request to recover it): %w", req.OrderID, req.PackageRef, res.ShipmentID, err)
	}
	doc, err := labelDocument(detail.PackageDocuments, label.Format)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s bought and recorded as shipment %s, but its document is unusable (buy again with the same request to fetch it): %w", req.OrderID, req.PackageRef, res.ShipmentID, err)
	}
	return &PurchasedLabel{Label: label, Document: doc}, nil
}

// v2Document fetches the document of a label bought earlier.
func (l *Labels) v2Document(ctx context.Context, req LabelRequest, label Label) ([]byte, error) {
	res, err := l.shipping.documents(ctx, req.SellerID, req.MarketplaceID, label.ShipmentID, label.PackageRef, string(label.Format))
	if err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s: get documents: %w", req.OrderID, req.PackageRef, err)
	}
	doc, err := labelDocument(res.PackageDocumentDetail.PackageDocuments, label.Format)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s: %w", req.OrderID, req.PackageRef, err)
	}
	return doc, nil
}

func ratesRequest(req LabelRequest) *shipping.RatesRequest {
	p := req.Package
	items := make([]shipping.Item, len(p.Items))
	for i, it := range p.Items {
		items[i] = shipping.Item{ItemIdentifier: it.OrderItemID, Quantity: it.Quantity}
	}
	shipDate := req.ShipDate.UTC()
	return &shipping.RatesRequest{
		ShipFrom: shipping.Address{
			Name: req.ShipFrom.Name, AddressLine1: req.ShipFrom.AddressLine1, AddressLine2: req.ShipFrom.AddressLine2,
			City: req.ShipFrom.City, StateOrRegion: req.ShipFrom.StateOrRegion, PostalCode: req.ShipFrom.PostalCode,
			CountryCode: req.ShipFrom.CountryCode, PhoneNumber: req.ShipFrom.Phone, Email: req.ShipFrom.Email,
		},
		ShipDate: &shipDate,
		Packages: []shipping.Package{{
			Dimensions:               shipping.Dimensions{Length: p.Length, Width: p.Width, Height: p.Height, Unit: shipping.UnitCentimeter},
			Weight:                   shipping.Weight{Value: p.Weight, Unit: shipping.UnitGram},
			InsuredValue:             shipping.Currency{Value: parseAmount(p.Value.Amount), Unit: p.Value.CurrencyCode},
			PackageClientReferenceID: req.PackageRef,
			Items:                    items,
		}},
		ChannelDetails: shipping.ChannelDetails{
			ChannelType:        shipping.ChannelAmazon,
			AmazonOrderDetails: &shipping.AmazonOrderDetails{OrderID: req.OrderID},
		},
	}
}

// ErrNoRate is returned when Amazon offers no rate matching the request.
var ErrNoRate = errors.New("fulfillment: no shipping rate matches the request")

// chooseRate picks the rate of req.ServiceID, or the cheapest rate that
// supports the label format and needs no additional inputs.
func chooseRate(rates []shipping.Rate, req LabelRequest) (shipping.Rate, error) {
	var best shipping.Rate
	found := false
	for _, r := range rates {
		if r.RequiresAdditionalInputs || !supportsFormat(r, req.Format) {
			continue
		}
		if req.ServiceID != "" {
			if r.ServiceID == req.ServiceID {
				return r, nil
			}
			continue
		}
		if !found || r.TotalCharge.Value < best.TotalCharge.Value {
			best, found = r, true
		}
	}
	if !found {
		return best, fmt.Errorf("%w: order %s package %s, service %q, format %s, %d offers", ErrNoRate, req.OrderID, req.PackageRef, req.ServiceID, req.Format, len(rates))
	}
	return best, nil
}

func supportsFormat(r shipping.Rate, f LabelFormat) bool {
	if len(r.SupportedDocumentSpecifications) == 0 {
		return true
	}
	for _, s := range r.SupportedDocumentSpecifications {
		if s.Format == string(f) {
			return true
		}
	}
	return false
}

func packageDetail(details []shipping.PackageDocumentDetail, packageRef string) (shipping.PackageDocumentDetail, bool) {
	for _, d := range details {
		if d.PackageClientReferenceID == packageRef {
			return d, true
		}
	}
	if len(details) == 1 && details[0].PackageClientReferenceID == "" {
		return details[0], true
	}
	return shipping.PackageDocumentDetail{}, false
}

// labelDocument decodes the LABEL document in the requested format.
func labelDocument(docs []shipping.PackageDocument, format LabelFormat) ([]byte, error) {
	for _, d := range docs {
		if d.Type != "" && d.Type != "LABEL" {
			continue
		}
		if d.Format != "" && d.Format != string(format) {
			continue
		}
		doc, err := shipping.DecodeLabel(d)
		if err != nil {
			return nil, fmt.Errorf("decode %s label: %w", format, err)
		}
		if err := checkLabelFormat(doc, format); err != nil {
			return nil, err
		}
		return doc, nil
	}
	return nil, fmt.Errorf("no %s label document in Amazon's response", format)
}

// ErrLabelFormat is wrapped by the errors of a decoded label whose bytes are
// not in the format requested.
var ErrLabelFormat = errors.New("fulfillment: label document is not in the requested format")

// checkLabelFormat checks the magic bytes of a decoded label, so a printer
// never gets a truncated or mislabelled file.
func checkLabelFormat(doc []byte, format LabelFormat) error {
	ok := false
	switch format {
	case LabelPDF:
		ok = len(doc) >= 5 && string(doc[:5]) == "%PDF-"
	case LabelPNG:
		ok = len(doc) >= 8 && string(doc[:8]) == "\x89PNG\r\n\x1a\n"
	case LabelZPL:
		ok = len(doc) >= 3 && containsZPLStart(doc)
	}
	if !ok {
		return fmt.Errorf("%w: want %s, %d bytes", ErrLabelFormat, format, len(doc))
	}
	return nil
}

// containsZPLStart reports whether a ZPL document starts a label format
// (^XA) within its first kilobyte, after optional white space or
// configuration commands.
func containsZPLStart(doc []byte) bool {
	n := min(len(doc), 1024)
	for i := 0; i+3 <= n; i++ {
		if doc[i] == '^' && (doc[i+1] == 'X' || doc[i+1] == 'x') && (doc[i+2] == 'A' || doc[i+2] == 'a') {
			return true
		}
	}
	return false
}

// parseAmount reads a decimal amount for the Shipping API, which takes
// money as a JSON number; an unreadable amount gives 0.
func parseAmount(s string) float64 {
	var v float64
	if _, err := fmt.Sscanf(s, "%g", &v); err != nil {
		return 0
	}
	return v
}
