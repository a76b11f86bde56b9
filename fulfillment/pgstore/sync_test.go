package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	retentionpg "github.com/hidemont/spkit/retention/pgstore"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
)

// TestOrderSyncIntoPostgres syncs a synthetic seller into PostgreSQL, ships
// one order, and reads the linked personalisation back from the database.
func TestOrderSyncIntoPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := retentionpg.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	ret, err := retentionpg.New(pool, retentionpg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := pgstore.New(pool)

	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 1000})
	ds := spapitest.NewDataset(3, spapitest.DatasetOptions{OrdersPerSeller: 40})
	srv.Load(ds)
	client, err := spapi.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	revealer, err := pii.NewRevealer(pii.DefaultPolicy(), discardRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	now := ds.Now.Add(49 * time.Hour)
	sync, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client: client, Store: store, Sealer: ring, Indexer: ring, Retention: ret, Recorder: discardRecorder{},
		Customizations:  &fulfillment.CustomFetcher{Revealer: revealer, HTTPClient: srv.Client()},
		InitialLookback: 90 * 24 * time.Hour, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}

	sd := ds.SellerIn(spapi.Europe)
	stored := 0
	for _, m := range sd.Marketplaces {
		rep, err := sync.Run(ctx, sd.ID, m, nil)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		stored += rep.Created
	}
	if stored != len(sd.Orders) {
		t.Fatalf("stored %d orders, want %d", stored, len(sd.Orders))
	}

	// Every customised item reads back linked, with each unit's text.
	actor := pii.WithActor(ctx, pii.Actor{UserID: "u-4711"})
	linked := 0
	for _, want := range sd.Orders {
		o, err := store.Order(ctx, sd.ID, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, wi := range want.Items {
			item, _ := o.Item(wi.ID)
			if len(wi.Customization) == 0 || o.BuyerData == fulfillment.BuyerDataPurged {
				continue
			}
			for _, p := range item.Personalizations {
				if p.Part != "Monogram" {
					continue
				}
				var text string
				if err := fulfillment.RevealPersonalization(actor, ring, revealer, o, p, func(b []byte) error { text = string(b); return nil }); err != nil {
					t.Fatalf("reveal: %v", err)
				}
				if text != wi.Customization[p.Unit-1].Text {
					t.Errorf("order %s item %s unit %d: text differs from the data set", o.OrderID, wi.ID, p.Unit)
				}
				linked++
			}
		}
	}
	if linked == 0 {
		t.Error("no personalisation was linked; the data set should have some")
	}

	// Shipping an order moves its retention records to the shipment day.
	var target *spapitest.Order
	for _, o := range sd.Orders {
		if o.FulfillmentChannel == "MFN" && o.Status == spapitest.OrderUnshipped {
			target = o
			break
		}
	}
	shipped := now.Add(-time.Hour)
	o, err := fulfillment.MarkShipped(ctx, store, ring, ret, sd.ID, target.ID, shipped)
	if err != nil {
		t.Fatalf("MarkShipped: %v", err)
	}
	if o.Bucket != retention.ShipmentBucket(shipped) {
		t.Errorf("bucket after shipment %q, want %q", o.Bucket, retention.ShipmentBucket(shipped))
	}
	rule, _ := retention.DefaultPolicy().Rule(retention.ClassBuyerPII)
	due := shipped.Add(rule.Age())
	p, err := ret.Pending(ctx, retention.Selector{Class: retention.ClassBuyerPII, SellerID: sd.ID, OrderIDs: []string{target.ID}, Cutoff: rule.Cutoff(due)}, due)
	if err != nil || p.Due != 1 {
		t.Errorf("buyer PII record due at shipment + %v: %+v, %v; want 1", rule.Age(), p, err)
	}
}
