// Package spapitest is a fake Selling Partner API for tests: an
// httptest server on 127.0.0.1 with the LWA token endpoint, the Restricted
// Data Token operation, document storage, Amazon's per-seller token-bucket
// throttling, fault injection and a request log.
//
// # Setting up
//
// [NewServer] starts a server for a test; [Server.AddSeller] registers
// sellers, each with a refresh token per authorised region.
// [Server.ClientConfig] returns a spapi.Config pointing at the server, with
// the server's credentials and plans, and [Server.NewClient] builds the
// client:
//
//	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 100})
//	srv.AddSeller(spapitest.Seller{ID: "A1SELLER"})
//	client := srv.NewClient(t)
//
// Regional endpoints are [Server.URL] + "/na", "/eu" and "/fe"; a token
// issued for one region is refused in another.
//
// # Operations
//
// Operations are registered with [Server.Handle], [Server.HandleRestricted]
// (operations that return restricted data and accept RDTs) and
// [Server.HandleGrantless], with patterns in http.ServeMux syntax below the
// regional prefix. Around every handler the server:
//
//   - checks x-amz-access-token. It accepts a token from its LWA endpoint
//     for the seller and region, a grantless token of the route's scope, or
//     an RDT that covers the request's method and path. Otherwise it responds
//     403 Unauthorized, with details when the token has expired;
//   - applies the first matching [Fault];
//   - throttles with a token bucket per seller, region and operation from the
//     operation's plan times [Options.TimeScale], answering 429 QuotaExceeded
//     (with no x-amzn-RateLimit-Limit header unless
//     [Options.RateHeaderOn429]);
//   - rejects page tokens that still hold percent escapes after one decoding
//     ("We could not decode your NextToken") and timestamps that are not
//     RFC 3339;
//   - sets x-amzn-RequestId and x-amzn-RateLimit-Limit, and logs the request
//     ([Server.Requests]).
//
// Handlers get a [Call] naming the seller and region; [Call.Restricted]
// tells whether restricted data may be returned.
//
// # Documents
//
// [Server.AddDocument] stores a report document (optionally gzipped, and
// optionally sent with Content-Encoding: gzip) and [Server.DocumentURL]
// issues presigned URLs that expire; [Server.NewUploadDocument] creates a
// feed document whose upload must carry exactly its content type and no
// other signed headers, or storage answers 403 SignatureDoesNotMatch.
package spapitest
