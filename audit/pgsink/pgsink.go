package pgsink

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

// DB is the part of *pgxpool.Pool that Migrate uses.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Sink is an audit.Sink that stores entries in PostgreSQL. Several processes
// may append to one database at once and still form a single chain: each
// append locks the single chain-head row (SELECT ... FOR UPDATE), chains its
// entries after it, inserts them and moves the head, all in one
// transaction. A Sink is safe for concurrent use.
type Sink struct {
	pool *pgxpool.Pool
}

// New returns a sink over pool. Run Migrate once before the first append.
func New(pool *pgxpool.Pool) *Sink { return &Sink{pool: pool} }

// insertEntries inserts one row per element of the parallel arrays.
const insertEntries = `INSERT INTO spkit_audit_entries
	(seq, time, actor, source, action, outcome, reason, seller_id, order_id, bucket, purpose, kind, count, key_id, prev, mac)
	SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::bytea[], $16::bytea[])`

// Append chains entries after the stored head and inserts them in one
// transaction: one round trip begins it and locks the head, a second inserts
// the entries, moves the head and commits, and a third waits until the
// commit is flushed to disk. It returns nil only after that flush. On error
// the entries may or may not be stored. A crash before the flush loses them
// together with every later append, so the chain never forks.
func (s *Sink) Append(ctx context.Context, kr *audit.Keyring, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgsink: append: acquire connection: %w", err)
	}
	// A connection released inside a transaction is closed by the pool, so
	// a failed append never leaves the head locked.
	defer conn.Release()

	// Round trip 1: begin and lock the chain head.
	lock := &pgx.Batch{}
	lock.Queue("BEGIN")
	lock.Queue("SET LOCAL synchronous_commit = off")
	lock.Queue("SELECT seq, mac FROM spkit_audit_head WHERE id FOR UPDATE")
	results := conn.SendBatch(ctx, lock)
	var head audit.Link
	var seq int64
	for range 2 {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("pgsink: append: begin: %w", err)
		}
	}
	if err := results.QueryRow().Scan(&seq, &head.MAC); err != nil {
		results.Close()
		if errors.Is(err, pgx.ErrNoRows) {
			return errors.New("pgsink: append: chain head row is missing; run pgsink.Migrate")
		}
		return fmt.Errorf("pgsink: append: lock chain head: %w", err)
	}
	if err := results.Close(); err != nil {
		return fmt.Errorf("pgsink: append: lock chain head: %w", err)
	}
	head.Seq = uint64(seq)

	// Chain in memory while the head is locked.
	n := len(entries)
	var (
		seqs, counts                                                          = make([]int64, n), make([]int64, n)
		times                                                                 = make([]time.Time, n)
		actors, sources, actions, outcomes, reasons, sellers, orders, buckets = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		purposes, kinds, keyIDs                                               = make([]string, n), make([]string, n), make([]string, n)
		prevs, macs                                                           = make([][]byte, n), make([][]byte, n)
	)
	for i := range entries {
		e := &entries[i]
		if head, err = kr.Chain(head, e); err != nil {
			return err
		}
		seqs[i], times[i], actors[i], sources[i] = int64(e.Seq), e.Time, e.Actor, e.Source
		actions[i], outcomes[i], reasons[i] = string(e.Action), string(e.Outcome), e.Reason
		sellers[i], orders[i], buckets[i], purposes[i], kinds[i] = e.SellerID, e.OrderID, e.Bucket, e.Purpose, string(e.Kind)
		counts[i], keyIDs[i], prevs[i], macs[i] = int64(e.Count), e.KeyID, nonNil(e.Prev), e.MAC
	}

	// Round trip 2: insert, move the head, commit.
	write := &pgx.Batch{}
	write.Queue(insertEntries, seqs, times, actors, sources, actions, outcomes, reasons,
		sellers, orders, buckets, purposes, kinds, counts, keyIDs, prevs, macs)
	write.Queue("UPDATE spkit_audit_head SET seq = $1, mac = $2 WHERE id", int64(head.Seq), head.MAC)
	write.Queue("COMMIT")
	results = conn.SendBatch(ctx, write)
	for step, what := range []string{"insert entries", "move chain head", "commit"} {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("pgsink: append %d entries: %s (step %d): %w", n, what, step+1, err)
		}
	}
	if err := results.Close(); err != nil {
		return fmt.Errorf("pgsink: append %d entries: %w", n, err)
	}

	// Round trip 3: wait until the entries are on disk. The transaction
	// above committed without waiting for its WAL flush, so that the head
	// lock is not held during fsync. A transaction that commits with the
	// session's synchronous_commit setting (normally on) waits for the WAL
	// up to its own commit record, which includes the one above, and
	// concurrent appenders share that flush.
	if _, err := conn.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil {
		return fmt.Errorf("pgsink: append %d entries: wait for WAL flush: %w", n, err)
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
	if err := s.pool.QueryRow(ctx, "SELECT seq, mac FROM spkit_audit_head WHERE id").Scan(&seq, &head.MAC); err != nil {
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
	rows, err := s.pool.Query(ctx, `SELECT seq, time, actor, source, action, outcome, reason, seller_id,
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
	tx, err := s.pool.Begin(ctx)
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
