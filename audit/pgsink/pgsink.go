package pgsink

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

// DB is the part of *pgxpool.Pool that the sink uses.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Sink is an audit.Sink that stores entries in PostgreSQL. Several processes
// may append to one database at once and still form a single chain: each
// append locks the single chain-head row (SELECT ... FOR UPDATE), chains its
// entries after it, copies them in and moves the head, all in one
// transaction. A Sink is safe for concurrent use.
type Sink struct {
	db DB
}

// New returns a sink over db. Run Migrate once before the first append.
func New(db DB) *Sink { return &Sink{db: db} }

var columns = []string{
	"seq", "time", "actor", "source", "action", "outcome", "reason", "seller_id",
	"order_id", "bucket", "purpose", "kind", "count", "key_id", "prev", "mac",
}

// Append chains entries after the stored head and inserts them in one
// transaction. On error nothing is stored.
func (s *Sink) Append(ctx context.Context, kr *audit.Keyring, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgsink: append: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	var head audit.Link
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT seq, mac FROM spkit_audit_head WHERE id FOR UPDATE").Scan(&seq, &head.MAC); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errors.New("pgsink: append: chain head row is missing; run pgsink.Migrate")
		}
		return fmt.Errorf("pgsink: append: lock chain head: %w", err)
	}
	head.Seq = uint64(seq)

	rows := make([][]any, len(entries))
	for i := range entries {
		e := &entries[i]
		if head, err = kr.Chain(head, e); err != nil {
			return err
		}
		rows[i] = []any{
			int64(e.Seq), e.Time, e.Actor, e.Source, string(e.Action), string(e.Outcome), e.Reason,
			e.SellerID, e.OrderID, e.Bucket, e.Purpose, string(e.Kind), int64(e.Count), e.KeyID,
			nonNil(e.Prev), e.MAC,
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"spkit_audit_entries"}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("pgsink: append %d entries: %w", len(entries), err)
	}
	if _, err := tx.Exec(ctx, "UPDATE spkit_audit_head SET seq = $1, mac = $2 WHERE id", int64(head.Seq), head.MAC); err != nil {
		return fmt.Errorf("pgsink: append: move chain head: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgsink: append: commit: %w", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Head returns the stored chain head.
func (s *Sink) Head(ctx context.Context) (audit.Link, error) {
	var head audit.Link
	var seq int64
	if err := s.db.QueryRow(ctx, "SELECT seq, mac FROM spkit_audit_head WHERE id").Scan(&seq, &head.MAC); err != nil {
		return audit.Link{}, fmt.Errorf("pgsink: read chain head: %w", err)
	}
	head.Seq = uint64(seq)
	return head, nil
}

// pageSize is the number of entries All reads per query.
const pageSize = 5000

// All returns the stored entries in sequence order, for audit.Verify. It
// reads them in pages, so the whole table is never held in memory.
func (s *Sink) All(ctx context.Context) iter.Seq2[audit.Entry, error] {
	return func(yield func(audit.Entry, error) bool) {
		var after int64
		for {
			page, err := s.page(ctx, after)
			if err != nil {
				yield(audit.Entry{}, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			after = int64(page[len(page)-1].Seq)
		}
	}
}

func (s *Sink) page(ctx context.Context, after int64) ([]audit.Entry, error) {
	rows, err := s.db.Query(ctx, `SELECT seq, time, actor, source, action, outcome, reason, seller_id,
		order_id, bucket, purpose, kind, count, key_id, prev, mac
		FROM spkit_audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2`, after, pageSize)
	if err != nil {
		return nil, fmt.Errorf("pgsink: read entries: %w", err)
	}
	defer rows.Close()
	page := make([]audit.Entry, 0, 256)
	for rows.Next() {
		var (
			e                     audit.Entry
			seq, count            int64
			action, outcome, kind string
		)
		if err := rows.Scan(&seq, &e.Time, &e.Actor, &e.Source, &action, &outcome, &e.Reason, &e.SellerID,
			&e.OrderID, &e.Bucket, &e.Purpose, &kind, &count, &e.KeyID, &e.Prev, &e.MAC); err != nil {
			return nil, fmt.Errorf("pgsink: read entries: %w", err)
		}
		e.Seq, e.Count = uint64(seq), int(count)
		e.Time = e.Time.UTC()
		e.Action, e.Outcome, e.Kind = audit.Action(action), audit.Outcome(outcome), pii.Kind(kind)
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgsink: read entries: %w", err)
	}
	return page, nil
}

// DeleteThrough deletes entries with Seq <= seq. Use audit.Prune, which
// checks the retention period and the checkpoint, rather than calling it
// directly.
func (s *Sink) DeleteThrough(ctx context.Context, seq uint64) (int64, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("pgsink: prune: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL spkit.audit_prune = 'on'"); err != nil {
		return 0, fmt.Errorf("pgsink: prune: %w", err)
	}
	tag, err := tx.Exec(ctx, "DELETE FROM spkit_audit_entries WHERE seq <= $1", int64(seq))
	if err != nil {
		return 0, fmt.Errorf("pgsink: prune through seq %d: %w", seq, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("pgsink: prune: commit: %w", err)
	}
	return tag.RowsAffected(), nil
}

var (
	_ audit.Sink   = (*Sink)(nil)
	_ audit.Pruner = (*Sink)(nil)
)
