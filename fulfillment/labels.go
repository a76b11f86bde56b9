package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/mfn"
)

// DefaultLabelsActor is the audit actor of label purchases when the context
// carries none.
const DefaultLabelsActor = "svc:spkit-labels"

// LabelsConfig configures Labels. The zero value of each optional field
// means its default.
type LabelsConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Store keeps labels and reads orders. Required.
	Store Store
	// Recorder receives an audit event for every purchase. Required.
	Recorder audit.Recorder
	// Actor is the audit actor when the context carries none
	// (pii.WithActor). Default DefaultLabelsActor.
	Actor string
	// Logger receives purchase retries, without personal data. Default:
	// discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Labels buys shipping labels for the packages of Amazon orders through the
// Shipping API v2, or through Merchant Fulfillment. Every purchase carries
// an idempotency key derived from the order and package (LabelKey) and is
// recorded in the store before and after the call. A process that crashes
// after Amazon sold a label therefore gets that label back when it retries,
// and never buys a second one. Concurrent purchases of one package, in one
// process or in several sharing the store, buy one label: the Shipping API
// v2 sells one per idempotency key, and a Merchant Fulfillment purchase is
// made only by the caller whose ReserveLabel created the label. Create it
// with NewLabels. It is safe for concurrent use.
//
// Amazon fills in the recipient from the order, so buying a label reveals
// no buyer data to the ERP; the label document itself shows the address and
// is returned to the caller, never stored.
type Labels struct {
	cfg      LabelsConfig
	shipping shippingAPI
	mfn      mfnAPI
	// buying holds the Merchant Fulfillment purchases running in this
	// process.
	buying inFlight
}

