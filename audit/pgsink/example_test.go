package pgsink_test

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/audit/pgsink"
)

func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:5432/erp?sslmode=disable")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	if err := pgsink.Migrate(ctx, pool); err != nil {
		fmt.Println(err)
		return
	}

	// The secret comes from a secret store; every process of the ERP uses
	// the same keyring and database, and their entries form one chain.
	kr, err := audit.NewKeyring(audit.Key{ID: "2026-12", Secret: []byte("load 32 or more random bytes here")})
	if err != nil {
		fmt.Println(err)
		return
	}
	sink := pgsink.New(pool)
	trail, err := audit.New(audit.Config{Keyring: kr, Sink: sink})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer trail.Close(ctx)

	if err := trail.Record(ctx, audit.Event{Actor: "svc:orderflow", Action: audit.ActionOrderSync, Outcome: audit.OutcomeSuccess}); err != nil {
		fmt.Println(err)
		return
	}

	head, err := sink.Head(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := audit.Verify(ctx, sink.All(ctx), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("chain ok:", report.OK())
}
