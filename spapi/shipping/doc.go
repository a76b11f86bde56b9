// Package shipping calls Amazon Shipping API v2 for one seller and
// marketplace: rates, purchase, documents, tracking and cancellation.
//
// # Business ID
//
// Each call carries the x-amzn-shipping-business-id header of the
// marketplace's Amazon Shipping business (see [BusinessID]), such as
// AmazonShipping_UK for amazon.co.uk. Marketplaces without one send no
// header, and Amazon applies its default.
//
// # Idempotent purchases
//
// [Client.PurchaseShipment] requires an idempotency key, sent as
// x-amzn-IdempotencyKey. The spapi client retries a purchase that carries
// a key after 5xx, 429 and network errors, and Amazon returns the shipment
// of the first purchase for a repeated key, so a retry never buys a second
// label. Reuse the key when retrying after a crash.
//
// # Labels
//
// Document contents are plain base64; [DecodeLabel] decodes them.
// Requests that carry a ship-to address hold personal data in clear:
// build them from a reveal just before the call and drop them after.
package shipping
