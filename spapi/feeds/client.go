package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Processing statuses of a feed.
const (
	StatusInQueue    = "IN_QUEUE"
	StatusInProgress = "IN_PROGRESS"
	StatusDone       = "DONE"
	StatusFatal      = "FATAL"
	StatusCancelled  = "CANCELLED"
)

// Client calls the Feeds API for one seller in one region. It is safe for
// concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

func (c *Client) request(operation, method, path string, q url.Values, body any) *spapi.Request {
	return &spapi.Request{Operation: operation, Method: method, Path: path, Query: q, Body: body, SellerID: c.seller, Region: c.region}
}

// FeedDocument is an upload destination from createFeedDocument or a
// result document from getFeedDocument.
type FeedDocument struct {
	FeedDocumentID       string `json:"feedDocumentId"`
	URL                  string `json:"url"`
	CompressionAlgorithm string `json:"compressionAlgorithm,omitempty"`
}

// Feed is a submitted feed and its processing state.
type Feed struct {
	FeedID               string    `json:"feedId"`
	FeedType             string    `json:"feedType"`
	MarketplaceIDs       []string  `json:"marketplaceIds,omitempty"`
	CreatedTime          time.Time `json:"createdTime"`
	ProcessingStatus     string    `json:"processingStatus"`
	ProcessingStartTime  time.Time `json:"processingStartTime,omitzero"`
	ProcessingEndTime    time.Time `json:"processingEndTime,omitzero"`
	ResultFeedDocumentID string    `json:"resultFeedDocumentId,omitempty"`
}

// Finished reports whether the feed is DONE, FATAL or CANCELLED.
func (f *Feed) Finished() bool {
	return f.ProcessingStatus == StatusDone || f.ProcessingStatus == StatusFatal || f.ProcessingStatus == StatusCancelled
}

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks a
// field the call must return, such as a feed ID, a document URL or a
// processing status.
var ErrInvalidResponse = errors.New("feeds: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

// CreateFeedDocument creates an upload destination for a feed whose
// content will be sent with contentType.
func (c *Client) CreateFeedDocument(ctx context.Context, contentType string) (*FeedDocument, error) {
	if contentType == "" {
		return nil, fmt.Errorf("feeds: createFeedDocument: missing content type: %w", spapi.ErrInvalidRequest)
	}
	req := c.request("feeds.createFeedDocument", http.MethodPost, "/feeds/2021-06-30/documents", nil, map[string]string{"contentType": contentType})
	var out FeedDocument
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.FeedDocumentID == "" || out.URL == "" {
		return nil, fmt.Errorf("feeds: createFeedDocument: %w: no document ID or URL", ErrInvalidResponse)
	}
	return &out, nil
}

// CreateFeedRequest is the body of createFeed.
type CreateFeedRequest struct {
	FeedType            string            `json:"feedType"`
	MarketplaceIDs      []string          `json:"marketplaceIds"`
	InputFeedDocumentID string            `json:"inputFeedDocumentId"`
	FeedOptions         map[string]string `json:"feedOptions,omitempty"`
}

// CreateFeed submits an uploaded feed document and returns the feed ID.
func (c *Client) CreateFeed(ctx context.Context, body CreateFeedRequest) (string, error) {
	if body.FeedType == "" || len(body.MarketplaceIDs) == 0 || body.InputFeedDocumentID == "" {
		return "", fmt.Errorf("feeds: createFeed: feed type, marketplace IDs and input document ID are required: %w", spapi.ErrInvalidRequest)
	}
	req := c.request("feeds.createFeed", http.MethodPost, "/feeds/2021-06-30/feeds", nil, body)
	req.MarketplaceID = body.MarketplaceIDs[0]
	var out struct {
		FeedID string `json:"feedId"`
	}
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return "", invalidIfEmpty(err)
	}
	if out.FeedID == "" {
		return "", fmt.Errorf("feeds: createFeed: %w: no feed ID", ErrInvalidResponse)
	}
	return out.FeedID, nil
}

