package fulfillment

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/feeds"
)

// Defaults of feed processing.
const (
	DefaultFeedPollInterval = 30 * time.Second
	DefaultFeedTimeout      = 2 * time.Hour
)

// Feed processing statuses.
const (
	feedDone      = "DONE"
	feedFatal     = "FATAL"
	feedCancelled = "CANCELLED"
)

// FeedError reports a feed that Amazon did not process: it ended FATAL or
// CANCELLED, or did not finish within the feed timeout. Report holds the
// processing report when Amazon provided one.
type FeedError struct {
	FeedID   string
	FeedType string
	Status   string
	Report   *feeds.Report
}

func (e *FeedError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("fulfillment: feed %s (%s) did not finish in time; look it up later with getFeed", e.FeedID, e.FeedType)
	}
	return fmt.Sprintf("fulfillment: feed %s (%s) ended %s; see its processing report", e.FeedID, e.FeedType, e.Status)
}

// feedRunner uploads a feed document, creates the feed, waits for it and
// reads its processing report.
type feedRunner struct {
	client       *spapi.Client
	pollInterval time.Duration
	timeout      time.Duration
}

// run submits content as a feed of feedType and returns its ID and
// processing report. A feed that ends FATAL or CANCELLED, or outlasts the
// timeout, returns a *FeedError (with the feed ID, so it can be looked up).
func (f *feedRunner) run(ctx context.Context, sellerID, marketplaceID, feedType, contentType string, content []byte) (string, *feeds.Report, error) {
	var doc struct {
		FeedDocumentID string `json:"feedDocumentId"`
		URL            string `json:"url"`
	}
	_, err := f.client.Do(ctx, &spapi.Request{
		Operation: "feeds.createFeedDocument", Method: http.MethodPost, Path: "/feeds/2021-06-30/documents",
		SellerID: sellerID, MarketplaceID: marketplaceID, Body: map[string]string{"contentType": contentType},
	}, &doc)
	if err != nil {
		return "", nil, fmt.Errorf("create feed document: %w", err)
	}
	if err := f.client.UploadDocument(ctx, doc.URL, contentType, content); err != nil {
		return "", nil, fmt.Errorf("upload feed document %s: %w", doc.FeedDocumentID, err)
	}

	var created struct {
		FeedID string `json:"feedId"`
	}
	_, err = f.client.Do(ctx, &spapi.Request{
		Operation: "feeds.createFeed", Method: http.MethodPost, Path: "/feeds/2021-06-30/feeds",
		SellerID: sellerID, MarketplaceID: marketplaceID,
		Body: map[string]any{"feedType": feedType, "marketplaceIds": []string{marketplaceID}, "inputFeedDocumentId": doc.FeedDocumentID},
	}, &created)
	if err != nil {
		return "", nil, fmt.Errorf("create %s feed: %w", feedType, err)
	}

	report, err := f.wait(ctx, sellerID, marketplaceID, created.FeedID, feedType)
	return created.FeedID, report, err
}

// wait polls getFeed until the feed ends, then reads its processing report.
func (f *feedRunner) wait(ctx context.Context, sellerID, marketplaceID, feedID, feedType string) (*feeds.Report, error) {
	deadline := time.Now().Add(f.timeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}

		var feed struct {
			ProcessingStatus     string `json:"processingStatus"`
			ResultFeedDocumentID string `json:"resultFeedDocumentId"`
		}
		_, err := f.client.Do(ctx, &spapi.Request{
			Operation: "feeds.getFeed", Method: http.MethodGet, Path: "/feeds/2021-06-30/feeds/" + url.PathEscape(feedID),
			SellerID: sellerID, MarketplaceID: marketplaceID,
		}, &feed)
		if err != nil {
			return nil, fmt.Errorf("get feed %s: %w", feedID, err)
		}

		switch feed.ProcessingStatus {
		case feedDone, feedFatal, feedCancelled:
			var report *feeds.Report
			if feed.ResultFeedDocumentID != "" {
				if report, err = f.report(ctx, sellerID, marketplaceID, feed.ResultFeedDocumentID); err != nil {
					return nil, fmt.Errorf("feed %s: %w", feedID, err)
				}
			}
			if feed.ProcessingStatus != feedDone {
				return report, &FeedError{FeedID: feedID, FeedType: feedType, Status: feed.ProcessingStatus, Report: report}
			}
			if report == nil {
				return nil, fmt.Errorf("feed %s is DONE without a processing report", feedID)
			}
			return report, nil
		}
		if time.Now().After(deadline) {
			return nil, &FeedError{FeedID: feedID, FeedType: feedType}
		}
		timer.Reset(f.pollInterval)
	}
}

// report downloads and parses a feed's processing report.
func (f *feedRunner) report(ctx context.Context, sellerID, marketplaceID, documentID string) (*feeds.Report, error) {
	get := func(ctx context.Context) (spapi.Document, error) {
		var doc spapi.Document
		_, err := f.client.Do(ctx, &spapi.Request{
			Operation: "feeds.getFeedDocument", Method: http.MethodGet, Path: "/feeds/2021-06-30/documents/" + url.PathEscape(documentID),
			SellerID: sellerID, MarketplaceID: marketplaceID,
		}, &doc)
		return doc, err
	}
	doc, err := get(ctx)
	if err != nil {
		return nil, fmt.Errorf("get processing report document %s: %w", documentID, err)
	}
	rc, err := f.client.OpenDocument(ctx, doc, spapi.DownloadOptions{MaxBytes: feeds.MaxReportBytes, Refresh: get})
	if err != nil {
		return nil, fmt.Errorf("download processing report %s: %w", documentID, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read processing report %s: %w", documentID, err)
	}
	return feeds.ParseReport(data)
}
