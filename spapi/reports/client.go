package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Processing statuses of a report.
const (
	StatusInQueue    = "IN_QUEUE"
	StatusInProgress = "IN_PROGRESS"
	StatusDone       = "DONE"
	StatusFatal      = "FATAL"
	StatusCancelled  = "CANCELLED"
)

// ErrSettlementNotRequestable is returned, before any request, by
// [Client.CreateReport] for the settlement report type: Amazon generates
// settlement reports itself and rejects createReport for them with
// "Request for report type 1118 is not allowed". List them with
// [Client.SettlementReports].
var ErrSettlementNotRequestable = errors.New("reports: settlement reports cannot be requested; list them with getReports")

// Client calls the Reports API for one seller in one region. It is safe
// for concurrent use.
type Client struct {
	api    *spapi.Client
	seller string
	region spapi.Region
}

// New returns a Client for the seller's reports in region.
func New(api *spapi.Client, sellerID string, region spapi.Region) *Client {
	return &Client{api: api, seller: sellerID, region: region}
}

func (c *Client) request(operation, method, path string, q url.Values, body any) *spapi.Request {
	return &spapi.Request{Operation: operation, Method: method, Path: path, Query: q, Body: body, SellerID: c.seller, Region: c.region}
}

// Report is a report's metadata and processing state.
type Report struct {
	ReportID            string    `json:"reportId"`
	ReportType          string    `json:"reportType"`
	MarketplaceIDs      []string  `json:"marketplaceIds,omitempty"`
	DataStartTime       time.Time `json:"dataStartTime,omitzero"`
	DataEndTime         time.Time `json:"dataEndTime,omitzero"`
	CreatedTime         time.Time `json:"createdTime"`
	ProcessingStatus    string    `json:"processingStatus"`
	ProcessingStartTime time.Time `json:"processingStartTime,omitzero"`
	ProcessingEndTime   time.Time `json:"processingEndTime,omitzero"`
	ReportDocumentID    string    `json:"reportDocumentId,omitempty"`
}

// CreateReportRequest is the body of createReport.
type CreateReportRequest struct {
	ReportType     string            `json:"reportType"`
	MarketplaceIDs []string          `json:"marketplaceIds"`
	DataStartTime  *time.Time        `json:"dataStartTime,omitempty"`
	DataEndTime    *time.Time        `json:"dataEndTime,omitempty"`
	ReportOptions  map[string]string `json:"reportOptions,omitempty"`
}

// CreateReport requests a report and returns its ID. The settlement report
// type returns [ErrSettlementNotRequestable] without a request.
func (c *Client) CreateReport(ctx context.Context, body CreateReportRequest) (string, error) {
	if body.ReportType == TypeSettlementV2 {
		return "", ErrSettlementNotRequestable
	}
	if body.ReportType == "" || len(body.MarketplaceIDs) == 0 {
		return "", fmt.Errorf("reports: createReport: report type and marketplace IDs are required: %w", spapi.ErrInvalidRequest)
	}
	var out struct {
		ReportID string `json:"reportId"`
	}
	if _, err := c.api.Do(ctx, c.request("reports.createReport", http.MethodPost, "/reports/2021-06-30/reports", nil, body), &out); err != nil {
		return "", invalidIfEmpty(err)
	}
	if out.ReportID == "" {
		return "", fmt.Errorf("reports: createReport: %w: no report ID", ErrInvalidResponse)
	}
	return out.ReportID, nil
}

// ErrInvalidResponse is wrapped by the error for a 2xx response that lacks a
// field the call must return, such as a report ID, a processing status or a
// document URL.
var ErrInvalidResponse = errors.New("reports: invalid response")

// invalidIfEmpty adds ErrInvalidResponse to the error of a 2xx response
// that had no body or a JSON null, so that both sentinels match it.
func invalidIfEmpty(err error) error {
	if errors.Is(err, spapi.ErrEmptyResponse) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	return err
}

