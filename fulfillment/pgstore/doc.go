// Package pgstore keeps a fulfillment.Store in PostgreSQL with pgx.
//
// Call [Migrate] once at start-up. It creates the tables prefixed
// fulfillment_ and records applied steps in fulfillment_schema_migrations.
// An advisory lock serialises it, so several processes may call it at once. Sealed
// buyer data, gift messages and personalisation texts are bytea columns
// holding pii.Envelope's column encoding (version, kind, bucket,
// ciphertext). Absent values are NULL, and purges set them to NULL. Blind
// indexes are bytea columns with partial indexes per seller.
//
// UpsertOrders writes a batch of orders in one transaction with one round
// trip for the order rows and COPY for items and personalisation. Label
// reservations rely on the primary key on the idempotency key, so two
// processes reserving the same label see one winner.
package pgstore
