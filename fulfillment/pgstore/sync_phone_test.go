package pgstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
)

// TestOrderSyncFindsOrderByPhone syncs a synthetic seller into PostgreSQL
// and finds each MFN order by the phone in its shipping address.
func TestOrderSyncFindsOrderByPhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := pgstore.New(pool)

	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 1000})
	ds := spapitest.NewDataset(5, spapitest.DatasetOptions{OrdersPerSeller: 30})
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
		Client: client, Store: store, Sealer: ring, Indexer: ring, Retention: retention.NewMemoryStore(), Recorder: discardRecorder{},
		Customizations:  &fulfillment.CustomFetcher{Revealer: revealer, HTTPClient: srv.Client()},
		InitialLookback: 90 * 24 * time.Hour, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}

	sd := ds.SellerIn(spapi.NorthAmerica)
	for _, m := range sd.Marketplaces {
		if _, err := sync.Run(ctx, sd.ID, m, nil); err != nil {
			t.Fatalf("Run: %v", err)
		}
	}

	actor := pii.WithActor(ctx, pii.Actor{UserID: "u-4711"})
	found := 0
	for _, want := range sd.Orders {
		o, err := store.Order(ctx, sd.ID, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.BuyerData != fulfillment.BuyerDataAvailable || want.FulfillmentChannel != "MFN" {
			continue
		}
		found++

		sealed, err := pii.Open[pii.Phone](actor, ring, fulfillment.BuyerBinding(sd.ID, o.OrderID, fulfillment.ColumnPhone), o.Buyer.Phone)
		if err != nil {
			t.Errorf("order %s: open phone read from PostgreSQL: %v", o.OrderID, err)
			continue
		}
		if clear, err := revealer.Reveal(actor, pii.PurposeDeliverySupport, sealed); err != nil || clear != want.ShipTo.Phone {
			t.Errorf("order %s: revealed phone does not match the data set (err %v)", o.OrderID, err)
		}

		p, err := pii.NewPhone(want.ShipTo.Phone)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := pii.BlindIndexOf(ctx, ring, sd.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := store.FindOrders(ctx, sd.ID, pii.KindPhone, idx[:], 10)
		if err != nil {
			t.Errorf("order %s: FindOrders by phone: %v", o.OrderID, err)
			continue
		}
		if !slices.Contains(ids, o.OrderID) {
			t.Errorf("order %s: FindOrders by phone returned %v, want it to contain the order", o.OrderID, ids)
		}
	}
	if found == 0 {
		t.Fatal("the data set has no MFN order with buyer data to look up")
	}
}
