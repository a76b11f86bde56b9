package custom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
)

// ErrNoCustomization is returned for an order item whose customisation URL
// is empty or missing: the item has no Amazon Custom data.
var ErrNoCustomization = errors.New("custom: the item has no customization URL")

// ErrInvalidURL is wrapped by the error for a customisation URL that is
// not an absolute http or https URL.
var ErrInvalidURL = errors.New("custom: invalid customization URL")

// Download fetches the customisation zip at rawURL and parses it within
// lim. The URL is presigned, so the request carries no authentication
// header. Network errors and 5xx are retried by api. A download that still
// fails returns a [*DownloadError]. Its message leaves out the URL,
// because the URL grants access to the buyer's personalisation. An empty
// URL returns [ErrNoCustomization].
func Download(ctx context.Context, api *spapi.Client, rawURL string, lim Limits) (*Customization, error) {
	if rawURL == "" {
		return nil, ErrNoCustomization
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, ErrInvalidURL
	}
	lim = lim.withDefaults()

	rc, err := api.OpenDocument(ctx, spapi.Document{URL: rawURL}, spapi.DownloadOptions{Raw: true, MaxBytes: lim.MaxZipBytes})
	if err != nil {
		return nil, &DownloadError{Err: err}
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if errors.Is(err, spapi.ErrDocumentTooLarge) {
		return nil, &LimitError{What: "zip", Limit: lim.MaxZipBytes}
	}
	if err != nil {
		return nil, &DownloadError{Err: err}
	}
	return ParseZip(data, lim)
}

// DownloadError reports a failed download. Its message names the class of
// failure but not the underlying error, because network errors quote the
// presigned URL; Err is kept for errors.Is and errors.As.
type DownloadError struct {
	Err error
}

func (e *DownloadError) Error() string {
	var apiErr *spapi.Error
	switch {
	case errors.As(e.Err, &apiErr):
		return fmt.Sprintf("custom: download customization zip: storage returned status %d", apiErr.StatusCode)
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "custom: download customization zip: timed out"
	case errors.Is(e.Err, context.Canceled):
		return "custom: download customization zip: canceled"
	}
	return "custom: download customization zip: network error"
}

func (e *DownloadError) Unwrap() error { return e.Err }

// DownloadItem reveals an order item's customisation URL for fulfilment
// through rev, which audits the reveal, and downloads it with [Download].
// A zero URL returns [ErrNoCustomization] without a reveal. The context
// must carry the actor (pii.WithActor).
func DownloadItem(ctx context.Context, api *spapi.Client, rev *pii.Revealer, customizedURL pii.Personalization, lim Limits) (*Customization, error) {
	if customizedURL.IsZero() {
		return nil, ErrNoCustomization
	}
	var rawURL string
	err := rev.RevealFunc(ctx, pii.PurposeFulfillment, customizedURL, func(clear []byte) error {
		rawURL = string(clear)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("custom: reveal customization URL: %w", err)
	}
	return Download(ctx, api, rawURL, lim)
}
