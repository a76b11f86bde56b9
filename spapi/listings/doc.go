// Package listings calls the Listings Items API for one seller (get and
// patch) and builds the patches spkit sends: quantity through
// fulfillment_availability and price through purchasable_offer.
//
// Every listing attribute is an array, so the builders produce
// fulfillment_availability: [{fulfillment_channel_code, quantity}] and
// purchasable_offer: [{marketplace_id, currency, our_price: [{schedule:
// [{value_with_tax}]}]}]. The same patches go into JSON listings feeds
// (package feeds).
//
// # Failures inside 200 responses
//
// patchListingsItem returns 200 even when it rejects a submission.
// [Client.PatchListingsItem] turns a status other than ACCEPTED (VALID in
// a validation preview) and any issue of severity ERROR into a
// [*SubmissionError]. ACCEPTED only means queued: Amazon applies the
// change asynchronously.
//
// SKUs may contain spaces, slashes, plus signs and commas; they are
// escaped as one path segment.
package listings
