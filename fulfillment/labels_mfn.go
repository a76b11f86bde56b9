package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/mfn"
)

// mfnAPI is the part of Merchant Fulfillment that Labels uses.
type mfnAPI interface {
	eligible(ctx context.Context, sellerID, marketplaceID string, body *mfn.EligibleServicesRequest) (*mfn.EligibleServices, error)
	create(ctx context.Context, sellerID, marketplaceID string, body *mfn.CreateShipmentRequest) (*mfn.Shipment, error)
	get(ctx context.Context, sellerID, marketplaceID, shipmentID string) (*mfn.Shipment, error)
}

// merchantFulfillment calls Merchant Fulfillment through the mfn package.
type merchantFulfillment struct {
	client *spapi.Client
}

func (m *merchantFulfillment) mfnClient(sellerID, marketplaceID string) (*mfn.Client, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return nil, err
	}
	return mfn.New(m.client, sellerID, region), nil
}

func (m *merchantFulfillment) eligible(ctx context.Context, sellerID, marketplaceID string, body *mfn.EligibleServicesRequest) (*mfn.EligibleServices, error) {
	c, err := m.mfnClient(sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.GetEligibleShipmentServices(ctx, *body)
}

// create sends createShipment. It has no idempotency key, so it is never
// retried: a retry after a lost response could buy a second label.
func (m *merchantFulfillment) create(ctx context.Context, sellerID, marketplaceID string, body *mfn.CreateShipmentRequest) (*mfn.Shipment, error) {
	c, err := m.mfnClient(sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.CreateShipment(ctx, *body)
}

func (m *merchantFulfillment) get(ctx context.Context, sellerID, marketplaceID, shipmentID string) (*mfn.Shipment, error) {
	c, err := m.mfnClient(sellerID, marketplaceID)
	if err != nil {
		return nil, err
	}
	return c.GetShipment(ctx, shipmentID)
}

// UncertainPurchaseError reports a Merchant Fulfillment purchase whose
// outcome is not recorded: createShipment was sent, and the process stopped
// or the store failed before the result was saved, or another process is
// still buying the label. Merchant Fulfillment has no idempotency key and no
// way to list an order's shipments, so Labels does not buy again. Call Buy
// again after a concurrent purchase has had time to finish: it returns the
// label once the result is recorded. Otherwise look the shipment up in
// Seller Central, then call Labels.Resolve with its ID, or Labels.Abandon
// when no label was bought.
type UncertainPurchaseError struct {
	OrderID        string
	PackageRef     string
	IdempotencyKey string
}

func (e *UncertainPurchaseError) Error() string {
	return fmt.Sprintf("fulfillment: the Merchant Fulfillment label of order %s package %s may have been bought already (its outcome is not recorded); if no other process is buying it, check the order's shipments in Seller Central, then call Resolve with the shipment ID or Abandon", e.OrderID, e.PackageRef)
}

// ErrLabelInProgress is wrapped by the error of a Merchant Fulfillment Buy
// call made while another Buy call of the same Labels is buying the label of
// the same package. Call Buy again after that call has returned.
var ErrLabelInProgress = errors.New("fulfillment: another call is buying this label")

// mfnAttempted marks a Merchant Fulfillment label whose createShipment may
// have been sent; it is stored as the label's rate ID together with the
// service ID.
const mfnAttempted = "mfn-sent:"

// inFlight is the set of idempotency keys whose Merchant Fulfillment
// purchase runs in this process.
type inFlight struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// start adds key and reports whether it was absent.
func (f *inFlight) start(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.keys[key]; ok {
		return false
	}
	if f.keys == nil {
		f.keys = make(map[string]struct{})
	}
	f.keys[key] = struct{}{}
	return true
}

func (f *inFlight) done(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.keys, key)
}

// buyMFN buys, or resumes buying, a label through Merchant Fulfillment,
// which has no idempotency key. The label is reserved in the store already
// marked as sent, right before createShipment: ReserveLabel creates it for
// one caller only, also across processes that share the store, and only
// that caller sends createShipment. Every other caller reads the existing
// label back with getShipment, or gets an *UncertainPurchaseError while its
// outcome is not recorded.
func (l *Labels) buyMFN(ctx context.Context, req LabelRequest, key string) (*PurchasedLabel, error) {
	if !l.buying.start(key) {
		return nil, fmt.Errorf("%w: order %s package %s; call Buy again after the other call has returned", ErrLabelInProgress, req.OrderID, req.PackageRef)
	}
	defer l.buying.done(key)

	stored, err := l.cfg.Store.Label(ctx, key)
	if err == nil {
		if err := checkResumable(req, stored); err != nil {
			return nil, err
		}
		return l.resumeMFN(ctx, req, stored)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: read label: %w", req.OrderID, req.PackageRef, err)
	}

	// Asking for offers buys nothing, so callers racing for the same
	// package may all do it before one of them wins the reservation.
	details := mfnDetails(req)
	services, err := l.mfn.eligible(ctx, req.SellerID, req.MarketplaceID, &mfn.EligibleServicesRequest{ShipmentRequestDetails: details})
	if err != nil {
		return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: get eligible services: %w", req.OrderID, req.PackageRef, err)
	}
	svc, err := chooseService(services.ShippingServiceList, req)
	if err != nil {
		return nil, err
	}

	claim := l.pendingLabel(req, key)
	claim.RateID = mfnAttempted + svc.ShippingServiceID
	claim.CarrierCode, claim.CarrierService = svc.CarrierName, svc.ShippingServiceName
	label, created, err := l.reserve(ctx, req, claim)
	if err != nil {
		return nil, err
	}
	if !created {
		return l.resumeMFN(ctx, req, label)
	}

	sh, err := l.mfn.create(ctx, req.SellerID, req.MarketplaceID, &mfn.CreateShipmentRequest{
		ShipmentRequestDetails: details,
		ShippingServiceID:      svc.ShippingServiceID,
		ShippingServiceOfferID: svc.ShippingServiceOfferID,
	})
	if err != nil {
		var apiErr *spapi.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode < 400 || apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests {
			return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: create shipment: %w", req.OrderID, req.PackageRef, err)
		}
		// Amazon rejected the request, so nothing was bought. The label is
		// cancelled rather than reset to pending, because the store cannot
		// hand a reset label to exactly one of several retrying callers.
		label.State = LabelCancelled
		if serr := l.cfg.Store.SaveLabel(ctx, label); serr != nil {
			return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: create shipment: %w", req.OrderID, req.PackageRef, errors.Join(err, serr))
		}
		return nil, fmt.Errorf("fulfillment: buy label for order %s package %s: create shipment rejected, no label bought; buy again with a new package reference: %w", req.OrderID, req.PackageRef, err)
	}
	return l.recordMFN(ctx, label, sh)
}

// resumeMFN continues a Merchant Fulfillment label found in the store.
func (l *Labels) resumeMFN(ctx context.Context, req LabelRequest, label Label) (*PurchasedLabel, error) {
	if label.ShipmentID != "" {
		return l.mfnExisting(ctx, req.MarketplaceID, label)
	}
	return nil, &UncertainPurchaseError{OrderID: req.OrderID, PackageRef: req.PackageRef, IdempotencyKey: label.IdempotencyKey}
}

// mfnExisting reads back a shipment bought earlier.
func (l *Labels) mfnExisting(ctx context.Context, marketplaceID string, label Label) (*PurchasedLabel, error) {
	sh, err := l.mfn.get(ctx, label.SellerID, marketplaceID, label.ShipmentID)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s: get shipment %s: %w", label.OrderID, label.PackageRef, label.ShipmentID, err)
	}
	return l.recordMFN(ctx, label, sh)
}

