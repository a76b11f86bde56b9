// Package pgstore is a retention.Store in PostgreSQL, for runners in several
// processes sharing one database.
//
// # Schema
//
// [Migrate] creates the tables retention_items (one row per unpurged record),
// retention_buckets, retention_bucket_anchors, retention_claims,
// retention_holds, retention_notices and retention_evidence in the current
// schema, and records its version in retention_schema_version. It is safe to
// call at every start.
//
// retention_bucket_anchors keeps, per bucket and class, the latest anchor of
// any record ever in the bucket, so that Shred can take a bucket emptied by
// re-anchoring alone once all its records are due. On a database created
// before that table, Migrate fills it from the records in place. A bucket
// that re-anchoring had already emptied has no record left to read, so it
// gets the migration time as the latest anchor of both sealed classes and is
// shredded once PII anchored then is due.
//
// # Concurrency
//
// A purge locks the claim rows of the (class, seller, bucket) triples it
// takes records from, with FOR UPDATE SKIP LOCKED, then deletes up to a batch
// of their due records in a statement whose snapshot follows the locks.
// Concurrent runners therefore take disjoint work and skip what another
// holds instead of waiting for it. The deletion, the clearing of target
// columns and the audit evidence commit together, so a runner killed
// mid-batch leaves the whole batch for the next run. Locking claim rows rather than record rows keeps
// a purge to one write per record.
//
// # Clearing data
//
// A [Target] names a table and, per class, the columns to set to NULL for
// purged orders, matched on seller and order columns. Names are checked
// against [a-z_][a-z0-9_]* and quoted. The store clears each batch with one
// UPDATE per target in the purge's transaction, so cleared data and purged
// records can never disagree. Data the store cannot reach is cleared by a
// retention.Purger, called in the same transaction before the commit.
package pgstore
