package fulfillment

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi/custom"
)

// CustomFetcher is the CustomizationFetcher over Amazon's customization
// URLs: it reveals the URL (Amazon returns it as buyer data) for the
// fulfilment purpose, downloads the zip without credentials, parses it
// within Limits and splits it into units. Its zero value is not usable:
// Revealer is required.
type CustomFetcher struct {
	// Revealer reveals the customization URL; each download is audited as
	// a reveal of personalisation for fulfilment. Required.
	Revealer *pii.Revealer
	// HTTPClient downloads the zip. Default http.DefaultClient. The request
	// carries no SP-API credentials, as Amazon's URLs are presigned.
	HTTPClient *http.Client
	// Limits bound the zip and its documents. Zero fields mean the custom
	// package's defaults.
	Limits custom.Limits
	// Actor is the actor of the reveal when the context carries none.
	// Default DefaultSyncActor.
	Actor string
}

var _ CustomizationFetcher = (*CustomFetcher)(nil)

// FetchCustomization implements CustomizationFetcher.
func (f *CustomFetcher) FetchCustomization(ctx context.Context, sellerID string, o *Order, item *OrderItem, u pii.Personalization) (ItemCustomization, error) {
	if f.Revealer == nil {
		return ItemCustomization{}, fmt.Errorf("CustomFetcher.Revealer is missing")
	}
	if _, ok := pii.ActorFromContext(ctx); !ok {
		actor := f.Actor
		if actor == "" {
			actor = DefaultSyncActor
		}
		ctx = pii.WithActor(ctx, pii.Actor{UserID: actor})
	}
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: sellerID, OrderID: o.OrderID})

	var data []byte
	err := f.Revealer.RevealFunc(ctx, pii.PurposeFulfillment, u, func(clear []byte) error {
		var err error
		data, err = f.download(ctx, string(clear))
		return err
	})
	if err != nil {
		return ItemCustomization{}, err
	}
	c, err := custom.ParseZip(data, f.Limits)
	if err != nil {
		return ItemCustomization{}, err
	}
	return SplitCustomization(c, item)
}

// download fetches the zip. Errors never include the URL, which is buyer
// data.
func (f *CustomFetcher) download(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the customization URL is not an http or https URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("the customization URL is invalid")
	}
	client := f.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The error of http.Client names the URL, so only its kind is kept.
		return nil, fmt.Errorf("download of the customization zip failed: %s", strings.TrimSpace(errKind(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download of the customization zip failed: status %d", resp.StatusCode)
	}
	limit := f.Limits.MaxZipBytes
	if limit <= 0 {
		limit = custom.DefaultMaxZipBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download of the customization zip failed while reading")
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the customization zip exceeds %d bytes", limit)
	}
	return data, nil
}

// errKind describes a transport error without the URL it names.
func errKind(err error) string {
	if ue, ok := err.(*url.Error); ok {
		if ue.Timeout() {
			return "timed out"
		}
		return ue.Op + ": " + fmt.Sprintf("%T", ue.Err)
	}
	return fmt.Sprintf("%T", err)
}

// SplitCustomization turns a parsed customization zip into the
// personalisation of one order item, one unit per unit ordered. Amazon lays
// multi-unit personalisation out either as one document per unit, or as one
// document with one surface per unit. A single unit takes every surface of
// its document. Text areas become parts with text, option areas (thread
// colour, emboss or deboss) parts with an option. When the layout does not
// give one unit per unit ordered, the units found are returned as they are,
// and LinkPersonalizations reports the count mismatch.
func SplitCustomization(c *custom.Customization, item *OrderItem) (ItemCustomization, error) {
	var docs []custom.Document
	for _, d := range c.Documents {
		if d.OrderItemID == item.OrderItemID || d.OrderItemID == "" && len(c.Documents) == 1 {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return ItemCustomization{}, fmt.Errorf("the customization zip has no document for order item %s", item.OrderItemID)
	}
	out := ItemCustomization{OrderItemID: item.OrderItemID, ASIN: docs[0].ASIN}

	switch {
	case len(docs) > 1:
		// One document per unit.
		for _, d := range docs {
			out.Units = append(out.Units, UnitCustomization{Parts: surfaceParts(d.Surfaces, true)})
		}
	case item.Quantity > 1 && len(docs[0].Surfaces) > 1:
		// One surface per unit.
		for _, s := range docs[0].Surfaces {
			out.Units = append(out.Units, UnitCustomization{Parts: surfaceParts([]custom.Surface{s}, false)})
		}
	default:
		out.Units = []UnitCustomization{{Parts: surfaceParts(docs[0].Surfaces, len(docs[0].Surfaces) > 1)}}
	}
	return out, nil
}

// surfaceParts converts the areas of surfaces to parts, naming each part
// "surface/area" when qualify is set and by its area alone otherwise.
func surfaceParts(surfaces []custom.Surface, qualify bool) []CustomizationPart {
	var parts []CustomizationPart
	for _, s := range surfaces {
		for _, a := range s.Areas {
			if a.Type == custom.AreaImage {
				continue
			}
			name := a.Name
			if name == "" {
				name = a.Label
			}
			if qualify && s.Name != "" {
				name = s.Name + "/" + name
			}
			p := CustomizationPart{Part: name, Text: a.Text, Font: a.Font, Color: a.Color.Name, Option: a.Option}
			if a.Type == custom.AreaText && (a.X != 0 || a.Y != 0) {
				p.Position = fmt.Sprintf("%g,%g", a.X, a.Y)
			}
			parts = append(parts, p)
		}
	}
	return parts
}