// GetFeed returns a feed's processing state.
func (c *Client) GetFeed(ctx context.Context, feedID string) (*Feed, error) {
	if feedID == "" {
		return nil, fmt.Errorf("feeds: getFeed: missing feed ID: %w", spapi.ErrInvalidRequest)
	}
	var out Feed
	if _, err := c.api.Do(ctx, c.request("feeds.getFeed", http.MethodGet, "/feeds/2021-06-30/feeds/"+url.PathEscape(feedID), nil, nil), &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.ProcessingStatus == "" {
		return nil, fmt.Errorf("feeds: getFeed %s: %w: no processing status", feedID, ErrInvalidResponse)
	}
	return &out, nil
}

// CancelFeed cancels a feed that is still IN_QUEUE.
func (c *Client) CancelFeed(ctx context.Context, feedID string) error {
	if feedID == "" {
		return fmt.Errorf("feeds: cancelFeed: missing feed ID: %w", spapi.ErrInvalidRequest)
	}
	_, err := c.api.Do(ctx, c.request("feeds.cancelFeed", http.MethodDelete, "/feeds/2021-06-30/feeds/"+url.PathEscape(feedID), nil, nil), nil)
	return err
}

// GetFeedDocument returns the download URL of a feed document, such as a
// feed's result document.
func (c *Client) GetFeedDocument(ctx context.Context, documentID string) (*FeedDocument, error) {
	if documentID == "" {
		return nil, fmt.Errorf("feeds: getFeedDocument: missing document ID: %w", spapi.ErrInvalidRequest)
	}
	var out FeedDocument
	if _, err := c.api.Do(ctx, c.request("feeds.getFeedDocument", http.MethodGet, "/feeds/2021-06-30/documents/"+url.PathEscape(documentID), nil, nil), &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.URL == "" {
		return nil, fmt.Errorf("feeds: getFeedDocument %s: %w: no URL", documentID, ErrInvalidResponse)
	}
	return &out, nil
}

// GetFeedsParams filters getFeeds. FeedTypes is required.
type GetFeedsParams struct {
	FeedTypes          []string
	MarketplaceIDs     []string
	ProcessingStatuses []string
	// PageSize is 1 to 100; 0 leaves Amazon's default of 10.
	PageSize     int
	CreatedSince time.Time
	CreatedUntil time.Time
}

// FeedsPage is one page of getFeeds.
type FeedsPage struct {
	Feeds     []Feed `json:"feeds"`
	NextToken string `json:"nextToken,omitempty"`
}

// GetFeeds returns an iterator over the pages of getFeeds. Later pages send
// nextToken as their only parameter, as Amazon requires.
func (c *Client) GetFeeds(ctx context.Context, p GetFeedsParams) iter.Seq2[*FeedsPage, error] {
	if len(p.FeedTypes) == 0 {
		err := fmt.Errorf("feeds: getFeeds: at least one feed type is required: %w", spapi.ErrInvalidRequest)
		return func(yield func(*FeedsPage, error) bool) { yield(nil, err) }
	}
	q := url.Values{}
	setList(q, "feedTypes", p.FeedTypes)
	setList(q, "marketplaceIds", p.MarketplaceIDs)
	setList(q, "processingStatuses", p.ProcessingStatuses)
	if p.PageSize > 0 {
		q.Set("pageSize", strconv.Itoa(p.PageSize))
	}
	if !p.CreatedSince.IsZero() {
		q.Set("createdSince", spapi.FormatTime(p.CreatedSince))
	}
	if !p.CreatedUntil.IsZero() {
		q.Set("createdUntil", spapi.FormatTime(p.CreatedUntil))
	}
	req := c.request("feeds.getFeeds", http.MethodGet, "/feeds/2021-06-30/feeds", q, nil)
	return spapi.Pages(ctx, c.api, req, spapi.PaginationReports, func(page *FeedsPage) string { return page.NextToken })
}

func setList(q url.Values, name string, values []string) {
	if len(values) > 0 {
		q.Set(name, strings.Join(values, ","))
	}
}

// Submit creates a feed document, uploads content to it with exactly
// contentType, and creates the feed. It returns the feed ID.
func (c *Client) Submit(ctx context.Context, feedType string, marketplaceIDs []string, contentType string, content []byte) (string, error) {
	doc, err := c.CreateFeedDocument(ctx, contentType)
	if err != nil {
		return "", err
	}
	if err := c.api.UploadDocument(ctx, doc.URL, contentType, content); err != nil {
		return "", fmt.Errorf("feeds: upload %s document: %w", feedType, err)
	}
	return c.CreateFeed(ctx, CreateFeedRequest{FeedType: feedType, MarketplaceIDs: marketplaceIDs, InputFeedDocumentID: doc.FeedDocumentID})
}

// SubmitListings validates, encodes and submits a JSON_LISTINGS_FEED.
func (c *Client) SubmitListings(ctx context.Context, f *ListingsFeed, marketplaceIDs []string) (string, error) {
	content, err := f.MarshalJSON()
	if err != nil {
		return "", err
	}
	return c.Submit(ctx, TypeJSONListings, marketplaceIDs, ContentTypeJSON, content)
}

// SubmitFulfillment validates, encodes and submits a
// POST_ORDER_FULFILLMENT_DATA feed.
func (c *Client) SubmitFulfillment(ctx context.Context, f *FulfillmentFeed, marketplaceIDs []string) (string, error) {
	content, err := f.Encode()
	if err != nil {
		return "", err
	}
	return c.Submit(ctx, TypeOrderFulfillment, marketplaceIDs, ContentTypeXML, content)
}

// FeedError reports a feed that ended FATAL or CANCELLED. Report holds the
// processing report when Amazon produced one.
type FeedError struct {
	FeedID string
	Status string
	Report *Report
}

func (e *FeedError) Error() string {
	msg := fmt.Sprintf("feeds: feed %s ended %s", e.FeedID, e.Status)
	if e.Report != nil {
		if failed := e.Report.Failed(); len(failed) > 0 {
			msg += fmt.Sprintf(": %s %s", failed[0].Code, failed[0].Message)
		}
	}
	return msg
}

// Is makes errors.Is(err, ErrFeedFatal) and errors.Is(err,
// ErrFeedCancelled) work.
func (e *FeedError) Is(target error) bool {
	return (target == ErrFeedFatal && e.Status == StatusFatal) || (target == ErrFeedCancelled && e.Status == StatusCancelled)
}

// Sentinels matched by [*FeedError].
var (
	ErrFeedFatal     = errors.New("feeds: feed processing failed (FATAL)")
	ErrFeedCancelled = errors.New("feeds: feed cancelled")
)

// Wait polls a feed every interval until it is DONE, FATAL or CANCELLED,
// or ctx ends. A DONE feed is returned with its processing report; the
// report's [Report.Failed] issues are the messages that were not applied.
// FATAL and CANCELLED feeds return a [*FeedError], with the report when
// there is one. getFeed allows 2 requests per second, so an interval under
// a second only spends the burst.
func (c *Client) Wait(ctx context.Context, feedID string, interval time.Duration) (*Feed, *Report, error) {
	if interval <= 0 {
		return nil, nil, fmt.Errorf("feeds: wait for feed %s: interval %v must be positive: %w", feedID, interval, spapi.ErrInvalidRequest)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-timer.C:
		}
		f, err := c.GetFeed(ctx, feedID)
		if err != nil {
			return nil, nil, err
		}
		if !f.Finished() {
			timer.Reset(interval)
			continue
		}
		var report *Report
		if f.ResultFeedDocumentID != "" {
			if report, err = c.Result(ctx, f.ResultFeedDocumentID); err != nil {
				return f, nil, err
			}
		}
		if f.ProcessingStatus != StatusDone {
			return f, report, &FeedError{FeedID: f.FeedID, Status: f.ProcessingStatus, Report: report}
		}
		return f, report, nil
	}
}

// Result downloads and parses a processing report. An expired download URL
// is refreshed once.
func (c *Client) Result(ctx context.Context, documentID string) (*Report, error) {
	doc, err := c.GetFeedDocument(ctx, documentID)
	if err != nil {
		return nil, err
	}
	rc, err := c.api.OpenDocument(ctx, spapi.Document{DocumentID: doc.FeedDocumentID, URL: doc.URL, CompressionAlgorithm: doc.CompressionAlgorithm}, spapi.DownloadOptions{
		MaxBytes: MaxReportBytes,
		Refresh: func(ctx context.Context) (spapi.Document, error) {
			fresh, err := c.GetFeedDocument(ctx, documentID)
			if err != nil {
				return spapi.Document{}, err
			}
			return spapi.Document{DocumentID: fresh.FeedDocumentID, URL: fresh.URL, CompressionAlgorithm: fresh.CompressionAlgorithm}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("feeds: read processing report %s: %w", documentID, err)
	}
	return ParseReport(data)
}
