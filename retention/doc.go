// Package retention purges data on time: buyer PII and personalisation
// within 30 days of shipment, non-PII within 18 months, deletion notices
// within their deadline, while audit logs and tax archives are kept for their
// minimum time.
//
// # Model
//
// A [Record] is the data of one [Class] for one order of one seller. It
// carries an anchor time (the shipment, or for an order that never ships its
// cancellation or order time) and the retention bucket whose data key seals
// it. A [Policy] gives each class a maximum age and a safety margin. A record
// is due at anchor + MaxAge - SafetyMargin, so purges land before the limit.
// [Policy.Validate] rejects a policy looser than the data policy.
//
// Fulfillment registers each order with [RegisterOrder] when it stores the
// order, then calls [MarkShipped] (or [MarkCancelled]) to re-anchor it; after
// shipping, the order's data is sealed under [ShipmentBucket] of the shipment
// day.
//
// # Runs
//
// Purges are driven by state, not timers. [Runner.RunOnce] asks the [Store]
// what is due now, purges it in batches, carries out open deletion notices,
// shreds the data keys of emptied buckets (see below), and delivers audit
// evidence. After downtime the next run finds more work; a second run
// finds none; several processes can run at once because stores hand each
// record to one purge only. [Runner.Run] repeats runs on an interval until
// its context ends. All times are UTC; [Config.Now] is the clock.
//
// # Where the data is cleared
//
// A purge removes the record from the store, so a record registered again
// after its purge (because its data was stored again) is purged again. The
// data itself is cleared by the [Purger] given in [Config], which the owner
// of the data implements, or by the store: retention/pgstore can clear
// configured columns of tables in the same transaction, set-based. The
// runner calls [Shredder] (vaultkms.Keyring) to destroy a bucket's data key,
// so copies of its ciphertext in backups can no longer be opened, once no
// unpurged record is in the bucket and either
//
//   - at least one record was purged in it, or
//   - every record that was ever in it is due: stores keep, per bucket and
//     class, the latest anchor of any record registered into the bucket or
//     re-anchored while in it or into it, and the runner compares it with
//     the policy's cutoff for the class.
//
// The second case covers an open bucket whose orders all shipped: shipping
// moves them to the shipment bucket without a purge, but backups taken
// before shipment still hold their data under the open bucket's key. That
// key is shredded by the first run at or after the latest due time of the
// orders placed that day (order time + MaxAge - SafetyMargin). Unless a
// record was purged in the bucket (by a deletion notice, say), it is never
// shredded earlier, so an order of that day that arrives late can still be
// registered into the bucket until then. Registering into a shredded bucket
// fails with a [*BucketShreddedError]. Records of classes that are not
// sealed under a bucket key (non-PII) carry no bucket, so that data kept for
// 18 months does not keep a shipment day's key alive.
//
// # Audit evidence
//
// Stores write the evidence of every purge, shred, hold and notice in the
// same transaction as the change, and the runner delivers it to the
// [audit.Recorder]. If the recorder fails, purging goes on (the policy's
// deadlines still apply), the evidence stays in the store, the run returns an
// [*EvidenceError], and the next run delivers it. Delivery is at least once.
// Evidence holds seller, order and bucket IDs, classes and counts, never PII.
//
// # Legal holds and deletion notices
//
// A [Hold] keeps records of a seller (optionally some orders or classes) from
// being purged until it is released or expires. A [Notice] asks for the
// deletion of some orders, a whole seller, or one buyer found by blind index,
// by a deadline of at most 30 days; the next run carries it out, and a
// [Notifier] hears of notices still open near their deadline.
//
// # Stores
//
// [MemoryStore] is for tests and one process. retention/pgstore keeps
// records in PostgreSQL and uses FOR UPDATE SKIP LOCKED so that concurrent
// runners never share work. retention/retentiontest is the conformance suite
// every store runs.
package retention
