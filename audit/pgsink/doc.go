// Package pgsink stores an audit trail in PostgreSQL, as the primary sink of
// an audit.Trail.
//
// Several processes may append to one database at once: every append locks
// the single row of spkit_audit_head for the length of its transaction, so
// the entries of all processes form one unbroken chain. The transaction
// commits without waiting for its WAL flush, so the lock is not held during
// fsync. Append then waits for the flush with a second, synchronous commit
// before it returns. A Trail groups concurrent Record calls into one append,
// which spreads each lock and flush over many events. Run [Migrate] once at start-up; it creates the tables, the chain
// head and triggers that reject updates and deletes of stored entries
// outside [Sink.DeleteThrough].
//
// Verify a stored trail with audit.Verify over [Sink.All], passing
// [Sink.Head] as the expected end.
package pgsink
