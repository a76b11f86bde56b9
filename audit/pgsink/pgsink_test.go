package pgsink_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/audit/pgsink"
	"github.com/hidemont/spkit/internal/pgtest"
)

// Environment of a child writer process started by
// TestThreeProcessesFormOneChain.
const (
	childDSNEnv    = "SPKIT_PGSINK_CHILD_DSN"
	childKeyEnv    = "SPKIT_PGSINK_CHILD_KEY"
	childSeedEnv   = "SPKIT_PGSINK_CHILD_SEED"
	childEvents    = 400
	childGoroutine = 4
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childDSNEnv); dsn != "" {
		if err := runChild(dsn, os.Getenv(childKeyEnv), os.Getenv(childSeedEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "child writer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild records childEvents events from childGoroutine goroutines through
// its own pool and trail.
func runChild(dsn, keyHex, seedText string) error {
	secret, err := hex.DecodeString(keyHex)
	if err != nil {
		return err
	}
	seed, err := strconv.ParseUint(seedText, 10, 64)
	if err != nil {
		return err
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	kr, err := audit.NewKeyring(audit.Key{ID: "k1", Secret: secret})
	if err != nil {
		return err
	}
	tr, err := audit.New(audit.Config{Keyring: kr, Sink: pgsink.New(pool), MaxBatch: 32, WriteTimeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer tr.Close(ctx)

	var wg sync.WaitGroup
	errs := make(chan error, childGoroutine)
	for g := range childGoroutine {
		wg.Go(func() {
			f := gofakeit.New(seed*100 + uint64(g))
			for range childEvents / childGoroutine {
				if err := tr.Record(ctx, fakeEvent(f)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func fakeEvent(f *gofakeit.Faker) audit.Event {
	return audit.Event{
		Time:     time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC).Add(time.Duration(f.IntRange(0, 1e9)) * time.Microsecond),
		Actor:    "u-" + f.Numerify("######"),
		SourceIP: netip.MustParseAddr(f.IPv4Address()),
		Action:   audit.ActionRead,
		Outcome:  audit.OutcomeSuccess,
		SellerID: "A" + f.Numerify("#############"),
		OrderID:  f.Numerify("###-#######-#######"),
		Bucket:   "2026-12-04",
		Count:    f.IntRange(1, 50),
	}
}

func newKey(t testing.TB) audit.Key {
	t.Helper()
	secret := make([]byte, audit.MinKeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return audit.Key{ID: "k1", Secret: secret}
}

func newSink(t testing.TB) (*pgxpool.Pool, *pgsink.Sink) {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgsink.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return pool, pgsink.New(pool)
}

func newTrail(t testing.TB, kr *audit.Keyring, sink audit.Sink) *audit.Trail {
	t.Helper()
	tr, err := audit.New(audit.Config{Keyring: kr, Sink: sink, WriteTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close(context.Background()) })
	return tr
}

func verifySink(t *testing.T, kr *audit.Keyring, sink *pgsink.Sink) audit.Report {
	t.Helper()
	ctx := context.Background()
	head, err := sink.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, sink.All(ctx), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestSinkRecordAndVerify(t *testing.T) {
	t.Parallel()
	_, sink := newSink(t)
	kr, _ := audit.NewKeyring(newKey(t))
	tr := newTrail(t, kr, sink)
	f := gofakeit.New(1)
	for range 50 {
		if err := tr.Record(context.Background(), fakeEvent(f)); err != nil {
			t.Fatal(err)
		}
	}
	rep := verifySink(t, kr, sink)
	if !rep.OK() || rep.Verified != 50 {
		t.Fatalf("verified %d of 50, break %v", rep.Verified, rep.Err())
	}
}

func TestSinkPagesThroughManyEntries(t *testing.T) {
	t.Parallel()
	_, sink := newSink(t)
	kr, _ := audit.NewKeyring(newKey(t))
	f := gofakeit.New(2)
	const n = 12000
	for start := 0; start < n; start += 1000 {
		batch := make([]audit.Entry, 1000)
		for i := range batch {
			e := fakeEvent(f)
			batch[i] = audit.Entry{Time: e.Time, Actor: e.Actor, Action: e.Action, Outcome: e.Outcome}
		}
		if err := sink.Append(context.Background(), kr, batch); err != nil {
			t.Fatal(err)
		}
	}
	rep := verifySink(t, kr, sink)
	if !rep.OK() || rep.Verified != n {
		t.Fatalf("verified %d of %d, break %v", rep.Verified, n, rep.Err())
	}
}

func TestThreeProcessesFormOneChain(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgsink.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	key := newKey(t)

	const processes = 3
	cmds := make([]*exec.Cmd, processes)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(),
			childDSNEnv+"="+dsn,
			childKeyEnv+"="+hex.EncodeToString(key.Secret),
			childSeedEnv+"="+strconv.Itoa(i+1),
		)
		cmds[i] = cmd
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatalf("start child writer: %v", err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child writer %d: %v", i, err)
		}
	}

	kr, _ := audit.NewKeyring(key)
	sink := pgsink.New(pool)
	rep := verifySink(t, kr, sink)
	if !rep.OK() {
		t.Fatalf("chain broken: %v", rep.Err())
	}
	if want := processes * childEvents; rep.Verified != want {
		t.Fatalf("verified %d entries, want %d", rep.Verified, want)
	}
	var batches int
	if err := pool.QueryRow(context.Background(),
		"SELECT count(DISTINCT seller_id) FROM spkit_audit_entries").Scan(&batches); err != nil {
		t.Fatal(err)
	}
	if batches < processes*childEvents/2 {
		t.Errorf("only %d distinct sellers: children wrote duplicate data", batches)
	}
}

func TestSinkRejectsChangesToEntries(t *testing.T) {
	t.Parallel()
	pool, sink := newSink(t)
	kr, _ := audit.NewKeyring(newKey(t))
	tr := newTrail(t, kr, sink)
	if err := tr.Record(context.Background(), fakeEvent(gofakeit.New(3))); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE spkit_audit_entries SET actor = 'u-1'",
		"DELETE FROM spkit_audit_entries",
		"TRUNCATE spkit_audit_entries",
	} {
		if _, err := pool.Exec(context.Background(), stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
	if rep := verifySink(t, kr, sink); !rep.OK() || rep.Verified != 1 {
		t.Fatalf("verified %d of 1, break %v", rep.Verified, rep.Err())
	}
}

// withoutTriggers runs stmt with triggers disabled, as a superuser who
// tampers with the table would.
func withoutTriggers(t *testing.T, pool *pgxpool.Pool, stmt string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "SET session_replication_role = DEFAULT")
	if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestSinkTamperingDetected(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"edit":     "UPDATE spkit_audit_entries SET count = count + 1 WHERE seq = 5",
		"delete":   "DELETE FROM spkit_audit_entries WHERE seq = 5",
		"truncate": "DELETE FROM spkit_audit_entries WHERE seq > 7",
		"reorder": "UPDATE spkit_audit_entries SET seq = seq + 1000 WHERE seq IN (4, 6); " +
			"UPDATE spkit_audit_entries SET seq = CASE seq WHEN 1004 THEN 6 ELSE 4 END WHERE seq > 1000",
	}
	for name, stmt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool, sink := newSink(t)
			kr, _ := audit.NewKeyring(newKey(t))
			tr := newTrail(t, kr, sink)
			f := gofakeit.New(4)
			for range 10 {
				if err := tr.Record(context.Background(), fakeEvent(f)); err != nil {
					t.Fatal(err)
				}
			}
			withoutTriggers(t, pool, stmt)
			if rep := verifySink(t, kr, sink); rep.Tampered == nil {
				t.Fatalf("%s not detected", stmt)
			}
		})
	}
}

func TestSinkPrune(t *testing.T) {
	t.Parallel()
	_, sink := newSink(t)
	kr, _ := audit.NewKeyring(newKey(t))
	tr := newTrail(t, kr, sink)
	f := gofakeit.New(5)
	for range 10 {
		if err := tr.Record(context.Background(), fakeEvent(f)); err != nil {
			t.Fatal(err)
		}
	}

	ctx := context.Background()
	var cpEntry audit.Entry
	for e, err := range sink.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq == 6 {
			cpEntry = e
		}
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	signed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cp, err := audit.SignCheckpoint(priv, "cp1", audit.Link{Seq: cpEntry.Seq, MAC: cpEntry.MAC}, signed)
	if err != nil {
		t.Fatal(err)
	}

	var re *audit.RetentionError
	if _, err := audit.Prune(ctx, sink, cp, pub, 100*24*time.Hour, signed.AddDate(2, 0, 0)); !errors.As(err, &re) {
		t.Fatalf("Prune with 100 days = %v, want *RetentionError", err)
	}
	n, err := audit.Prune(ctx, sink, cp, pub, audit.MinRetention, signed.AddDate(2, 0, 0))
	if err != nil || n != 6 {
		t.Fatalf("Prune = %d, %v; want 6 entries", n, err)
	}
	head, _ := sink.Head(ctx)
	rep, err := audit.Verify(ctx, sink.All(ctx), audit.VerifyOptions{Keyring: kr, Start: cp.Link(), End: &head})
	if err != nil || !rep.OK() || rep.Verified != 4 {
		t.Fatalf("verified %d of 4 after prune, err %v, break %v", rep.Verified, err, rep.Err())
	}
	// Appending after a prune continues the chain.
	if err := tr.Record(ctx, fakeEvent(f)); err != nil {
		t.Fatal(err)
	}
	head, _ = sink.Head(ctx)
	if head.Seq != 11 {
		t.Errorf("head seq after prune and append = %d, want 11", head.Seq)
	}
}

func TestSinkDatabaseDownFailsClosed(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1 of the loopback address.
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	kr, _ := audit.NewKeyring(newKey(t))
	tr, err := audit.New(audit.Config{Keyring: kr, Sink: pgsink.New(pool), WriteTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())
	start := time.Now()
	if err := tr.Record(context.Background(), fakeEvent(gofakeit.New(6))); err == nil {
		t.Fatal("Record succeeded with the database down")
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("Record took %v to fail, want about the 2s write timeout", took)
	}
}

func TestSinkWithoutMigration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	kr, _ := audit.NewKeyring(newKey(t))
	err := pgsink.New(pool).Append(context.Background(), kr, []audit.Entry{{Actor: "u-1", Action: audit.ActionRead, Outcome: audit.OutcomeSuccess}})
	if err == nil {
		t.Fatal("Append without Migrate succeeded")
	}
}

func TestMigrateConcurrentAndRepeated(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- pgsink.Migrate(context.Background(), pool) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	head, err := pgsink.New(pool).Head(context.Background())
	if err != nil || head.Seq != 0 {
		t.Fatalf("head after migrations = %+v, %v; want empty chain", head, err)
	}
}

func TestSinkUnresponsiveDatabaseFailsClosed(t *testing.T) {
	t.Parallel()
	// A listener that accepts connections and never replies, like a server
	// stuck behind a full disk.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	pool, err := pgxpool.New(context.Background(), "postgres://postgres@"+ln.Addr().String()+"/none?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	kr, _ := audit.NewKeyring(newKey(t))
	tr, err := audit.New(audit.Config{Keyring: kr, Sink: pgsink.New(pool), WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())

	start := time.Now()
	err = tr.Record(context.Background(), fakeEvent(gofakeit.New(7)))
	if err == nil {
		t.Fatal("Record succeeded against an unresponsive database")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Record took %v to fail, want about the 500ms write timeout", took)
	}
}
