package retention_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

// printRecorder prints audit events; a real ERP passes its audit trail.
type printRecorder struct{}

func (printRecorder) Record(_ context.Context, e audit.Event) error {
	fmt.Printf("audit: %s %s seller=%s bucket=%s order=%s count=%d\n", e.Action, e.Reason, e.SellerID, e.Bucket, e.OrderID, e.Count)
	return nil
}

// keyShredder prints shreds; a real ERP passes its vaultkms.Keyring.
type keyShredder struct{}

func (keyShredder) Shred(_ context.Context, seller, bucket string) error {
	fmt.Printf("shred: seller=%s bucket=%s\n", seller, bucket)
	return nil
}

// Fulfillment registers an order when it stores it and re-anchors it when it
// ships. A runner purges it 28 days later (30 days minus the 2-day safety
// margin) and shreds the shipment day's key. It also shreds the order day's
// key: the order left that bucket when it shipped, so only backups still
// hold data under it, and that data became due 28 days after the order.
func ExampleRunner() {
	ctx := context.Background()
	store := retention.NewMemoryStore()

	ordered := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	shipped := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	err := retention.RegisterOrder(ctx, store, retention.Order{
		SellerID: "A2EXAMPLESELLER", OrderID: "902-3159896-1390916",
		Bucket: retention.OpenBucket(ordered), OrderedAt: ordered,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := retention.MarkShipped(ctx, store, "A2EXAMPLESELLER", "902-3159896-1390916", shipped, retention.ShipmentBucket(shipped)); err != nil {
		log.Fatal(err)
	}

	now := shipped.Add(28 * 24 * time.Hour)
	runner, err := retention.NewRunner(retention.Config{
		Store:           store,
		Recorder:        printRecorder{},
		Shredder:        keyShredder{},
		GroupedEvidence: true,
		Now:             func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := runner.RunOnce(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("buyer PII purged:", rep.Purged[retention.ClassBuyerPII])
	fmt.Println("non-PII purged:", rep.Purged[retention.ClassNonPII])
	// Output:
	// shred: seller=A2EXAMPLESELLER bucket=open-2026-12-01
	// shred: seller=A2EXAMPLESELLER bucket=ship-2026-12-02
	// audit: purge buyer_pii seller=A2EXAMPLESELLER bucket=ship-2026-12-02 order= count=1
	// audit: purge personalization seller=A2EXAMPLESELLER bucket=ship-2026-12-02 order= count=1
	// audit: shred  seller=A2EXAMPLESELLER bucket=open-2026-12-01 order= count=0
	// audit: shred  seller=A2EXAMPLESELLER bucket=ship-2026-12-02 order= count=0
	// buyer PII purged: 1
	// non-PII purged: 0
}

// A dry run shows what runs would purge over the coming days.
func ExampleRunner_Plan() {
	ctx := context.Background()
	store := retention.NewMemoryStore()
	shipped := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"} {
		at := shipped.Add(time.Duration(i) * 24 * time.Hour)
		if err := retention.RegisterOrder(ctx, store, retention.Order{SellerID: "A2EXAMPLESELLER", OrderID: id, Bucket: retention.ShipmentBucket(at), OrderedAt: at}); err != nil {
			log.Fatal(err)
		}
	}
	runner, err := retention.NewRunner(retention.Config{
		Store: store, Recorder: printRecorder{}, Shredder: keyShredder{},
		Now: func() time.Time { return shipped.Add(27 * 24 * time.Hour) },
	})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := runner.Plan(ctx, 4)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range plan.Days {
		fmt.Println(d.Day.Format(time.DateOnly), d.Class, d.Count)
	}
	// Output:
	// 2026-12-01 buyer_pii 1
	// 2026-12-01 personalization 1
	// 2026-12-02 buyer_pii 1
	// 2026-12-02 personalization 1
	// 2026-12-03 buyer_pii 1
	// 2026-12-03 personalization 1
}
