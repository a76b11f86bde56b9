package spapitest

import (
	"net/http"
	"net/url"
	"testing"
)

func FuzzCheckEncoding(f *testing.F) {
	for _, q := range []string{
		"NextToken=69B7Xsf%2FhO%2BaJqJYLDm0ZA%3D%3D",
		"NextToken=69B7Xsf%252FhO",
		"CreatedAfter=2021-04-12T14:58:45+00:00",
		"CreatedAfter=2021-04-12T14%3A58%3A45Z&MarketplaceIds=A1PA6795UKMFR9",
		"%zz=%",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := &http.Request{URL: &url.URL{Path: "/x", RawQuery: rawQuery}}
		msg := checkEncoding(r)
		if len(msg) > 200 {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}

func FuzzPathMatches(f *testing.F) {
	f.Add("/orders/v0/orders/{orderId}/address", "/orders/v0/orders/123-1234567-1234567/address")
	f.Add("/a/{b}", "/a/{c}")
	f.Add("", "/")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		if pathMatches(pattern, path) != pathMatches(path, pattern) {
			t.Fatalf("pathMatches is not symmetric for %q and %q", pattern, path)
		}
		if !pathMatches(path, path) {
			t.Fatalf("path %q does not match itself", path)
		}
	})
}
