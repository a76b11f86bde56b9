package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/audit/pgsink"
	"github.com/hidemont/spkit/fulfillment"
	fulfillmentpg "github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/retention"
	retentionpg "github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
	"github.com/hidemont/spkit/vaultkms/pgkeystore"
)

// stack is every component of a run, wired the way an ERP wires them.
type stack struct {
	clock *clock

	server  *spapitest.Server
	dataset *spapitest.Dataset
	client  *spapi.Client

	keyring    *vaultkms.Keyring
	trail      *audit.Trail
	auditKeys  *audit.Keyring
	auditSink  auditSink
	retention  retention.Store
	orders     fulfillment.Store
	modes      []string
	closeFuncs []func()
}

// auditSink is the part of the primary audit sink that verification reads.
type auditSink interface {
	audit.Sink
	Head(ctx context.Context) (audit.Link, error)
}

func (s *stack) close() {
	for i := len(s.closeFuncs) - 1; i >= 0; i-- {
		s.closeFuncs[i]()
	}
}

func (s *stack) onClose(f func()) { s.closeFuncs = append(s.closeFuncs, f) }

// build starts the fake SP-API and wires the library's components to it,
// using a real service for each part that a flag names.
func build(ctx context.Context, opts options) (_ *stack, err error) {
	s := &stack{clock: &clock{}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	// The fake Amazon, seeded with a synthetic world around today.
	s.server = spapitest.New(spapitest.Options{TimeScale: opts.timeScale})
	s.onClose(s.server.Close)
	s.dataset = spapitest.NewDataset(opts.seed, spapitest.DatasetOptions{
		OrdersPerSeller: opts.orders,
		Now:             s.clock.Now().Truncate(time.Hour),
	})
	s.server.Load(s.dataset)

	// The SP-API client and its rate limiter.
	cfg := s.server.ClientConfig()
	cfg.AppName = "spkit-orderflow"
	cfg.AppVersion = "1.0"
	cfg.Now = s.clock.Now
	if opts.redis != "" {
		// go-redis logs every failed dial to stderr through a global logger;
		// the run reports the connection error itself.
		redis.SetLogger(discardRedisLogs{})
		rdb := redis.NewClient(&redis.Options{Addr: opts.redis, DialTimeout: 2 * time.Second})
		s.onClose(func() { _ = rdb.Close() })
		if err := rdb.Ping(ctx).Err(); err != nil {
			return nil, fmt.Errorf("connect to Redis at %s: %w", opts.redis, err)
		}
		lim, err := spapi.NewRedisLimiter(rdb, spapi.RedisLimiterOptions{Prefix: "spkit-orderflow:" + randomSuffix() + ":"})
		if err != nil {
			return nil, fmt.Errorf("create Redis limiter: %w", err)
		}
		cfg.Limiter = lim
		s.modes = append(s.modes, "rate limits in Redis "+opts.redis)
	} else {
		s.modes = append(s.modes, "rate limits in process")
	}
	if s.client, err = spapi.New(cfg); err != nil {
		return nil, fmt.Errorf("create SP-API client: %w", err)
	}

	// PostgreSQL, when asked for: a database of its own, dropped at the end.
	var pool *pgxpool.Pool
	if opts.postgres != "" {
		if pool, err = openDatabase(ctx, opts.postgres, s); err != nil {
			return nil, err
		}
		s.modes = append(s.modes, "stores in PostgreSQL")
	} else {
		s.modes = append(s.modes, "stores in memory")
	}

	// The keyring: one data key per seller and retention bucket, wrapped by
	// the KEK.
	kek, mode, err := buildKEK(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.modes = append(s.modes, mode)
	var keys vaultkms.KeyStore = vaultkms.NewMemoryKeyStore()
	if pool != nil {
		if err := pgkeystore.Migrate(ctx, pool); err != nil {
			return nil, fmt.Errorf("migrate key store: %w", err)
		}
		keys = pgkeystore.New(pool)
	}
	if s.keyring, err = vaultkms.New(vaultkms.Config{KEK: kek, Store: keys}); err != nil {
		return nil, fmt.Errorf("create keyring: %w", err)
	}

	// The audit trail, chained under a fresh HMAC key.
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	if s.auditKeys, err = audit.NewKeyring(audit.Key{ID: "orderflow-1", Secret: secret}); err != nil {
		return nil, fmt.Errorf("create audit keyring: %w", err)
	}
	if pool != nil {
		if err := pgsink.Migrate(ctx, pool); err != nil {
			return nil, fmt.Errorf("migrate audit sink: %w", err)
		}
		s.auditSink = pgsink.New(pool)
	} else {
		s.auditSink = audit.NewMemorySink()
	}
	if s.trail, err = audit.New(audit.Config{Keyring: s.auditKeys, Sink: s.auditSink, Now: s.clock.Now}); err != nil {
		return nil, fmt.Errorf("create audit trail: %w", err)
	}
	s.onClose(func() { _ = s.trail.Close(context.Background()) })

	// Retention records and the ERP's order store.
	if pool != nil {
		if err := retentionpg.Migrate(ctx, pool); err != nil {
			return nil, fmt.Errorf("migrate retention store: %w", err)
		}
		if s.retention, err = retentionpg.New(pool, retentionpg.Options{}); err != nil {
			return nil, fmt.Errorf("create retention store: %w", err)
		}
		if err := fulfillmentpg.Migrate(ctx, pool); err != nil {
			return nil, fmt.Errorf("migrate order store: %w", err)
		}
		s.orders = fulfillmentpg.New(pool)
	} else {
		s.retention = retention.NewMemoryStore()
		s.orders = fulfillment.NewMemoryStore()
	}
	return s, nil
}

// openDatabase creates a database for this run on the server of dsn and
// returns a pool connected to it. The database is dropped when the run ends.
func openDatabase(ctx context.Context, dsn string, s *stack) (*pgxpool.Pool, error) {
	// Both forms pgx accepts, URL and key=value pairs, are parsed before a
	// database is created, so a bad string fails without leaving one behind.
	poolConfig, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("-postgres is not a connection string such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable: %w", err)
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	name := "spkit_orderflow_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close(ctx)
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	s.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close(ctx)
	})

	poolConfig.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("connect to database %s: %w", name, err)
	}
	s.onClose(pool.Close)
	return pool, nil
}

