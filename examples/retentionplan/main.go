// Command retentionplan prints a retention dry run: for a synthetic seller's
// orders, how many records of each class the runner would purge on each of the
// next days, and which a legal hold keeps. Nothing is purged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

func main() {
	fs := flag.NewFlagSet("retentionplan", flag.ContinueOnError)
	orders := fs.Int("orders", 500, "number of synthetic orders (1 to 100000)")
	days := fs.Int("days", 40, "days the plan covers (1 to 365)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "retentionplan: unexpected argument %q: retentionplan takes only flags\n", fs.Arg(0))
		os.Exit(2)
	}
	if *orders < 1 || *orders > 100000 || *days < 1 || *days > 365 {
		fmt.Fprintln(os.Stderr, "retentionplan: -orders must be 1 to 100000 and -days 1 to 365")
		os.Exit(2)
	}
	now := time.Now().UTC()
	if err := run(context.Background(), now, *orders, *days, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "retentionplan: %v\n", err)
		os.Exit(1)
	}
}

// noShredder refuses to shred: a dry run never reaches it.
type noShredder struct{}

func (noShredder) Shred(context.Context, string, string) error {
	return fmt.Errorf("a dry run does not shred")
}

func run(ctx context.Context, now time.Time, n, days int, out io.Writer) error {
	store := retention.NewMemoryStore()
	faker := gofakeit.New(3)
	const seller = "A1SYNTHSELLER"

	// Orders of the last 60 days; two thirds have shipped since. The first
	// tenth of them are later put under a legal hold.
	var heldIDs []string
	for i := range n {
		ordered := now.Add(-time.Duration(faker.IntRange(0, 60*24)) * time.Hour)
		id := fmt.Sprintf("%03d-%07d-%07d", faker.IntRange(100, 999), i, faker.IntRange(0, 9999999))
		o := retention.Order{SellerID: seller, OrderID: id, Bucket: retention.OpenBucket(ordered), OrderedAt: ordered}
		if err := retention.RegisterOrder(ctx, store, o); err != nil {
			return err
		}
		if i < n/10 {
			heldIDs = append(heldIDs, id)
		}
		if i%3 != 0 {
			shipped := ordered.Add(time.Duration(faker.IntRange(4, 72)) * time.Hour)
			if shipped.After(now) {
				continue
			}
			if _, err := retention.MarkShipped(ctx, store, seller, id, shipped, retention.ShipmentBucket(shipped)); err != nil {
				return err
			}
		}
	}

	runner, err := retention.NewRunner(retention.Config{
		Store:    store,
		Recorder: discardRecorder{},
		Shredder: noShredder{},
		Now:      func() time.Time { return now },
	})
	if err != nil {
		return err
	}

	if len(heldIDs) > 0 {
		hold := retention.Hold{SellerID: seller, OrderIDs: heldIDs, Reason: "tax_audit", Actor: "u-1042"}
		if _, err := runner.PlaceHold(ctx, hold); err != nil {
			return err
		}
	}

	plan, err := runner.Plan(ctx, days)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "retention plan for %d orders, %s to %s (UTC)\n", n, plan.From.Format(time.DateOnly), plan.Until.Format(time.DateOnly))
	fmt.Fprintf(out, "%-10s  %-16s  %6s  %6s\n", "day", "class", "purge", "held")
	held := 0
	for _, d := range plan.Days {
		fmt.Fprintf(out, "%-10s  %-16s  %6d  %6d\n", d.Day.Format(time.DateOnly), d.Class, d.Count, d.Held)
		held += d.Held
	}
	fmt.Fprintf(out, "total: %d buyer PII and %d personalisation records within %d days; %d more kept by a legal hold\n",
		plan.Total(retention.ClassBuyerPII), plan.Total(retention.ClassPersonalization), days, held)
	return nil
}

// discardRecorder accepts audit events without storing them; a dry run
// records none.
type discardRecorder struct{}

func (discardRecorder) Record(context.Context, audit.Event) error { return nil }