// GetReport returns a report's state.
func (c *Client) GetReport(ctx context.Context, reportID string) (*Report, error) {
	if reportID == "" {
		return nil, fmt.Errorf("reports: getReport: missing report ID: %w", spapi.ErrInvalidRequest)
	}
	var out Report
	if _, err := c.api.Do(ctx, c.request("reports.getReport", http.MethodGet, "/reports/2021-06-30/reports/"+url.PathEscape(reportID), nil, nil), &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.ProcessingStatus == "" {
		return nil, fmt.Errorf("reports: getReport %s: %w: no processing status", reportID, ErrInvalidResponse)
	}
	return &out, nil
}

// CancelReport cancels a report that is still IN_QUEUE.
func (c *Client) CancelReport(ctx context.Context, reportID string) error {
	if reportID == "" {
		return fmt.Errorf("reports: cancelReport: missing report ID: %w", spapi.ErrInvalidRequest)
	}
	_, err := c.api.Do(ctx, c.request("reports.cancelReport", http.MethodDelete, "/reports/2021-06-30/reports/"+url.PathEscape(reportID), nil, nil), nil)
	return err
}

// GetReportsParams filters getReports. ReportTypes is required.
type GetReportsParams struct {
	ReportTypes        []string
	ProcessingStatuses []string
	MarketplaceIDs     []string
	// PageSize is 1 to 100; 0 leaves Amazon's default of 10.
	PageSize int
	// CreatedSince defaults, at Amazon, to 90 days ago, which is also how
	// long reports are kept.
	CreatedSince time.Time
	CreatedUntil time.Time
}

// ReportsPage is one page of getReports.
type ReportsPage struct {
	Reports   []Report `json:"reports"`
	NextToken string   `json:"nextToken,omitempty"`
}

// GetReports returns an iterator over the pages of getReports. Later pages
// send nextToken as their only parameter, as Amazon requires.
func (c *Client) GetReports(ctx context.Context, p GetReportsParams) iter.Seq2[*ReportsPage, error] {
	if len(p.ReportTypes) == 0 {
		err := fmt.Errorf("reports: getReports: at least one report type is required: %w", spapi.ErrInvalidRequest)
		return func(yield func(*ReportsPage, error) bool) { yield(nil, err) }
	}
	q := url.Values{"reportTypes": {strings.Join(p.ReportTypes, ",")}}
	if len(p.ProcessingStatuses) > 0 {
		q.Set("processingStatuses", strings.Join(p.ProcessingStatuses, ","))
	}
	if len(p.MarketplaceIDs) > 0 {
		q.Set("marketplaceIds", strings.Join(p.MarketplaceIDs, ","))
	}
	if p.PageSize > 0 {
		q.Set("pageSize", strconv.Itoa(p.PageSize))
	}
	if !p.CreatedSince.IsZero() {
		q.Set("createdSince", spapi.FormatTime(p.CreatedSince))
	}
	if !p.CreatedUntil.IsZero() {
		q.Set("createdUntil", spapi.FormatTime(p.CreatedUntil))
	}
	req := c.request("reports.getReports", http.MethodGet, "/reports/2021-06-30/reports", q, nil)
	return spapi.Pages(ctx, c.api, req, spapi.PaginationReports, func(page *ReportsPage) string { return page.NextToken })
}

// SettlementReports returns an iterator over the settlement reports of a
// marketplace created since the given time (Amazon keeps them 90 days).
// Reports are filtered by marketplace on the client too, because a report
// can list several marketplaces.
func (c *Client) SettlementReports(ctx context.Context, marketplaceID string, since time.Time) iter.Seq2[*Report, error] {
	pages := c.GetReports(ctx, GetReportsParams{
		ReportTypes: []string{TypeSettlementV2}, MarketplaceIDs: []string{marketplaceID},
		ProcessingStatuses: []string{StatusDone}, PageSize: 100, CreatedSince: since,
	})
	return func(yield func(*Report, error) bool) {
		for page, err := range pages {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Reports {
				r := &page.Reports[i]
				if len(r.MarketplaceIDs) > 0 && !slices.Contains(r.MarketplaceIDs, marketplaceID) {
					continue
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// ReportDocument is the download information of a report document.
type ReportDocument struct {
	ReportDocumentID     string `json:"reportDocumentId"`
	URL                  string `json:"url"`
	CompressionAlgorithm string `json:"compressionAlgorithm,omitempty"`
}

// GetReportDocument returns the download URL of a report document. The URL
// expires after 5 minutes.
func (c *Client) GetReportDocument(ctx context.Context, documentID string) (*ReportDocument, error) {
	if documentID == "" {
		return nil, fmt.Errorf("reports: getReportDocument: missing document ID: %w", spapi.ErrInvalidRequest)
	}
	var out ReportDocument
	if _, err := c.api.Do(ctx, c.request("reports.getReportDocument", http.MethodGet, "/reports/2021-06-30/documents/"+url.PathEscape(documentID), nil, nil), &out); err != nil {
		return nil, invalidIfEmpty(err)
	}
	if out.URL == "" {
		return nil, fmt.Errorf("reports: getReportDocument %s: %w: no URL", documentID, ErrInvalidResponse)
	}
	return &out, nil
}

// OpenReportDocument downloads a report document and returns its content,
// decompressed and decoded to UTF-8. The caller must close it. An expired
// URL is refreshed once with getReportDocument; maxBytes bounds the
// decompressed size (0 means spapi's default).
func (c *Client) OpenReportDocument(ctx context.Context, documentID string, maxBytes int64) (io.ReadCloser, error) {
	doc, err := c.GetReportDocument(ctx, documentID)
	if err != nil {
		return nil, err
	}
	toDoc := func(d *ReportDocument) spapi.Document {
		return spapi.Document{DocumentID: d.ReportDocumentID, URL: d.URL, CompressionAlgorithm: d.CompressionAlgorithm}
	}
	return c.api.OpenDocument(ctx, toDoc(doc), spapi.DownloadOptions{
		MaxBytes: maxBytes,
		Refresh: func(ctx context.Context) (spapi.Document, error) {
			fresh, err := c.GetReportDocument(ctx, documentID)
			if err != nil {
				return spapi.Document{}, err
			}
			return toDoc(fresh), nil
		},
	})
}
