// Package fbainventory reads FBA inventory summaries for one seller: the
// quantities Amazon holds per SKU in a marketplace.
//
// Page tokens of getInventorySummaries expire 30 seconds after they are
// issued, so [Client.GetInventorySummaries] fetches every page back to
// back before yielding the first. The default plan is 2 requests per
// second with a burst of 2.
package fbainventory
