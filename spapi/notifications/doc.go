// Package notifications manages SP-API notification destinations and
// subscriptions, such as ORDER_CHANGE and FEED_PROCESSING_FINISHED.
//
// Amazon requires grantless calls, made with an application token of
// scope sellingpartnerapi::notifications and no seller, for destinations
// and for getting or deleting a subscription by ID. Getting and creating a
// seller's subscription need the seller's authorisation. The client picks
// the right token for each operation.
package notifications
