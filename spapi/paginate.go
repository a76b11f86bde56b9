package spapi

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/url"
)

// Pagination describes how an operation requests its later pages.
type Pagination struct {
	// Param is the query parameter that carries the page token.
	Param string
	// TokenOnly sends the token as the only query parameter of later pages,
	// as getReports and getFeeds require. Otherwise later pages repeat the
	// first page's parameters and add the token.
	TokenOnly bool
	// Prefetch fetches every page back to back before yielding the first,
	// for tokens that expire soon after they are issued (FBA inventory's
	// nextToken lasts 30 seconds), so that a slow consumer cannot let them
	// expire. Pages are then held in memory.
	Prefetch bool
	// MaxPages bounds the pages fetched. Default: 10000.
	MaxPages int
}

// The pagination of the APIs spkit calls.
var (
	// PaginationOrdersV0: Orders v0 getOrders and getOrderItems; later pages
	// repeat the filters and add NextToken.
	PaginationOrdersV0 = Pagination{Param: "NextToken"}
	// PaginationOrders: Orders 2026-01-01 searchOrders.
	PaginationOrders = Pagination{Param: "paginationToken"}
	// PaginationReports: Reports getReports and Feeds getFeeds; later pages
	// send nextToken alone.
	PaginationReports = Pagination{Param: "nextToken", TokenOnly: true}
	// PaginationListings: Listings Items searchListingsItems.
	PaginationListings = Pagination{Param: "pageToken"}
	// PaginationFBAInventory: FBA Inventory getInventorySummaries, fetched
	// back to back because its tokens expire after 30 seconds.
	PaginationFBAInventory = Pagination{Param: "nextToken", Prefetch: true, MaxPages: 1000}
	// PaginationFinancesV0: the Finances v0 event and event group lists.
	PaginationFinancesV0 = Pagination{Param: "NextToken"}
	// PaginationTransactions: Finances 2024-06-19 listTransactions; later
	// pages repeat the arguments and add nextToken.
	PaginationTransactions = Pagination{Param: "nextToken"}
)

const defaultMaxPages = 10000

// Pages returns an iterator over the pages of a paged operation. It sends
// first, decodes each page into a new T, and calls next for the token of the
// following page ("" on the last page). Tokens go into the query raw and are
// percent-encoded once. The iteration ends after the first error, which it
// yields with a nil page. A token equal to the previous one ends the
// iteration with an error, so a looping server cannot make it run forever.
func Pages[T any](ctx context.Context, c *Client, first *Request, p Pagination, next func(*T) string) iter.Seq2[*T, error] {
	if p.Prefetch {
		return prefetchPages(ctx, c, first, p, next)
	}
	return func(yield func(*T, error) bool) {
		for page, err := range fetchPages(ctx, c, first, p, next) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

func fetchPages[T any](ctx context.Context, c *Client, first *Request, p Pagination, next func(*T) string) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if p.Param == "" {
			yield(nil, fmt.Errorf("spapi: %s: Pagination.Param is empty: %w", first.Operation, ErrInvalidRequest))
			return
		}
		maxPages := p.MaxPages
		if maxPages <= 0 {
			maxPages = defaultMaxPages
		}
		req := first
		prev := ""
		for n := 1; ; n++ {
			page := new(T)
			if _, err := c.Do(ctx, req, page); err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) {
				return
			}
			token := next(page)
			switch {
			case token == "":
				return
			case token == prev:
				yield(nil, fmt.Errorf("spapi: %s: page %d repeated the previous page token; stopping", first.Operation, n))
				return
			case n >= maxPages:
				yield(nil, fmt.Errorf("spapi: %s: more than %d pages (Pagination.MaxPages)", first.Operation, maxPages))
				return
			}
			prev = token
			req = nextPageRequest(first, p, token)
		}
	}
}

func prefetchPages[T any](ctx context.Context, c *Client, first *Request, p Pagination, next func(*T) string) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var pages []*T
		var failure error
		for page, err := range fetchPages(ctx, c, first, p, next) {
			if err != nil {
				failure = err
				break
			}
			pages = append(pages, page)
		}
		for _, page := range pages {
			if !yield(page, nil) {
				return
			}
		}
		if failure != nil {
			yield(nil, failure)
		}
	}
}

// nextPageRequest returns a copy of first that requests the page of token.
func nextPageRequest(first *Request, p Pagination, token string) *Request {
	req := *first
	if p.TokenOnly {
		req.Query = url.Values{p.Param: {token}}
	} else {
		req.Query = maps.Clone(first.Query)
		if req.Query == nil {
			req.Query = url.Values{}
		}
		req.Query.Set(p.Param, token)
	}
	return &req
}
