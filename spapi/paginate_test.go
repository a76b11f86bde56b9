package spapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// pageTokens are opaque tokens with the characters that need encoding.
var pageTokens = []string{"", "69B7Xsf/hO+aJqJYLDm0ZA==", "a+b/c=d&e f", "ZZZ/+=="}

type page struct {
	Items     []int  `json:"items"`
	NextToken string `json:"nextToken"`
}

// servePages registers opPaged, returning page i for pageTokens[i] in param
// and naming pageTokens[i+1] as the next token.
func servePages(b *bundle, param string) {
	b.srv.Handle(opPaged, http.MethodGet, "/test/v0/pages", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		i := slices.Index(pageTokens, r.URL.Query().Get(param))
		if i < 0 {
			spapitest.WriteError(w, http.StatusBadRequest, "InvalidInput", "We could not decode your "+param, "")
			return
		}
		next := ""
		if i+1 < len(pageTokens) {
			next = pageTokens[i+1]
		}
		spapitest.WriteJSON(w, http.StatusOK, page{Items: []int{i}, NextToken: next})
	})
}

func (b *bundle) listPages(query url.Values) *spapi.Request {
	return &spapi.Request{
		Operation: opPaged, Method: http.MethodGet, Path: "/test/v0/pages", Query: query,
		SellerID: b.seller, Region: spapi.Europe,
	}
}

func collect(t *testing.T, seq func(func(*page, error) bool)) []int {
	t.Helper()
	var items []int
	for p, err := range seq {
		if err != nil {
			t.Fatalf("page error: %v", err)
		}
		items = append(items, p.Items...)
	}
	return items
}

func nextToken(p *page) string { return p.NextToken }

func TestPagesEncodeTokensOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "NextToken")
	ctx := ctxTimeout(t, 10*time.Second)
	first := b.listPages(url.Values{"MarketplaceIds": {"A1PA6795UKMFR9"}})
	items := collect(t, spapi.Pages(ctx, b.client, first, spapi.PaginationOrdersV0, nextToken))
	if !slices.Equal(items, []int{0, 1, 2, 3}) {
		t.Errorf("items = %v, want [0 1 2 3]", items)
	}

	entries := b.srv.RequestsFor(opPaged)
	if len(entries) != 4 {
		t.Fatalf("%d requests, want 4", len(entries))
	}
	raw := entries[1].RawQuery
	for _, want := range []string{"%2F", "%2B", "%3D%3D"} {
		if !strings.Contains(raw, want) {
			t.Errorf("second page query %q lacks %s", raw, want)
		}
	}
	if strings.Contains(raw, "%25") {
		t.Errorf("second page query %q is encoded twice", raw)
	}
	if got := entries[1].Query.Get("NextToken"); got != pageTokens[1] {
		t.Errorf("server decoded NextToken %q, want %q", got, pageTokens[1])
	}
	// Orders v0 repeats the filters on later pages.
	if got := entries[2].Query.Get("MarketplaceIds"); got != "A1PA6795UKMFR9" {
		t.Errorf("third page MarketplaceIds = %q, want the filter repeated", got)
	}
	if first.Query.Get("NextToken") != "" {
		t.Error("Pages changed the first request's query")
	}
}

func TestDoubleEncodedTokenRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "NextToken")
	req := b.listPages(url.Values{"NextToken": {url.QueryEscape(pageTokens[1])}})
	_, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, nil)
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || !errors.Is(err, spapi.ErrInvalidInput) {
		t.Fatalf("error = %v, want InvalidInput", err)
	}
	if len(apiErr.Errors) != 1 || !strings.Contains(apiErr.Errors[0].Message, "could not decode your NextToken") {
		t.Errorf("Errors = %+v, want the NextToken message", apiErr.Errors)
	}
}

func TestPagesTokenOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "nextToken")
	first := b.listPages(url.Values{"reportTypes": {"GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"}, "pageSize": {"100"}})
	items := collect(t, spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, first, spapi.PaginationReports, nextToken))
	if len(items) != 4 {
		t.Fatalf("items = %v, want 4 pages", items)
	}
	entries := b.srv.RequestsFor(opPaged)
	if got := entries[0].Query.Get("reportTypes"); got == "" {
		t.Error("first page lacks its filters")
	}
	for _, e := range entries[1:] {
		if len(e.Query) != 1 || e.Query.Get("nextToken") == "" {
			t.Errorf("later page query = %v, want nextToken alone", e.Query)
		}
	}
}

func TestPagesTokenWithSameArguments(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		p    spapi.Pagination
	}{
		{"listTransactions", spapi.PaginationTransactions},
		{"searchOrders", spapi.PaginationOrders},
		{"listings", spapi.PaginationListings},
		{"finances v0", spapi.PaginationFinancesV0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, spapitest.Options{}, nil)
			servePages(b, tt.p.Param)
			posted := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
			first := b.listPages(url.Values{
				"postedAfter":    {spapi.FormatTime(posted)},
				"marketplaceIds": {"A1PA6795UKMFR9", "A1RKKUPIHCS9HS"},
			})
			items := collect(t, spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, first, tt.p, nextToken))
			if len(items) != 4 {
				t.Fatalf("items = %v, want 4 pages", items)
			}
			for i, e := range b.srv.RequestsFor(opPaged) {
				if got := e.Query.Get("postedAfter"); got != "2026-03-01T09:00:00Z" {
					t.Errorf("page %d postedAfter = %q, want 2026-03-01T09:00:00Z", i, got)
				}
				if got := e.Query["marketplaceIds"]; len(got) != 2 {
					t.Errorf("page %d marketplaceIds = %v, want both", i, got)
				}
				if got := e.Query.Get(tt.p.Param); got != pageTokens[i] {
					t.Errorf("page %d %s = %q, want %q", i, tt.p.Param, got, pageTokens[i])
				}
			}
		})
	}
}

