// Package pgkeystore is a vaultkms.KeyStore in PostgreSQL.
//
// Records live in one table, vaultkms_keysets, created by [Migrate]. Create
// is INSERT ... ON CONFLICT DO NOTHING followed by a read, so processes that
// create the same bucket at once all end with the first writer's keyset.
// Update is a compare-and-swap on the revision column. Shred clears the
// wrapped keyset and keeps the row as a tombstone, so that the bucket is
// never created again.
//
// # Backups and shredding
//
// PostgreSQL keeps the old row version until VACUUM reclaims it, and WAL
// archives and base backups keep it for as long as they are retained. A
// shred in this table therefore does not reach those copies on its own.
// Use per-bucket KEKs (vaultkms.Config.BucketKEKs), whose deletion at shred
// makes every copy of the wrapped keyset useless.
package pgkeystore
