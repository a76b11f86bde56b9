package audit_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

// exampleKeyring returns a keyring with a fixed secret, for deterministic
// output. Real secrets come from a secret store and are random.
func exampleKeyring() *audit.Keyring {
	kr, err := audit.NewKeyring(audit.Key{ID: "2026-12", Secret: []byte("example secret, 32 bytes or more!!")})
	if err != nil {
		panic(err)
	}
	return kr
}

func ExampleTrail() {
	ctx := context.Background()
	kr := exampleKeyring()
	sink := audit.NewMemorySink()
	trail, err := audit.New(audit.Config{Keyring: kr, Sink: sink})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer trail.Close(ctx)

	// The actor and subject usually travel in the context.
	ctx = pii.WithActor(ctx, pii.Actor{UserID: "u-1042", SourceIP: netip.MustParseAddr("198.51.100.23")})
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: "A2EUQ1WTGCTBG2", OrderID: "902-3159896-1390916"})

	e := audit.FromContext(ctx, audit.ActionLabelPurchase)
	if err := trail.Record(ctx, e); err != nil {
		fmt.Println("fail closed:", err) // do not buy the label
		return
	}
	// A generic account is rejected before anything is stored.
	e.Actor = "admin"
	fmt.Println(trail.Record(ctx, e))

	stored := sink.Entries()[0]
	fmt.Println(stored.Seq, stored.Actor, stored.Source, stored.Action, stored.Outcome)
	fmt.Println("order stored as pseudonym:", stored.OrderID)

	// Investigators find the entries of an order by its pseudonym.
	p, _ := kr.Pseudonym(stored.KeyID, "902-3159896-1390916")
	fmt.Println("pseudonym matches:", p == stored.OrderID)

	head, _ := sink.Head(ctx)
	report, err := audit.Verify(ctx, sink.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	fmt.Println("verified:", report.Verified, report.OK(), err)
	// Output:
	// audit: invalid event field Actor="admin": generic or shared account; record the user ID of the person, or svc:<job> for an automated job
	// 1 u-1042 198.51.100.0/24 label_purchase success
	// order stored as pseudonym: hmac:2026-12:B8wsnPScTcWsgkbqMY3nRQ
	// pseudonym matches: true
	// verified: 1 true <nil>
}

func ExampleTrail_AuditReveal() {
	ctx := context.Background()
	sink := audit.NewMemorySink()
	trail, err := audit.New(audit.Config{Keyring: exampleKeyring(), Sink: sink})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer trail.Close(ctx)

	// The trail is the auditor of the Revealer: no clear text without an
	// entry in the trail.
	revealer, err := pii.NewRevealer(pii.Policy{}, trail)
	if err != nil {
		fmt.Println(err)
		return
	}
	name, _ := pii.NewBuyerName(gofakeit.New(1).Name())
	ctx = pii.WithActor(ctx, pii.Actor{UserID: "svc:label-printer"})
	if _, err := revealer.Reveal(ctx, pii.PurposeFulfillment, name); err != nil {
		fmt.Println(err)
		return
	}
	e := sink.Entries()[0]
	fmt.Println(e.Actor, e.Action, e.Kind, e.Purpose)
	// Output:
	// svc:label-printer reveal buyer_name fulfillment
}
