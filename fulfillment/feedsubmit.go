package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/feeds"
)

// Defaults of feed processing.
const (
	DefaultFeedPollInterval = 30 * time.Second
	DefaultFeedTimeout      = 2 * time.Hour
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

// feedRunner submits a feed with package feeds, waits for it and reads its
// processing report.
type feedRunner struct {
	client       *spapi.Client
	pollInterval time.Duration
	timeout      time.Duration
}

// run submits content as a feed of feedType and returns its ID and
// processing report. A feed that ends FATAL or CANCELLED, or outlasts the
// timeout, returns a *FeedError (with the feed ID, so it can be looked up).
func (f *feedRunner) run(ctx context.Context, sellerID, marketplaceID, feedType, contentType string, content []byte) (string, *feeds.Report, error) {
	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return "", nil, fmt.Errorf("submit %s feed: %w", feedType, err)
	}
	fc := feeds.New(f.client, sellerID, region)
	feedID, err := fc.Submit(ctx, feedType, []string{marketplaceID}, contentType, content)
	if err != nil {
		return "", nil, fmt.Errorf("submit %s feed: %w", feedType, err)
	}
	report, err := f.wait(ctx, fc, feedID, feedType)
	return feedID, report, err
}

// wait polls the feed until it finishes or the timeout passes. A timeout
// returns a *FeedError without a status, and the end of ctx returns ctx's
// error.
func (f *feedRunner) wait(ctx context.Context, fc *feeds.Client, feedID, feedType string) (*feeds.Report, error) {
	waitCtx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	feed, report, err := fc.Wait(waitCtx, feedID, f.pollInterval)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && waitCtx.Err() != nil {
		return nil, &FeedError{FeedID: feedID, FeedType: feedType}
	}
	var fe *feeds.FeedError
	if errors.As(err, &fe) {
		return report, &FeedError{FeedID: feedID, FeedType: feedType, Status: fe.Status, Report: report}
	}
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", feedID, err)
	}
	if report == nil {
		return nil, fmt.Errorf("feed %s is %s without a processing report", feedID, feed.ProcessingStatus)
	}
	return report, nil
}
