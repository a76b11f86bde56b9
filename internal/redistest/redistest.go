// Package redistest gives each test an isolated key prefix on the local Redis
// server and deletes the test's keys when it ends.
//
// The server is the one at 127.0.0.1:6379; SPKIT_TEST_REDIS overrides its
// address. When the server cannot be reached, a test fails under CI=true and
// is skipped elsewhere, with the command that starts it.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hidemont/spkit/internal/pgtest"
)

// DefaultAddr is the address of the local Redis server.
const DefaultAddr = "127.0.0.1:6379"

// StartCommand is the command that starts the local Redis server.
const StartCommand = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// Addr returns the address of the Redis server that tests use.
func Addr() string {
	if addr := os.Getenv("SPKIT_TEST_REDIS"); addr != "" {
		return addr
	}
	return DefaultAddr
}

// New returns a client for the local server and a key prefix unique to the
// test, ending in a colon. Every key under the prefix is deleted and the client
// closed at cleanup.
func New(t pgtest.T) (*redis.Client, string) {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: Addr(), DialTimeout: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		pgtest.Unavailable(t, "Redis", StartCommand, err)
		return nil, ""
	}

	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	prefix := "spkit-test:" + hex.EncodeToString(suffix[:]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			_ = client.Del(ctx, iter.Val()).Err()
		}
		_ = client.Close()
	})
	return client, prefix
}
