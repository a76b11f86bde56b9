// Package orders calls the SP-API Orders API for one seller: the
// 2026-01-01 version (searchOrders, getOrder), which is the primary path,
// and the v0 version (getOrders, getOrder, getOrderItems, getOrderAddress,
// getOrderBuyerInfo, getOrderItemsBuyerInfo, confirmShipment) for
// accounts still on it.
//
// # Buyer data
//
// Buyer names, e-mail addresses, delivery addresses, tax details, gift
// messages and Amazon Custom customisation URLs decode straight into the
// types of package pii, which hold no clear text. Reading them needs a
// pii.Revealer and a declared purpose.
//
// The 2026-01-01 API returns buyer and recipient data when the request
// names them with [IncludeBuyer] and [IncludeRecipient] and the
// application holds the matching roles; no Restricted Data Token is
// involved. The v0 calls need a Restricted Data Token: the client requests
// one for the generic path of the operation, so that one token serves
// every order for its lifetime.
//
// # Deprecation
//
// Amazon has deprecated the v0 calls that return buyer data and announced
// their removal for 2027-03-27. They are marked Deprecated here and kept
// for accounts that have not moved yet; confirmShipment is not deprecated.
//
// # Pagination and rate limits
//
// [Client.SearchOrders] and [Client.GetOrdersV0] return iterators over
// pages. Page tokens are percent-encoded once by the spapi client; later
// pages repeat the filters, as Amazon requires. The default plans are
// slow (searchOrders: one request every three minutes after a burst of
// 20), so iterating a long listing waits for rate-limit tokens; the wait
// ends with the context.
package orders
