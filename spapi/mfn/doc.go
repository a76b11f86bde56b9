// Package mfn calls the Merchant Fulfillment API for one seller: eligible
// shipping services, additional seller inputs, and creating, getting and
// cancelling shipments with their labels.
//
// # Validation
//
// Merchant Fulfillment rejects many input mistakes with a bare
// InvalidInput. [ShipmentRequestDetails.Validate] runs before every call
// that takes shipment details and returns a [*ValidationError] naming the
// field: ISO 3166-1 alpha-2 country codes (GB, not UK or GBR), the unit
// enums (inches or centimeters, oz or g), positive quantities, weights and
// dimensions, and the required ship-from fields.
//
// # Labels
//
// Label contents are base64 of a gzip stream with a base64 MD5 checksum.
// [DecodeLabel] decodes and checks them, bounds the decompressed size, and
// returns a [*LabelError] for truncated or corrupt contents, such as the
// truncated label of Amazon's sandbox.
//
// # Restricted data
//
// Shipments carry the buyer's address (as pii.Address), so createShipment,
// getShipment and cancelShipment are called with a Restricted Data Token
// for their generic paths.
package mfn
