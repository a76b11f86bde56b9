// Package finances calls the Finances API for one seller: the v0 financial
// events and event groups, and the 2024-06-19 transactions.
//
// # Date ranges
//
// Amazon returns no events for a range longer than 180 days, rather than
// an error, so the client splits long ranges into consecutive windows of
// at most [MaxWindow]. A range that starts before Amazon's retention
// period returns a [*RetentionError] carrying the period in days.
//
// # Unposted events
//
// Some events have no PostedDate yet; [ShipmentEvent.PostedDate] is then
// nil.
//
// Amounts are Amazon's decimals as json.Number, so no precision is lost.
package finances
