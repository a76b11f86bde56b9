// Command transit-dev runs Vault's Transit secrets engine in-process behind
// Vault's HTTP API on 127.0.0.1, for examples and manual runs. It prints
// VAULT_ADDR and VAULT_TOKEN lines to export and serves until interrupted.
// Keys live in memory and are lost when it stops.
//
// Usage:
//
//	go run ./cmd/transit-dev [-addr 127.0.0.1:8200] [-mount transit] [-namespace team-a]
//
// The AppRole credentials accepted by auth/approle/login are printed too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hidemont/spkit/integration/transit"
)

// listFlag collects a flag that may be repeated or hold a comma-separated
// list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "transit-dev:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done. It prints the settings to export on stdout
// and logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("transit-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8200", "loopback `host:port` to listen on; port 0 picks a free port")
	var mounts, namespaces listFlag
	fs.Var(&mounts, "mount", "`path` where Transit is mounted, repeatable or comma-separated (default transit)")
	fs.Var(&namespaces, "namespace", "`namespace` to create with the same mounts, repeatable or comma-separated")
	tokenTTL := fs.Duration("token-ttl", 0, "TTL of the root token; 0 means it never expires")
	verbose := fs.Bool("v", false, "log every request (namespace, operation, path, status) to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv, err := transit.New(transit.Options{
		Addr:         *addr,
		Mounts:       mounts,
		Namespaces:   namespaces,
		RootTokenTTL: *tokenTTL,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	roleID, secretID := srv.AppRoleCredentials()
	fmt.Fprintf(stdout, "VAULT_ADDR=%s\nVAULT_TOKEN=%s\nAPPROLE_ROLE_ID=%s\nAPPROLE_SECRET_ID=%s\n",
		srv.URL(), srv.RootToken(), roleID, secretID)

	<-ctx.Done()
	logger.Info("interrupted, shutting down", slog.String("addr", srv.Addr()))
	return nil
}
