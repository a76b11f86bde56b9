package pgsink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrationLockID is the advisory lock key that serializes migrations of this
// schema across processes ("spkit_au" as big-endian bytes).
const migrationLockID = 0x73706b69745f6175

// schema creates the tables, the single-row chain head and the triggers that
// reject changes to stored entries. Every statement is idempotent.
const schema = `
CREATE TABLE IF NOT EXISTS spkit_audit_head (
	id   boolean PRIMARY KEY DEFAULT true CHECK (id),
	seq  bigint  NOT NULL CHECK (seq >= 0),
	mac  bytea
);
INSERT INTO spkit_audit_head (id, seq, mac) VALUES (true, 0, NULL) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS spkit_audit_entries (
	seq       bigint      PRIMARY KEY CHECK (seq > 0),
	time      timestamptz NOT NULL,
	actor     text        NOT NULL,
	source    text        NOT NULL DEFAULT '',
	action    text        NOT NULL,
	outcome   text        NOT NULL,
	reason    text        NOT NULL DEFAULT '',
	seller_id text        NOT NULL DEFAULT '',
	order_id  text        NOT NULL DEFAULT '',
	bucket    text        NOT NULL DEFAULT '',
	purpose   text        NOT NULL DEFAULT '',
	kind      text        NOT NULL DEFAULT '',
	count     bigint      NOT NULL DEFAULT 0,
	key_id    text        NOT NULL,
	prev      bytea       NOT NULL,
	mac       bytea       NOT NULL
);
CREATE INDEX IF NOT EXISTS spkit_audit_entries_time ON spkit_audit_entries (time);
CREATE INDEX IF NOT EXISTS spkit_audit_entries_actor ON spkit_audit_entries (actor, time);

CREATE OR REPLACE FUNCTION spkit_audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND current_setting('spkit.audit_prune', true) = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit entries are append-only: % rejected', TG_OP;
END;
$$;

DROP TRIGGER IF EXISTS spkit_audit_entries_append_only ON spkit_audit_entries;
CREATE TRIGGER spkit_audit_entries_append_only
	BEFORE UPDATE OR DELETE ON spkit_audit_entries
	FOR EACH ROW EXECUTE FUNCTION spkit_audit_reject_change();
DROP TRIGGER IF EXISTS spkit_audit_entries_no_truncate ON spkit_audit_entries;
CREATE TRIGGER spkit_audit_entries_no_truncate
	BEFORE TRUNCATE ON spkit_audit_entries
	FOR EACH STATEMENT EXECUTE FUNCTION spkit_audit_reject_change();
`

// Migrate creates or updates the sink's tables in the current schema. It is
// safe to run from several processes at once and to run again.
//
// The triggers it installs reject UPDATE and TRUNCATE of stored entries, and
// DELETE except from DeleteThrough. They guard against mistakes, not against
// a database superuser; the hash chain is what shows tampering.
func Migrate(ctx context.Context, db DB) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgsink: migrate: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockID)); err != nil {
		return fmt.Errorf("pgsink: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, schema, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("pgsink: migrate: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgsink: migrate: commit: %w", err)
	}
	return nil
}
