// Command orderflow runs one day of a seller's SP-API work end to end against
// a local fake Amazon, then moves a simulated clock forward to show purges
// and crypto-shredding, and verifies the audit trail.
//
// With no flags it needs nothing installed: SP-API is spapitest with a seeded
// synthetic data set, the KEK is a local development key, and every store is
// in memory. Flags move each part to a real service:
//
//	go run ./examples/orderflow -postgres postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	go run ./examples/orderflow -redis 127.0.0.1:6379
//	go run ./examples/orderflow -vault-addr http://127.0.0.1:8200 -vault-token TOKEN
//
// The output never shows buyer data: orders are counted, not printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"time"
)

// options are the command-line settings of one run.
type options struct {
	seed        uint64
	orders      int
	days        int
	postgres    string
	redis       string
	vaultAddr   string
	vaultToken  string
	vaultMount  string
	vaultKey    string
	timeScale   float64
	showSandbox bool
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "orderflow: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("orderflow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts options
	fs.Uint64Var(&opts.seed, "seed", 42, "seed of the synthetic data set; the same seed gives the same orders")
	fs.IntVar(&opts.orders, "orders", 60, "number of orders per seller in the synthetic data set (1 to 5000)")
	fs.IntVar(&opts.days, "days", 45, "days the simulated clock moves forward after shipping, to show purges (1 to 3650)")
	fs.StringVar(&opts.postgres, "postgres", "", "PostgreSQL connection string, as a URL or key=value pairs; the run creates and drops its own database there (default: in-memory stores)")
	fs.StringVar(&opts.redis, "redis", "", "Redis address host:port for the shared rate limiter (default: a local limiter)")
	fs.StringVar(&opts.vaultAddr, "vault-addr", "", "Vault address, such as http://127.0.0.1:8200 from integration/cmd/transit-dev (default: a local development KEK)")
	fs.StringVar(&opts.vaultToken, "vault-token", "", "Vault token, required with -vault-addr")
	fs.StringVar(&opts.vaultMount, "vault-mount", "transit", "mount path of the Transit secrets engine")
	fs.StringVar(&opts.vaultKey, "vault-key", "spkit-orderflow", "name of the Transit key used as KEK; created when missing")
	fs.Float64Var(&opts.timeScale, "time-scale", 200, "factor by which the fake SP-API speeds up Amazon's rate limits")
	fs.BoolVar(&opts.showSandbox, "sandbox", true, "also check the typed client against Amazon's sandbox examples")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q: orderflow takes only flags", fs.Arg(0))
		fmt.Fprintf(stderr, "orderflow: %v\n", err)
		fs.Usage()
		return options{}, err
	}
	if err := opts.validate(); err != nil {
		fmt.Fprintf(stderr, "orderflow: %v\n", err)
		fs.Usage()
		return options{}, err
	}
	return opts, nil
}

func (o options) validate() error {
	switch {
	case o.orders < 1 || o.orders > 5000:
		return fmt.Errorf("-orders=%d is out of range: use 1 to 5000", o.orders)
	case o.days < 1 || o.days > 3650:
		return fmt.Errorf("-days=%d is out of range: use 1 to 3650", o.days)
	case o.vaultAddr != "" && o.vaultToken == "":
		return errors.New("-vault-token is required with -vault-addr")
	case o.vaultAddr == "" && o.vaultToken != "":
		return errors.New("-vault-addr is required with -vault-token")
	case o.timeScale < 1 || o.timeScale > 10000:
		return fmt.Errorf("-time-scale=%g is out of range: use 1 to 10000", o.timeScale)
	}
	return nil
}

// clock is the simulated time of a run. Every workflow reads it, so moving it
// forward shows what the retention runner does weeks later.
type clock struct {
	offset atomic.Int64 // nanoseconds added to the real time
}

func (c *clock) Now() time.Time { return time.Now().UTC().Add(time.Duration(c.offset.Load())) }

func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