// recordMFN records the shipment of label and returns it with its document.
// The shipment is recorded before the document is decoded, so a label
// Amazon sold is never lost to a document this package cannot use.
func (l *Labels) recordMFN(ctx context.Context, label Label, sh *mfn.Shipment) (*PurchasedLabel, error) {
	format := mfnFormat(sh.Label.FileContents.FileType, label.Format)
	if label.State != LabelPurchased || label.ShipmentID != sh.ShipmentID {
		label.State = LabelPurchased
		label.ShipmentID = sh.ShipmentID
		label.TrackingNumber = sh.TrackingID
		label.Format = format
		label.PurchasedAt = l.cfg.Now().UTC()
		if err := l.cfg.Store.SaveLabel(ctx, label); err != nil {
			return nil, fmt.Errorf("fulfillment: label for order %s package %s bought as shipment %s, but recording it failed (call Resolve with that shipment ID): %w", label.OrderID, label.PackageRef, sh.ShipmentID, err)
		}
	}

	doc, err := mfn.DecodeLabel(sh.Label.FileContents)
	if err == nil {
		err = checkLabelFormat(doc, format)
	}
	if err != nil {
		return nil, fmt.Errorf("fulfillment: label for order %s package %s bought and recorded as shipment %s, but its document is unusable (buy again with the same request to fetch it): %w", label.OrderID, label.PackageRef, sh.ShipmentID, err)
	}
	return &PurchasedLabel{Label: label, Document: doc}, nil
}

