// Package spapi is the client core for Amazon's Selling Partner API
// (SP-API): Login with Amazon (LWA) tokens, Restricted Data Tokens (RDT),
// per-operation rate limiting shared across processes, retries, typed
// errors, regions, pagination and document transfer. The typed APIs live in
// subpackages (spapi/orders, spapi/feeds, ...) and send every call through
// [Client.Do]; spapi/spapitest is a fake SP-API to test against.
//
// # Clients and requests
//
// One [Client] serves an application and all its sellers; it is safe for
// concurrent use. [New] validates a [Config] and fills in defaults:
//
//	c, err := spapi.New(spapi.Config{
//		AppName:       "acme-erp",
//		AppVersion:    "3.1",
//		ApplicationID: "amzn1.sp.solution.…",
//		ClientID:      clientID,
//		ClientSecret:  clientSecret,
//		Credentials:   spapi.Credentials{{SellerID: "A1…", Region: spapi.Europe}: {RefreshToken: rt}},
//	})
//
// A [Request] names the operation ("<api>.<operationId>", the key of its
// rate plan), the method, the escaped path, the query, a body and the seller
// and region (or marketplace). Do resolves the seller's credential for the
// region before any network call (a missing one fails with
// [ErrNoCredential]), waits for the rate limiter, adds the access token (or an
// RDT when [Request.Restricted] is set, or a grantless token when
// [Request.Grantless] is set), sends the call, retries what is safe, and
// decodes the JSON response into out.
//
//	var out struct{ Payload json.RawMessage }
//	resp, err := c.Do(ctx, &spapi.Request{
//		Operation:     "orders.getOrder",
//		Method:        http.MethodGet,
//		Path:          "/orders/v0/orders/" + url.PathEscape(orderID),
//		SellerID:      sellerID,
//		MarketplaceID: "A1PA6795UKMFR9",
//	}, &out)
//
// # Tokens
//
// LWA access tokens are cached per client ID and refresh token (or grantless
// scope), so two sellers never share one. Concurrent callers of one key wait
// for a single refresh, and a token is replaced [Config.TokenRefreshBefore]
// ahead of its expiry (or at half its life when that is shorter). LWA
// failures are [*TokenError] values: invalid_grant matches
// [ErrCredentialRevoked], an expired client secret [ErrClientSecretExpired],
// other invalid_client errors [ErrInvalidClient]; only server_error,
// temporarily_unavailable, 5xx and network failures are retried.
//
// When a call gets 403 with details saying the access token (or RDT) is
// expired or revoked, the client drops the cached token, gets a new one and
// repeats the call once; a second such response fails with
// [ErrAccessTokenExpired]. A 403 with empty details is not retried.
//
// # Restricted Data Tokens
//
// A request with [Request.Restricted] is sent with an RDT instead of the
// access token. The client requests it from createRestrictedDataToken for the
// request's method, the restricted path and data elements, and caches it per
// seller, region, method, path and data elements until shortly before it
// expires. With a generic path such as "/orders/v0/orders/{orderId}/address"
// one token serves every order; operations for which Amazon requires a
// specific path (getReportDocument) pass the specific path.
// [Client.PrefetchRestrictedDataTokens] asks for up to
// [MaxRestrictedResources] resources per request. A refusal for a missing
// role or data element matches [ErrMissingRole].
//
// # Rate limits
//
// Every call waits on the [Limiter] for its bucket, keyed by [LimitKey]
// (seller, application, region, operation). Plans come from [DefaultPlans],
// overridden by [Config.Plans] and per seller by [Config.SellerPlans]. The
// x-amzn-RateLimit-Limit header, when present and valid, replaces the rate
// for later calls of the same bucket ([ParseRateLimit]); without it the plan
// stays. The client keeps a few tokens of each burst above one unused
// ([Config.Headroom]), so that delays between the limiter and Amazon do not
// turn into 429s.
//
// [LocalLimiter] paces the calls of one process with golang.org/x/time/rate.
// [RedisLimiter] shares buckets between processes with a GCRA in Redis
// (github.com/go-redis/redis_rate/v10); when Redis cannot be reached it falls
// back to a local bucket with [RedisLimiterOptions.FallbackShare] of the plan.
// Waiting honours the context and never fails because others wait.
//
// # Retries
//
// Calls are retried with exponential backoff and jitter
// (github.com/cenkalti/backoff/v5). A 429 is retried for every call, because
// Amazon rejects a throttled request before acting on it. 500, 502, 503, 504
// and network errors are retried only when the call is idempotent (GET, HEAD,
// PUT, DELETE), marked [Request.Idempotent], or carries an
// [Request.IdempotencyKey], since the first attempt may have taken effect.
// Attempts and elapsed time are bounded by [Config.Retry]. Other 4xx
// responses are final.
//
// # Errors
//
// A non-2xx response is an [*Error] with the status, Amazon's errors array,
// the request ID and the rate header; errors.Is matches the sentinel of its
// class: [ErrThrottled], [ErrUnauthorized], [ErrForbidden], [ErrNotFound],
// [ErrInvalidInput], [ErrServerUnavailable], [ErrAccessTokenExpired],
// [ErrClientSecretExpired], [ErrMissingRole]. Empty, HTML and other non-JSON
// bodies and "message": null decode without error ([DecodeErrorBody]).
// A 2xx response other than 204 No Content whose body is empty, white space
// or a JSON null, to a call that expects a result (out not nil), returns an
// error wrapping [ErrEmptyResponse] that names the operation and request ID,
// so a result is never taken from zero values; [Pages] ends with that error
// on such a page. Context errors are returned unchanged.
//
// # Regions
//
// [Marketplaces] maps marketplace IDs to [Region] values: US, CA, MX and BR
// are served by [NorthAmerica]; UK, DE, FR, IT, ES, NL, SE, PL, BE, IE, TR,
// AE, SA, EG, IN and ZA by [Europe]; JP, AU and SG by [FarEast].
//
// # Pagination
//
// [Pages] returns an iter.Seq2 over the pages of a paged operation with one of
// the strategies: [PaginationReports] (token only, for getReports and
// getFeeds), [PaginationTransactions] (token and the same arguments),
// [PaginationOrders], [PaginationOrdersV0], [PaginationListings],
// [PaginationFinancesV0] and [PaginationFBAInventory] (pages fetched back to
// back before the first is yielded). Tokens are percent-encoded exactly once.
// Timestamps go into queries through [FormatTime] (UTC, RFC 3339, "Z").
//
// # Documents
//
// [Client.UploadDocument] sends a feed document with exactly the content type
// given to createFeedDocument and no other signed headers.
// [Client.OpenDocument] streams a report or feed result document: gunzipped
// when its bytes start with the gzip magic number (so a body the transport
// already decompressed is not gunzipped twice), bounded in size, decoded
// from its declared charset (windows-1252 among others), with one refetch of
// an expired URL.
//
// # Logging
//
// The client logs retries, refreshes and throttling at debug level to
// [Config.Logger], which discards everything by default. Records never
// contain tokens, secrets or bodies.
package spapi
