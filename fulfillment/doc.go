// Package fulfillment runs the daily SP-API work of an ERP that sells on
// Amazon: order sync, personalisation linking, label purchase, shipment
// confirmation, inventory and price updates and settlement ingestion, under a
// data policy that keeps buyer data sealed, purpose-bound and short-lived.
//
// # Orders and buyer data
//
// An [Order] holds Amazon's non-personal order facts in clear and its buyer
// data sealed ([SealedBuyer], each part a pii.Envelope) under the data key of
// its retention bucket. Blind indexes ([BlindIndexes]) find an order by the
// buyer's phone, e-mail or name without storing them. A [BuyerDataStatus]
// records whether buyer data is present and, if not, why: Amazon shares
// none for the order, the application lacks the role for it, or it was
// purged.
//
// # Personalisation
//
// Amazon Custom text is linked to the unit it belongs to by
// [LinkPersonalizations]: each [Personalization] names its order, order
// item, SKU, ASIN and unit, and its ciphertext is bound to them, so text
// moved to another unit fails to open. An item of quantity three needs three
// units of personalisation; any mismatch is a [*LinkError] and the order is
// left as it was. An item without customization is [CustomizationNone],
// stated rather than implied.
//
// # Labels and shipments
//
// [LabelKey] derives a label purchase's idempotency key from seller, order
// and package, so a process that crashed after Amazon sold a label gets the
// same label back on retry rather than a second one. Stores keep a label's
// metadata, never its document, which shows the recipient's address.
// [Confirmation.Validate] checks a shipment confirmation before it is sent.
//
// # Workflows
//
// Each workflow is a type built once from its Config and called by the ERP;
// every call takes a context, and none leaves goroutines running:
//
//   - [OrderSync] copies new and changed orders, by a persisted cursor with
//     an overlap, from the 2026-01-01 Orders API or v0, seals buyer data,
//     links personalisation ([CustomFetcher]) and registers each order with
//     the retention store. Orders without buyer data because Amazon
//     withheld it come with a [*BuyerDataError].
//   - [Labels] buys labels through Shipping API v2 or Merchant Fulfillment,
//     safely retried after a crash.
//   - [Tracking] confirms shipments one by one or in a feed, then calls
//     [MarkShipped] to re-seal a shipped order under the shipment day's
//     bucket and anchor its retention at the shipment.
//   - [InventorySync] and [PriceUpdates] push only the stock levels and
//     prices that differ, and report each SKU's outcome ([SKUOutcome]).
//   - [Settlements] ingests each settlement report once.
//
// [RetentionPurger] lets the retention runner clear or delete the orders it
// purges. [RevealShippingAddress], [RevealPersonalization] and
// [RevealGiftMessage] open stored buyer data for a declared purpose through
// a pii.Revealer, which audits every reveal.
//
// # Stores
//
// [Store] is what the workflows persist. [NewMemoryStore] keeps it in memory;
// package pgstore keeps it in PostgreSQL. Writes of orders are optimistic:
// each [Order] carries a Revision, and a write based on an old revision fails
// with a [*ConflictError] instead of overwriting a newer change. Package
// fulfillmenttest checks any implementation.
package fulfillment
