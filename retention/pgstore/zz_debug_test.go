package pgstore_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/tracelog"

	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/retention/retentiontest"
)

type lg struct{ start time.Time }

func (l *lg) Log(ctx context.Context, level tracelog.LogLevel, msg string, data map[string]any) {
	if d, ok := data["time"].(time.Duration); ok && d > 20*time.Millisecond {
		sql, _ := data["sql"].(string)
		if len(sql) > 120 {
			sql = sql[:120]
		}
		slog.Info("slow", "d", d, "sql", sql)
	}
}

func BenchmarkZZDebug(b *testing.B) {
	dsn := pgtest.NewDatabase(b)
	cfg, _ := pgxpool.ParseConfig(dsn)
	cfg.ConnConfig.Tracer = &tracelog.TraceLog{Logger: &lg{}, LogLevel: tracelog.LogLevelInfo}
	pool, _ := pgxpool.NewWithConfig(context.Background(), cfg)
	defer pool.Close()
	ctx := context.Background()
	pgstore.Migrate(ctx, pool)
	for _, q := range []string{
		`CREATE EXTENSION IF NOT EXISTS pgcrypto`,
		`CREATE TABLE orders_purge (seller_id text, order_id text, shipped_at timestamptz, buyer_name bytea, address bytea, phone bytea, PRIMARY KEY (seller_id, order_id))`,
		`CREATE TABLE orders_bulk (LIKE orders_purge INCLUDING ALL)`,
	} {
		pool.Exec(ctx, q)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	store, _ := pgstore.New(pool, pgstore.Options{Targets: []pgstore.Target{{
		Table:   "orders_purge",
		Columns: map[retention.Class][]string{retention.ClassBuyerPII: {"buyer_name", "address", "phone"}},
	}}})
	for b.Loop() {
		loadOrders(b, pool, benchOrders, now)
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
		runner, _ := retention.NewRunner(retention.Config{Store: store, Recorder: &retentiontest.Recorder{}, Shredder: &retentiontest.Shredder{}, Now: func() time.Time { return now }, BatchSize: 10000, GroupedEvidence: true})
		start := time.Now()
		runner.RunOnce(ctx)
		b.Logf("run %v", time.Since(start))
	}
}
