package spapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// emptyBodies are 2xx bodies that carry no result.
var emptyBodies = []string{"", " \r\n\t", "null", " null\n"}

func TestDoEmptyBodyWithResult(t *testing.T) {
	t.Parallel()
	for _, body := range emptyBodies {
		b := setup(t, spapitest.Options{}, nil)
		b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: http.StatusOK, Body: body, ContentType: "application/json"})

		var out itemResponse
		resp, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("7"), &out)
		if !errors.Is(err, spapi.ErrEmptyResponse) {
			t.Errorf("body %q: err = %v, want ErrEmptyResponse", body, err)
			continue
		}
		if resp == nil || resp.RequestID == "" {
			t.Fatalf("body %q: response = %+v, want the response with its request ID", body, resp)
		}
		if !strings.Contains(err.Error(), opGetItem) || !strings.Contains(err.Error(), resp.RequestID) {
			t.Errorf("body %q: error %q does not name the operation and request ID %s", body, err, resp.RequestID)
		}
	}
}

func TestDoEmptyBodyRawOutput(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: http.StatusOK})
	var raw []byte
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("7"), &raw); !errors.Is(err, spapi.ErrEmptyResponse) {
		t.Errorf("err = %v, want ErrEmptyResponse", err)
	}
}

func TestDoEmptyBodyWithoutResult(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: http.StatusOK})
	if _, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("7"), nil); err != nil {
		t.Errorf("200 with an empty body and nil out: %v", err)
	}
}

func TestDoNoContentWithResult(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	b.srv.InjectFault(spapitest.Fault{Operation: opGetItem, Status: http.StatusNoContent})
	var out itemResponse
	resp, err := b.client.Do(ctxTimeout(t, 10*time.Second), b.getItem("7"), &out)
	if err != nil {
		t.Fatalf("204 No Content: %v", err)
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status = %d, want 204", resp.StatusCode)
	}
	if out.Payload.ID != "" {
		t.Errorf("out = %+v, want it untouched", out)
	}
}

func TestPagesEmptyPage(t *testing.T) {
	t.Parallel()
	for _, body := range emptyBodies {
		for _, p := range []spapi.Pagination{spapi.PaginationReports, spapi.PaginationFBAInventory} {
			b := setup(t, spapitest.Options{}, nil)
			servePages(b, "nextToken")
			// The first page is served; the second comes back empty.
			b.srv.InjectFault(spapitest.Fault{Operation: opPaged, Status: http.StatusOK, Body: `{"items":[0],"nextToken":"t1"}`, ContentType: "application/json"})
			b.srv.InjectFault(spapitest.Fault{Operation: opPaged, Status: http.StatusOK, Body: body, ContentType: "application/json"})

			var errs []error
			pages := 0
			for page, err := range spapi.Pages(ctxTimeout(t, 10*time.Second), b.client, b.listPages(nil), p, nextToken) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if page == nil {
					t.Errorf("body %q, prefetch %v: nil page without error", body, p.Prefetch)
					continue
				}
				pages++
			}
			if len(errs) != 1 || !errors.Is(errs[0], spapi.ErrEmptyResponse) {
				t.Errorf("body %q, prefetch %v: errors = %v, want one ErrEmptyResponse", body, p.Prefetch, errs)
			}
			if !p.Prefetch && pages != 1 {
				t.Errorf("body %q: pages before the error = %d, want 1", body, pages)
			}
		}
	}
}
