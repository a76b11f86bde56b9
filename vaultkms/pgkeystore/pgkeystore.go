package pgkeystore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hidemont/spkit/vaultkms"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is the part of *pgxpool.Pool, *pgx.Conn and pgx.Tx that the store uses.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// migrationLockID is the advisory lock key that serialises concurrent
// migrations ("vaultkms" in ASCII).
const migrationLockID = 0x7661756c746b6d73

// schema creates the table if absent. Seller and bucket use the "C"
// collation so that List orders by bytes, as the KeyStore contract requires.
const schema = `
CREATE TABLE IF NOT EXISTS vaultkms_keysets (
	seller      text COLLATE "C" NOT NULL,
	bucket      text COLLATE "C" NOT NULL,
	keyset_id   bigint NOT NULL CHECK (keyset_id BETWEEN 0 AND 4294967295),
	wrapped     bytea,
	revision    bigint NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	shredded_at timestamptz,
	PRIMARY KEY (seller, bucket),
	CONSTRAINT vaultkms_keysets_live_has_keyset CHECK ((shredded_at IS NULL) = (wrapped IS NOT NULL))
)`

// Migrate creates the store's table if it does not exist. Concurrent calls
// from several processes are serialised by an advisory lock.
func Migrate(ctx context.Context, db DB) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgkeystore: migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockID)); err != nil {
		return fmt.Errorf("pgkeystore: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, schema); err != nil {
		return fmt.Errorf("pgkeystore: migrate: create table vaultkms_keysets: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgkeystore: migrate: commit: %w", err)
	}
	return nil
}

// Store is a vaultkms.KeyStore over a PostgreSQL database migrated with
// Migrate. It is safe for concurrent use by any number of processes.
type Store struct {
	db DB
}

var _ vaultkms.KeyStore = (*Store)(nil)

// New returns a store over db. Call Migrate once before using it.
func New(db DB) *Store { return &Store{db: db} }

const columns = "seller, bucket, keyset_id, wrapped, revision, created_at, updated_at, shredded_at"

func scan(row pgx.Row) (vaultkms.WrappedKeyset, error) {
	var w vaultkms.WrappedKeyset
	var id int64
	var shredded *time.Time
	if err := row.Scan(&w.Seller, &w.Bucket, &id, &w.Wrapped, &w.Revision, &w.CreatedAt, &w.UpdatedAt, &shredded); err != nil {
		return vaultkms.WrappedKeyset{}, err
	}
	w.KeysetID = uint32(id)
	if shredded != nil {
		w.ShreddedAt = shredded.UTC()
	}
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, nil
}

func checkRecord(w vaultkms.WrappedKeyset) error {
	switch {
	case w.Seller == "":
		return errors.New("seller is empty")
	case w.Bucket == "":
		return errors.New("bucket is empty")
	case len(w.Seller) > vaultkms.MaxNameLen || len(w.Bucket) > vaultkms.MaxNameLen:
		return fmt.Errorf("seller or bucket is longer than %d bytes", vaultkms.MaxNameLen)
	case len(w.Wrapped) == 0:
		return fmt.Errorf("wrapped keyset of bucket %q is empty", w.Bucket)
	}
	return nil
}

