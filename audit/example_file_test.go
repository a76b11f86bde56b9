package audit_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hidemont/spkit/audit"
)

func ExampleOpenFile() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "audit-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	kr := exampleKeyring()
	sink, err := audit.OpenFile(audit.FileConfig{Path: filepath.Join(dir, "audit.jsonl")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sink.Close()
	trail, err := audit.New(audit.Config{Keyring: kr, Sink: sink})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, action := range []audit.Action{audit.ActionLogin, audit.ActionOrderSync, audit.ActionPurge} {
		e := audit.Event{Actor: "svc:orderflow", Action: action, Outcome: audit.OutcomeSuccess, SellerID: "A2EUQ1WTGCTBG2"}
		if err := trail.Record(ctx, e); err != nil {
			fmt.Println(err)
			return
		}
	}
	trail.Close(ctx)

	// Verify the files against the head the sink reached.
	head, _ := sink.Head(ctx)
	report, err := audit.Verify(ctx, sink.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	fmt.Println("verified", report.Verified, "ok", report.OK(), err)
	// Output:
	// verified 3 ok true <nil>
}

func ExamplePrune() {
	ctx := context.Background()
	kr := exampleKeyring()
	sink := audit.NewMemorySink()
	for range 5 {
		e := []audit.Entry{{Actor: "svc:orderflow", Action: audit.ActionOrderSync, Outcome: audit.OutcomeSuccess}}
		if err := sink.Append(ctx, kr, e); err != nil {
			fmt.Println(err)
			return
		}
	}

	// A checkpoint signed when the chain had three entries, kept elsewhere.
	pub, priv, _ := ed25519.GenerateKey(nil)
	third := sink.Entries()[2]
	signedAt := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	cp, _ := audit.SignCheckpoint(priv, "ops-2025", audit.Link{Seq: third.Seq, MAC: third.MAC}, signedAt)

	now := signedAt.AddDate(1, 1, 0)
	_, err := audit.Prune(ctx, sink, cp, pub, 180*24*time.Hour, now)
	fmt.Println(err)
	n, err := audit.Prune(ctx, sink, cp, pub, audit.MinRetention, now)
	fmt.Println("pruned", n, err)

	head, _ := sink.Head(ctx)
	report, _ := audit.Verify(ctx, sink.All(), audit.VerifyOptions{Keyring: kr, Start: cp.Link(), End: &head})
	fmt.Println("verified", report.Verified, "ok", report.OK())
	// Output:
	// audit: retention period 4320h0m0s is under the minimum of 8760h0m0s (365 days)
	// pruned 3 <nil>
	// verified 2 ok true
}
