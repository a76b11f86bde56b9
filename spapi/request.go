package spapi

import (
	"net/http"
	"net/url"
	"time"
)

// Request is one SP-API call, described by what the operation needs rather
// than by its URL. Typed API packages build it; [Client.Do] sends it.
type Request struct {
	// Operation names the operation as "<api>.<operationId>", for example
	// "orders.getOrders". It selects the rate plan (see [DefaultPlans]). Required.
	Operation string
	// Method is the HTTP method. Required.
	Method string
	// Path is the escaped path below the regional endpoint, starting with "/",
	// with each path parameter escaped by url.PathEscape. Required.
	Path string
	// Query holds the query parameters. The client encodes them with
	// url.Values.Encode, exactly once, so values such as page tokens go in raw. Use [FormatTime]
	// for timestamps.
	Query url.Values
	// Body is JSON-encoded, unless it is a []byte, which is sent as is.
	// nil sends no body.
	Body any
	// ContentType is the body's media type. Default: application/json.
	ContentType string

	// SellerID selects the seller's credential and rate-limit bucket.
	// Required unless Grantless is set.
	SellerID string
	// Region selects the endpoint and credential. When empty it is derived
	// from MarketplaceID. When both are set they must agree.
	Region        Region
	MarketplaceID string

	// Restricted makes the call with a Restricted Data Token for this
	// resource instead of the access token. The client gets and caches the
	// token.
	Restricted *Restricted
	// Grantless makes the call with a client_credentials token for this scope,
	// for example "sellingpartnerapi::notifications", with no seller.
	Grantless string

	// IdempotencyKey is sent as x-amzn-IdempotencyKey and makes the call
	// retryable whatever its method.
	IdempotencyKey string
	// Idempotent marks a call as safe to repeat although its method is POST
	// or PATCH, such as a read-only POST that requests rates.
	Idempotent bool
	// Header holds extra headers, such as x-amzn-shipping-business-id.
	Header http.Header
}

// Restricted is the resource of a Restricted Data Token request. Path is the
// operation's path, either generic with its parameter names in braces
// ("/orders/v0/orders/{orderId}/address"), which Amazon allows for most
// operations and which lets one token serve every order, or specific
// ("/reports/2021-06-30/documents/amzn1.spdoc.1..."), which some operations
// require. DataElements lists the restricted data wanted, such as
// "buyerInfo" or "shippingAddress", for operations that take them.
type Restricted struct {
	Path         string
	DataElements []string
}

// Response is a successful SP-API response.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the raw body, bounded by [Config.MaxResponseBytes].
	Body []byte
	// RequestID is the x-amzn-RequestId header.
	RequestID string
	// RateLimit is the parsed x-amzn-RateLimit-Limit header, or 0 when absent.
	RateLimit float64
	// Attempts is the number of HTTP requests made for the call.
	Attempts int
}

// FormatTime formats t as SP-API expects timestamps: RFC 3339 in UTC with a
// "Z" suffix, such as "2021-04-12T14:58:45Z". Put the result in
// [Request.Query], which encodes it.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
