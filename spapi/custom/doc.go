// Package custom downloads and parses Amazon Custom customisation data: the
// zip behind an order item's customised URL. The zip holds a JSON document
// with the buyer's choices and SVG or image parts. The choices are text
// per surface and area with its font, colour and position, and options
// such as a thread colour or an emboss or deboss position.
//
// The buyer's text decodes into pii.Personalization, so it is sealed in
// memory like the other buyer data; the other choices are plain strings.
// [Document.OrderItemID] links the personalisation to the exact order item
// it belongs to. Parts (SVG renderings, uploaded images) are kept as bytes
// with their content type.
//
// # Absent data
//
// An order item's customisation URL may be a URL, an empty string, or
// missing. Only a URL is downloaded; the other two give
// [ErrNoCustomization].
//
// # Limits
//
// A zip comes from the network and is parsed in memory, so [Limits] bound
// its compressed size, its number of files, each file's and the total
// uncompressed size, and the JSON size. A corrupt or truncated zip returns
// an error wrapping [ErrInvalidZip], never a panic.
package custom
