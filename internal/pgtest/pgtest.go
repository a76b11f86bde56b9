// Package pgtest gives each test its own PostgreSQL database on the local
// server and drops it when the test ends.
//
// The server is the one at 127.0.0.1:5432 with trust authentication, as on the
// development and CI machines; SPKIT_TEST_POSTGRES overrides the connection
// string of the maintenance database. When the server cannot be reached, a test
// fails under CI=true and is skipped elsewhere, with the command that starts it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultDSN is the maintenance database used to create and drop test databases.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// StartCommand is the command that starts the local PostgreSQL cluster.
const StartCommand = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// T is the part of testing.TB that the helpers use, so that benchmarks can
// call them too.
type T interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

func adminDSN() string {
	if dsn := os.Getenv("SPKIT_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Unavailable fails the test under CI=true and skips it elsewhere, naming the
// service and how to start it.
func Unavailable(t T, service, start string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is unreachable (%v); start it with: %s", service, err, start)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", msg)
	}
	t.Skipf("%s", msg)
}

// NewDatabase creates an empty database for the test and returns its
// connection string. The database is dropped at cleanup, with any sessions
// still connected to it.
func NewDatabase(t T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, adminDSN())
	if err != nil {
		Unavailable(t, "PostgreSQL", StartCommand, err)
		return ""
	}
	defer admin.Close(context.Background())

	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := "spkit_test_" + hex.EncodeToString(suffix[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminDSN())
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})

	u, err := url.Parse(adminDSN())
	if err != nil {
		t.Fatalf("pgtest: parse connection string: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewPool creates a database for the test and returns a pool connected to it.
// The pool is closed and the database dropped at cleanup.
func NewPool(t T) *pgxpool.Pool {
	t.Helper()
	dsn := NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgtest: connect to test database: %v", err)
	}
	// Registered after the database's cleanup, so it runs first.
	t.Cleanup(pool.Close)
	return pool
}