// Create implements vaultkms.KeyStore.
func (s *Store) Create(ctx context.Context, w vaultkms.WrappedKeyset) (vaultkms.WrappedKeyset, error) {
	if err := checkRecord(w); err != nil {
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: create keyset: %w", err)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO vaultkms_keysets (seller, bucket, keyset_id, wrapped, revision)
		VALUES ($1, $2, $3, $4, 1) ON CONFLICT (seller, bucket) DO NOTHING`,
		w.Seller, w.Bucket, int64(w.KeysetID), w.Wrapped)
	if err != nil {
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: create keyset of bucket %q: %w", w.Bucket, err)
	}
	// Rows are never deleted, so the row is there to read, ours or not.
	got, err := s.get(ctx, w.Seller, w.Bucket)
	if err != nil {
		return vaultkms.WrappedKeyset{}, err
	}
	if got.Shredded() {
		return vaultkms.WrappedKeyset{}, vaultkms.ErrShredded
	}
	return got, nil
}

func (s *Store) get(ctx context.Context, seller, bucket string) (vaultkms.WrappedKeyset, error) {
	w, err := scan(s.db.QueryRow(ctx, "SELECT "+columns+" FROM vaultkms_keysets WHERE seller = $1 AND bucket = $2", seller, bucket))
	if errors.Is(err, pgx.ErrNoRows) {
		return vaultkms.WrappedKeyset{}, vaultkms.ErrKeyNotFound
	}
	if err != nil {
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: read keyset of bucket %q: %w", bucket, err)
	}
	return w, nil
}

// Get implements vaultkms.KeyStore.
func (s *Store) Get(ctx context.Context, seller, bucket string) (vaultkms.WrappedKeyset, error) {
	w, err := s.get(ctx, seller, bucket)
	if err != nil {
		return vaultkms.WrappedKeyset{}, err
	}
	if w.Shredded() {
		return vaultkms.WrappedKeyset{}, vaultkms.ErrShredded
	}
	return w, nil
}

// GetMany implements vaultkms.KeyStore.
func (s *Store) GetMany(ctx context.Context, refs []vaultkms.BucketRef) ([]vaultkms.WrappedKeyset, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	sellers := make([]string, len(refs))
	buckets := make([]string, len(refs))
	for i, r := range refs {
		sellers[i], buckets[i] = r.Seller, r.Bucket
	}
	rows, err := s.db.Query(ctx, "SELECT "+columns+` FROM vaultkms_keysets
		WHERE shredded_at IS NULL AND (seller, bucket) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
		sellers, buckets)
	if err != nil {
		return nil, fmt.Errorf("pgkeystore: read %d keysets: %w", len(refs), err)
	}
	return collect(rows)
}

func collect(rows pgx.Rows) ([]vaultkms.WrappedKeyset, error) {
	defer rows.Close()
	var out []vaultkms.WrappedKeyset
	for rows.Next() {
		w, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("pgkeystore: scan keyset: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgkeystore: read keysets: %w", err)
	}
	return out, nil
}

// Update implements vaultkms.KeyStore.
func (s *Store) Update(ctx context.Context, w vaultkms.WrappedKeyset) (vaultkms.WrappedKeyset, error) {
	if err := checkRecord(w); err != nil {
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: update keyset: %w", err)
	}
	got, err := scan(s.db.QueryRow(ctx, `UPDATE vaultkms_keysets
		SET wrapped = $3, revision = revision + 1, updated_at = now()
		WHERE seller = $1 AND bucket = $2 AND revision = $4 AND keyset_id = $5 AND shredded_at IS NULL
		RETURNING `+columns,
		w.Seller, w.Bucket, w.Wrapped, w.Revision, int64(w.KeysetID)))
	if err == nil {
		return got, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: update keyset of bucket %q: %w", w.Bucket, err)
	}

	// Nothing matched: tell why.
	cur, err := s.Get(ctx, w.Seller, w.Bucket)
	switch {
	case err != nil:
		return vaultkms.WrappedKeyset{}, err
	case cur.KeysetID != w.KeysetID:
		return vaultkms.WrappedKeyset{}, fmt.Errorf("pgkeystore: update keyset: keyset ID %d of bucket %q cannot change to %d", cur.KeysetID, w.Bucket, w.KeysetID)
	}
	return vaultkms.WrappedKeyset{}, vaultkms.ErrConflict
}

// Shred implements vaultkms.KeyStore.
func (s *Store) Shred(ctx context.Context, seller, bucket string) error {
	if seller == "" || bucket == "" {
		return errors.New("pgkeystore: shred: seller and bucket are required")
	}
	_, err := s.db.Exec(ctx, `INSERT INTO vaultkms_keysets AS k (seller, bucket, keyset_id, wrapped, revision, shredded_at)
		VALUES ($1, $2, 0, NULL, 1, now())
		ON CONFLICT (seller, bucket) DO UPDATE
		SET wrapped = NULL, revision = k.revision + 1, updated_at = now(), shredded_at = now()
		WHERE k.shredded_at IS NULL`, seller, bucket)
	if err != nil {
		return fmt.Errorf("pgkeystore: shred bucket %q: %w", bucket, err)
	}
	return nil
}

// List implements vaultkms.KeyStore.
func (s *Store) List(ctx context.Context, after vaultkms.BucketRef, limit int) ([]vaultkms.WrappedKeyset, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("pgkeystore: list keysets: limit %d must be positive", limit)
	}
	rows, err := s.db.Query(ctx, "SELECT "+columns+` FROM vaultkms_keysets
		WHERE shredded_at IS NULL AND (seller, bucket) > ($1, $2)
		ORDER BY seller, bucket LIMIT $3`, after.Seller, after.Bucket, limit)
	if err != nil {
		return nil, fmt.Errorf("pgkeystore: list keysets: %w", err)
	}
	return collect(rows)
}