func TestPagesPrefetchBackToBack(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "nextToken")
	start := time.Now()
	var consumed []time.Time
	for p, err := range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), spapi.PaginationFBAInventory, nextToken) {
		if err != nil {
			t.Fatal(err)
		}
		_ = p
		consumed = append(consumed, time.Now())
		time.Sleep(50 * time.Millisecond) // a slow consumer
	}
	if len(consumed) != 4 {
		t.Fatalf("consumed %d pages, want 4", len(consumed))
	}
	for _, e := range b.srv.RequestsFor(opPaged) {
		if e.Time.After(consumed[0]) {
			t.Errorf("page request at +%v came after the consumer got the first page at +%v", e.Time.Sub(start), consumed[0].Sub(start))
		}
	}
}

func TestPagesStopsWhenConsumerBreaks(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "NextToken")
	for range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), spapi.PaginationOrdersV0, nextToken) {
		break
	}
	if n := b.srv.Count(opPaged, 0); n != 1 {
		t.Errorf("%d requests after breaking on the first page, want 1", n)
	}
}

func TestPagesRepeatedTokenStops(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.Handle(opPaged, http.MethodGet, "/test/v0/pages", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, http.StatusOK, page{Items: []int{1}, NextToken: "same"})
	})
	var gotErr error
	pages := 0
	for _, err := range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), spapi.PaginationOrdersV0, nextToken) {
		if err != nil {
			gotErr = err
			break
		}
		pages++
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "repeated") {
		t.Errorf("error = %v, want a repeated-token error", gotErr)
	}
	if pages != 2 {
		t.Errorf("pages = %d, want 2 before the loop is detected", pages)
	}
}

func TestPagesMaxPages(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	n := 0
	b.srv.Handle(opPaged, http.MethodGet, "/test/v0/pages", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		n++
		spapitest.WriteJSON(w, http.StatusOK, page{Items: []int{n}, NextToken: "t" + strconv.Itoa(n)})
	})
	p := spapi.PaginationOrdersV0
	p.MaxPages = 3
	var errs []error
	for _, err := range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), p, nextToken) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "MaxPages") {
		t.Errorf("errors = %v, want one MaxPages error", errs)
	}
	if c := b.srv.Count(opPaged, 0); c != 3 {
		t.Errorf("%d requests, want 3", c)
	}
}

func TestPagesErrorEndsIteration(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "nextToken")
	for _, p := range []spapi.Pagination{spapi.PaginationReports, spapi.PaginationFBAInventory} {
		b.srv.InjectFault(spapitest.Fault{Operation: opPaged, Status: 400, Body: `{"errors":[{"code":"InvalidInput","message":null}]}`})
		var got []error
		for page, err := range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), p, nextToken) {
			if page == nil && err == nil {
				t.Error("nil page without error")
			}
			if err != nil {
				got = append(got, err)
			}
		}
		if len(got) != 1 || !errors.Is(got[0], spapi.ErrInvalidInput) {
			t.Errorf("prefetch %v: errors = %v, want one InvalidInput", p.Prefetch, got)
		}
	}
}

func TestFormatTimeUTC(t *testing.T) {
	t.Parallel()
	in := time.Date(2021, 4, 12, 16, 58, 45, 123, time.FixedZone("CEST", 2*3600))
	if got := spapi.FormatTime(in); got != "2021-04-12T14:58:45Z" {
		t.Errorf("FormatTime = %q, want 2021-04-12T14:58:45Z", got)
	}
}

func TestTimestampWithPlusEncoded(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	servePages(b, "NextToken")
	// Even an offset with "+" arrives intact, because Query is encoded.
	req := b.listPages(url.Values{"CreatedAfter": {"2021-04-12T14:58:45+00:00"}})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), req, nil); err != nil {
		t.Errorf("encoded +00:00 timestamp: %v", err)
	}

	// An unencoded "+" arrives as a space, which the server rejects as Amazon does.
	cfg := b.srv.ClientConfig()
	token := lwaToken(t, b, spapi.Europe)
	hreq, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		cfg.Endpoints[spapi.Europe]+"/test/v0/pages?CreatedAfter=2021-04-12T14:58:45+00:00", nil)
	hreq.Header.Set("x-amz-access-token", token)
	resp, err := cfg.HTTPClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "ISO8601") {
		t.Errorf("unencoded +: status %d body %s, want 400 naming ISO8601", resp.StatusCode, body)
	}
}

// lwaToken gets an access token for the bundle's seller in a region straight
// from the server's token endpoint.
func lwaToken(t testing.TB, b *bundle, region spapi.Region) string {
	t.Helper()
	cfg := b.srv.ClientConfig()
	cred := cfg.Credentials.(spapi.Credentials)[spapi.CredentialKey{SellerID: b.seller, Region: region}]
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cred.RefreshToken},
		"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}}
	resp, err := cfg.HTTPClient.PostForm(cfg.LWAEndpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	const key = `"access_token":"`
	i := strings.Index(string(body), key)
	if i < 0 {
		t.Fatalf("token response %s", body)
	}
	rest := string(body)[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}