// Resolve records the Merchant Fulfillment shipment of a label whose
// purchase outcome was not recorded (see UncertainPurchaseError), after
// checking it with getShipment, and returns the label.
func (l *Labels) Resolve(ctx context.Context, idempotencyKey, marketplaceID, shipmentID string) (*PurchasedLabel, error) {
	label, err := l.cfg.Store.Label(ctx, idempotencyKey)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: resolve label: %w", err)
	}
	if label.Service != ServiceMerchantFulfillment {
		return nil, &ValidationError{Field: "label service", Value: quoteSafe(string(label.Service)), Reason: "is not merchant_fulfillment; Shipping API v2 purchases recover by buying again"}
	}
	if err := checkText("shipment ID", shipmentID, maxTextLength, true); err != nil {
		return nil, err
	}
	sh, err := l.mfn.get(ctx, label.SellerID, marketplaceID, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: resolve label of order %s: get shipment %s: %w", label.OrderID, shipmentID, err)
	}
	if sh.AmazonOrderID != "" && sh.AmazonOrderID != label.OrderID {
		return nil, &ValidationError{Field: "shipment ID", Value: quoteSafe(shipmentID), Reason: "belongs to order " + sh.AmazonOrderID + ", not " + label.OrderID}
	}
	return l.recordMFN(ctx, label, sh)
}

// Abandon marks a label whose purchase outcome was not recorded as
// cancelled, after the seller checked that no label was bought. The
// package then needs a new package reference for a new label.
func (l *Labels) Abandon(ctx context.Context, idempotencyKey string) error {
	label, err := l.cfg.Store.Label(ctx, idempotencyKey)
	if err != nil {
		return fmt.Errorf("fulfillment: abandon label: %w", err)
	}
	if label.State == LabelPurchased {
		return &ValidationError{Field: "label state", Value: quoteSafe(string(label.State)), Reason: "is purchased; cancel the shipment with Amazon instead"}
	}
	label.State = LabelCancelled
	return l.cfg.Store.SaveLabel(ctx, label)
}

func mfnDetails(req LabelRequest) mfn.ShipmentRequestDetails {
	p := req.Package
	items := make([]mfn.Item, len(p.Items))
	for i, it := range p.Items {
		items[i] = mfn.Item{OrderItemID: it.OrderItemID, Quantity: it.Quantity}
	}
	f := req.ShipFrom
	return mfn.ShipmentRequestDetails{
		AmazonOrderID: req.OrderID,
		ItemList:      items,
		ShipFromAddress: mfn.Address{
			Name: f.Name, AddressLine1: f.AddressLine1, AddressLine2: f.AddressLine2, City: f.City,
			StateOrProvinceCode: f.StateOrRegion, PostalCode: f.PostalCode, CountryCode: f.CountryCode,
			Email: f.Email, Phone: f.Phone,
		},
		PackageDimensions: mfn.PackageDimensions{Length: p.Length, Width: p.Width, Height: p.Height, Unit: mfn.UnitCentimeters},
		Weight:            mfn.Weight{Value: p.Weight, Unit: mfn.UnitGrams},
		ShipDate:          FormatTime(req.ShipDate),
		ShippingServiceOptions: mfn.ShippingServiceOptions{
			DeliveryExperience: "DeliveryConfirmationWithoutSignature",
			LabelFormat:        string(req.Format),
		},
	}
}

// chooseService picks the service of req.ServiceID, or the cheapest.
func chooseService(services []mfn.ShippingService, req LabelRequest) (mfn.ShippingService, error) {
	var best mfn.ShippingService
	found := false
	for _, s := range services {
		if s.RequiresAdditionalSellerInputs {
			continue
		}
		if req.ServiceID != "" {
			if s.ShippingServiceID == req.ServiceID {
				return s, nil
			}
			continue
		}
		if !found || s.Rate.Amount < best.Rate.Amount {
			best, found = s, true
		}
	}
	if !found {
		return best, fmt.Errorf("%w: order %s package %s, service %q, %d services", ErrNoRate, req.OrderID, req.PackageRef, req.ServiceID, len(services))
	}
	return best, nil
}

// mfnFormat maps a Merchant Fulfillment file type onto a label format.
func mfnFormat(fileType string, requested LabelFormat) LabelFormat {
	switch fileType {
	case "application/pdf":
		return LabelPDF
	case "image/png":
		return LabelPNG
	case "application/zpl":
		return LabelZPL
	}
	return requested
}