// NewLabels validates the configuration and returns Labels.
func NewLabels(cfg LabelsConfig) (*Labels, error) {
	switch {
	case cfg.Client == nil:
		return nil, &ValidationError{Field: "LabelsConfig.Client", Reason: "is missing"}
	case cfg.Store == nil:
		return nil, &ValidationError{Field: "LabelsConfig.Store", Reason: "is missing"}
	case cfg.Recorder == nil:
		return nil, &ValidationError{Field: "LabelsConfig.Recorder", Reason: "is missing"}
	}
	if cfg.Actor == "" {
		cfg.Actor = DefaultLabelsActor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Labels{cfg: cfg, shipping: &shippingV2{client: cfg.Client}, mfn: &merchantFulfillment{client: cfg.Client}}, nil
}

// LabelRequest describes one package of an order to buy a label for.
type LabelRequest struct {
	SellerID      string
	MarketplaceID string
	OrderID       string
	// PackageRef numbers the package within the order: a positive decimal
	// number, the same later used to confirm the shipment.
	PackageRef string
	// Service is the API to buy through. Default ServiceShippingV2.
	Service LabelService
	// ShipFrom is the seller's address the package leaves from.
	ShipFrom ShipFrom
	Package  PackageSpec
	// Format is the label file format. Default LabelPDF.
	Format LabelFormat
	// ServiceID picks the carrier service among the offers, such as
	// "std-us-swa-mfn" for Shipping API v2; empty takes the cheapest offer.
	ServiceID string
	// ShipDate is when the package will be handed over. Default: now.
	ShipDate time.Time
}

// ShipFrom is the seller's ship-from address. It is the seller's business
// address, not personal data of a buyer.
type ShipFrom struct {
	Name          string
	AddressLine1  string
	AddressLine2  string
	City          string
	StateOrRegion string
	PostalCode    string
	// CountryCode is the ISO 3166-1 alpha-2 code, such as "US" or "DE".
	CountryCode string
	Phone       string
	Email       string
}

// PackageSpec is the size, weight and content of a package.
type PackageSpec struct {
	// Length, Width and Height are in centimetres.
	Length, Width, Height float64
	// Weight is in grams.
	Weight float64
	// Value is the declared value of the content.
	Value Money
	// Items lists the order items and quantities in the package.
	Items []ConfirmationItem
}

// PurchasedLabel is a bought label: its stored metadata and the decoded
// label document, which shows the recipient's address and must be printed,
// not kept.
type PurchasedLabel struct {
	Label
	Document []byte
}

func (r *LabelRequest) validate() error {
	if err := checkID("seller ID", r.SellerID); err != nil {
		return err
	}
	if err := checkID("marketplace ID", r.MarketplaceID); err != nil {
		return err
	}
	if _, err := spapi.MarketplaceRegion(r.MarketplaceID); err != nil {
		return &ValidationError{Field: "marketplace ID", Value: quoteSafe(r.MarketplaceID), Reason: "is not a known marketplace"}
	}
	switch r.Service {
	case "", ServiceShippingV2, ServiceMerchantFulfillment:
	default:
		return &ValidationError{Field: "label service", Value: quoteSafe(string(r.Service)), Reason: "is not shipping_v2 or merchant_fulfillment"}
	}
	switch r.Format {
	case "", LabelPDF, LabelPNG, LabelZPL:
	default:
		return &ValidationError{Field: "label format", Value: quoteSafe(string(r.Format)), Reason: "is not PDF, PNG or ZPL"}
	}
	f := r.ShipFrom
	for _, p := range []struct{ field, value string }{
		{"ship-from name", f.Name}, {"ship-from address line 1", f.AddressLine1}, {"ship-from city", f.City}, {"ship-from postal code", f.PostalCode},
	} {
		if err := checkText(p.field, p.value, maxTextLength, true); err != nil {
			return err
		}
	}
	if !isCountryCode(f.CountryCode) {
		return &ValidationError{Field: "ship-from country code", Value: quoteSafe(f.CountryCode), Reason: "must be two upper-case letters (ISO 3166-1 alpha-2), such as US or GB"}
	}
	// Amazon rejects codes such as UK with a bare InvalidInput. The mfn
	// package checks them against ISO 3166-1, and for Merchant Fulfillment
	// the whole request.
	var mv *mfn.ValidationError
	if err := mfnDetails(*r).Validate(); errors.As(err, &mv) && (r.Service == ServiceMerchantFulfillment || strings.HasSuffix(mv.Field, ".CountryCode")) {
		return &ValidationError{Field: mv.Field, Value: quoteSafe(mv.Value), Reason: mv.Reason}
	}
	p := r.Package
	for _, d := range []struct {
		field string
		value float64
	}{{"package length", p.Length}, {"package width", p.Width}, {"package height", p.Height}, {"package weight", p.Weight}} {
		if !(d.value > 0) || math.IsInf(d.value, 0) || d.value > 1e6 {
			return &ValidationError{Field: d.field, Value: fmt.Sprint(d.value), Reason: "must be a positive number in centimetres or grams"}
		}
	}
	return checkConfirmationItems(p.Items)
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// Buy buys the label of one package, or returns the label already bought
// for the same seller, order and package. It reserves the label's
// idempotency key in the store before calling Amazon and records the result
// after. When recording a Shipping API v2 purchase fails, calling Buy again
// with the same request repeats the purchase under the same key, and Amazon
// returns the label it sold instead of selling another. A Merchant
// Fulfillment purchase is never repeated: while its outcome is not recorded,
// Buy returns an *UncertainPurchaseError, and when Amazon rejects
// createShipment the label is cancelled, so a new attempt needs a new
// package reference.
//
// A label bought earlier is returned with its document fetched again from
// Amazon. Errors: *ValidationError for a bad request, ErrNoRate,
// ErrLabelInProgress while another call of this Labels buys the same
// Merchant Fulfillment label, *UncertainPurchaseError for a Merchant
// Fulfillment purchase whose outcome is unknown, *spapi.Error from Amazon,
// and store errors.
func (l *Labels) Buy(ctx context.Context, req LabelRequest) (*PurchasedLabel, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if req.Service == "" {
		req.Service = ServiceShippingV2
	}
	if req.Format == "" {
		req.Format = LabelPDF
	}
	if req.ShipDate.IsZero() {
		req.ShipDate = l.cfg.Now()
	}
	key, err := LabelKey(req.SellerID, req.OrderID, req.PackageRef)
	if err != nil {
		return nil, err
	}

	var bought *PurchasedLabel
	if req.Service == ServiceMerchantFulfillment {
		bought, err = l.buyMFN(ctx, req, key)
	} else {
		bought, err = l.buyV2(ctx, req, key)
	}
	// A request that conflicts with the stored label reached no purchase,
	// so it is not audited.
	var invalid *ValidationError
	if !errors.As(err, &invalid) {
		l.audit(ctx, req, bought, err)
	}
	if err != nil {
		return nil, err
	}
	return bought, nil
}

// pendingLabel returns the label of req as it is first reserved.
func (l *Labels) pendingLabel(req LabelRequest, key string) Label {
	return Label{
		SellerID: req.SellerID, OrderID: req.OrderID, PackageRef: req.PackageRef, IdempotencyKey: key,
		Service: req.Service, State: LabelPending, Format: req.Format, ReservedAt: l.cfg.Now().UTC(),
	}
}

// reserve stores label through ReserveLabel. When a label with its key
// exists, it returns that label and false after checking that req may
// resume it.
func (l *Labels) reserve(ctx context.Context, req LabelRequest, label Label) (Label, bool, error) {
	got, created, err := l.cfg.Store.ReserveLabel(ctx, label)
	if err != nil {
		return Label{}, false, fmt.Errorf("fulfillment: buy label for order %s package %s: reserve: %w", req.OrderID, req.PackageRef, err)
	}
	if created {
		return got, true, nil
	}
	l.cfg.Logger.InfoContext(ctx, "label reserved before, resuming",
		slog.String("order_id", req.OrderID), slog.String("package_ref", req.PackageRef), slog.String("state", string(got.State)))
	if err := checkResumable(req, got); err != nil {
		return Label{}, false, err
	}
	return got, false, nil
}

// checkResumable returns a *ValidationError when req cannot continue the
// stored label of its package.
func checkResumable(req LabelRequest, stored Label) error {
	switch {
	case stored.State == LabelCancelled:
		return &ValidationError{Field: "package reference", Value: quoteSafe(req.PackageRef), Reason: "has a cancelled label; use a new package reference for a new label"}
	case stored.Service != req.Service:
		return &ValidationError{Field: "label service", Value: quoteSafe(string(req.Service)), Reason: "differs from the service of the label reserved for this package (" + string(stored.Service) + ")"}
	}
	return nil
}

func (l *Labels) audit(ctx context.Context, req LabelRequest, bought *PurchasedLabel, buyErr error) {
	e := audit.Event{
		Time: l.cfg.Now().UTC(), Actor: l.cfg.Actor, Action: audit.ActionLabelPurchase, Outcome: audit.OutcomeSuccess,
		SellerID: req.SellerID, OrderID: req.OrderID, Count: 1,
	}
	if a, ok := pii.ActorFromContext(ctx); ok && a.UserID != "" {
		e.Actor, e.SourceIP = a.UserID, a.SourceIP
	}
	if buyErr != nil {
		e.Outcome, e.Reason, e.Count = audit.OutcomeFailure, reasonCode(buyErr), 0
	}
	if bought == nil && buyErr == nil {
		return
	}
	if err := l.cfg.Recorder.Record(context.WithoutCancel(ctx), e); err != nil {
		l.cfg.Logger.ErrorContext(ctx, "recording the label purchase audit event failed",
			slog.String("order_id", req.OrderID), slog.String("error", err.Error()))
	}
}