// buildKEK returns the key-encryption key: Vault Transit when -vault-addr is
// set, otherwise the in-memory development KEK.
func buildKEK(ctx context.Context, opts options) (vaultkms.KEK, string, error) {
	if opts.vaultAddr == "" {
		return vaultkms.NewInsecureLocalKEK(), "KEK: local development key (not for production)", nil
	}

	u, err := url.Parse(opts.vaultAddr)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("-vault-addr=%q is not a URL such as http://127.0.0.1:8200", opts.vaultAddr)
	}
	mount := strings.Trim(opts.vaultMount, "/")
	if err := ensureTransitKey(ctx, opts.vaultAddr, opts.vaultToken, mount, opts.vaultKey); err != nil {
		return nil, "", err
	}
	kek, err := vaultkms.NewTransit(vaultkms.TransitConfig{
		KeyURI:  "hcvault://" + u.Host + "/" + mount + "/keys/" + opts.vaultKey,
		Address: opts.vaultAddr,
		Token:   opts.vaultToken,
	})
	if err != nil {
		return nil, "", fmt.Errorf("create Transit KEK: %w", err)
	}
	return kek, "KEK: Vault Transit key " + mount + "/keys/" + opts.vaultKey + " at " + u.Host, nil
}

// ensureTransitKey creates the Transit key when it does not exist yet.
// Creating an existing key changes nothing, so this is safe to repeat.
func ensureTransitKey(ctx context.Context, addr, token, mount, name string) error {
	cfg := &vault.Config{Address: addr, Timeout: 10 * time.Second, MaxRetries: 2}
	vc, err := vault.NewClient(cfg)
	if err != nil {
		return fmt.Errorf("create Vault client: %w", err)
	}
	vc.SetToken(token)
	if _, err := vc.Logical().WriteWithContext(ctx, mount+"/keys/"+name, map[string]any{"type": "aes256-gcm96"}); err != nil {
		return fmt.Errorf("create Transit key %s/keys/%s: %w", mount, name, err)
	}
	return nil
}

// discardRedisLogs drops the internal log lines of go-redis.
type discardRedisLogs struct{}

func (discardRedisLogs) Printf(context.Context, string, ...any) {}

func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b[:])
}
