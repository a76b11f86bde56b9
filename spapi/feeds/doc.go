// Package feeds calls the Feeds API for one seller and builds the feeds
// spkit sends: JSON_LISTINGS_FEED for quantities and prices, and
// POST_ORDER_FULFILLMENT_DATA for shipment confirmations.
//
// # Submitting and waiting
//
// [Client.Submit] creates a feed document, uploads the content with
// exactly the content type given to createFeedDocument (the upload URL's
// signature covers it), and creates the feed. [Client.Wait] polls until
// the feed is DONE, FATAL or CANCELLED and parses its processing report.
// A DONE feed can still have failed messages: [Report.Failed] lists them
// with their message IDs, SKUs or order IDs. FATAL and CANCELLED feeds
// return a [*FeedError].
//
// # Builders
//
// [ListingsFeed] numbers its messages and encodes the version 2.0 JSON
// listings feed with patches from package listings. [FulfillmentFeed]
// encodes the XML envelope Amazon requires: a header with the merchant
// identifier, the message type OrderFulfillment, unique message IDs and
// UTC ISO 8601 dates. Send it with [TypeOrderFulfillment]: under another
// feed type, such as POST_ORDER_ACKNOWLEDGEMENT_DATA, Amazon rejects its
// messages.
//
// # Processing reports
//
// [ParseReport] reads both the JSON report of JSON feeds and the XML
// ProcessingReport of XML feeds into one [Report].
package feeds
