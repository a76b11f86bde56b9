// Command auditverify writes a short audit trail to a JSON lines file,
// verifies its hash chain, then edits one entry on disk, as an intruder
// covering tracks would, and shows that verification finds the edit.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

func main() {
	fs := flag.NewFlagSet("auditverify", flag.ContinueOnError)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "auditverify: unexpected argument %q: auditverify takes no arguments\n", fs.Arg(0))
		os.Exit(2)
	}

	dir, err := os.MkdirTemp("", "spkit-auditverify-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "auditverify: %v\n", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), dir, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "auditverify: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, out io.Writer) error {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := audit.NewKeyring(audit.Key{ID: "k1", Secret: secret})
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "audit.jsonl")
	sink, err := audit.OpenFile(audit.FileConfig{Path: path})
	if err != nil {
		return err
	}
	trail, err := audit.New(audit.Config{Keyring: keys, Sink: sink})
	if err != nil {
		return err
	}

	// A warehouse user reveals addresses to print labels; a job purges.
	ctx = pii.WithActor(ctx, pii.Actor{UserID: "u-1042", SourceIP: netip.MustParseAddr("192.0.2.17")})
	for i := range 5 {
		e := audit.FromContext(ctx, audit.ActionReveal)
		e.Outcome, e.SellerID, e.OrderID, e.Purpose = audit.OutcomeSuccess, "A1SYNTHSELLER", fmt.Sprintf("114-0000000-00000%02d", i), string(pii.PurposeFulfillment)
		if err := trail.Record(ctx, e); err != nil {
			return err
		}
	}
	purge := audit.Event{Actor: "svc:retention", Action: audit.ActionPurge, Outcome: audit.OutcomeSuccess, SellerID: "A1SYNTHSELLER", Bucket: "ship-2026-11-01", Count: 120}
	if err := trail.Record(ctx, purge); err != nil {
		return err
	}
	if err := trail.Close(ctx); err != nil {
		return err
	}
	head, err := sink.Head(ctx)
	if err != nil {
		return err
	}
	if err := sink.Close(); err != nil {
		return err
	}

	rep, err := audit.Verify(ctx, audit.ReadFiles(path), audit.VerifyOptions{Keyring: keys, End: &head})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "intact trail: %d entries, %d verified, ok=%t\n", rep.Entries, rep.Verified, rep.OK())
	if !rep.OK() {
		return fmt.Errorf("intact trail failed verification: %w", rep.Err())
	}

	// Change the purge count in the last line, leaving its MAC as it was.
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	edited := bytes.Replace(data, []byte(`"count":120`), []byte(`"count":12`), 1)
	if bytes.Equal(edited, data) {
		return errors.New("the purge entry has no count field to edit")
	}
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		return err
	}

	rep, err = audit.Verify(ctx, audit.ReadFiles(path), audit.VerifyOptions{Keyring: keys, End: &head})
	if err != nil {
		return err
	}
	if rep.Tampered == nil {
		return errors.New("an edited entry passed verification")
	}
	fmt.Fprintf(out, "edited trail: tampering found at entry %d: %v\n", rep.Tampered.Seq, rep.Tampered.Err)
	return nil
}
