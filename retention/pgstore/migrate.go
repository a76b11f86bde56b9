package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises concurrent
// migrations of the retention schema ("retentio" in ASCII).
const migrationLock = 0x726574656e74696f

// Migrate creates or updates the store's tables in the database's current
// schema (the first entry of search_path). It is safe to call from several
// processes at once and does nothing when the schema is current.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	steps, err := migrationSteps()
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS retention_schema_version (version integer NOT NULL)"); err != nil {
		return fmt.Errorf("pgstore: migrate: create version table: %w", err)
	}
	var current int
	err = tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM retention_schema_version").Scan(&current)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: read version: %w", err)
	}
	for _, s := range steps {
		if s.version <= current {
			continue
		}
		if _, err := tx.Exec(ctx, s.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("pgstore: migrate: apply %s: %w", s.name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO retention_schema_version (version) VALUES ($1)", s.version); err != nil {
			return fmt.Errorf("pgstore: migrate: record version %d: %w", s.version, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: commit: %w", err)
	}
	return nil
}

type migrationStep struct {
	version int
	name    string
	sql     string
}

func migrationSteps() ([]migrationStep, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("pgstore: list migrations: %w", err)
	}
	var steps []migrationStep
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("pgstore: migration %s has no version prefix", name)
		}
		b, err := migrations.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("pgstore: read migration %s: %w", name, err)
		}
		steps = append(steps, migrationStep{version: v, name: base, sql: string(b)})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].version < steps[j].version })
	return steps, nil
}
