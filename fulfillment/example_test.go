package fulfillment_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
	"github.com/hidemont/spkit/vaultkms"
)

// The idempotency key of a label depends only on seller, order and package,
// so a retry after a crash sends the same key.
func ExampleLabelKey() {
	key, err := fulfillment.LabelKey("A2EXAMPLESELLER", "113-1234567-7654321", "1")
	if err != nil {
		log.Fatal(err)
	}
	again, _ := fulfillment.LabelKey("A2EXAMPLESELLER", "113-1234567-7654321", "1")
	fmt.Println(len(key), key == again)
	// Output: 36 true
}

// Each unit of a customised item gets its own text, bound to the order,
// item, SKU, ASIN and unit.
func ExampleLinkPersonalizations() {
	ctx := context.Background()
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		log.Fatal(err)
	}
	o := &fulfillment.Order{
		SellerID: "A2EXAMPLESELLER", MarketplaceID: "A1PA6795UKMFR9", OrderID: "302-1234567-7654321",
		Status: "Unshipped", LastUpdateDate: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		BuyerData: fulfillment.BuyerDataNotProvided, Bucket: "open-2026-12-01",
		Items: []fulfillment.OrderItem{{
			OrderItemID: "12345678901234", SKU: "WALLET BRN/S", ASIN: "B0EXAMPLE1", Quantity: 2,
			Customization: fulfillment.CustomizationPending,
		}},
	}
	var units []fulfillment.UnitCustomization
	for _, initials := range []string{"ABC", "XYZ"} {
		text, err := pii.NewPersonalization(initials)
		if err != nil {
			log.Fatal(err)
		}
		units = append(units, fulfillment.UnitCustomization{Parts: []fulfillment.CustomizationPart{
			{Part: "Monogram", Text: text, Font: "Serif", Color: "Gold"},
		}})
	}

	err = fulfillment.LinkPersonalizations(ctx, ring, o, []fulfillment.ItemCustomization{{OrderItemID: "12345678901234", Units: units}})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range o.Items[0].Personalizations {
		fmt.Println(p.OrderItemID, p.SKU, "unit", p.Unit, p.Part, p.Text.Kind, p.Text.Bucket)
	}

	// One text for two units is a mismatch, so nothing is made wrongly.
	o.Items[0].Customization = fulfillment.CustomizationPending
	o.Items[0].Personalizations = nil
	err = fulfillment.LinkPersonalizations(ctx, ring, o, []fulfillment.ItemCustomization{{OrderItemID: "12345678901234", Units: units[:1]}})
	fmt.Println(err)
	// Output:
	// 12345678901234 WALLET BRN/S unit 1 Monogram personalization open-2026-12-01
	// 12345678901234 WALLET BRN/S unit 2 Monogram personalization open-2026-12-01
	// fulfillment: personalisation of order 302-1234567-7654321 item 12345678901234: personalisation given for 1 units, but 2 were ordered; each unit needs its own
}

// An order sync against spapitest, the fake SP-API, with every store in
// memory. Against Amazon only the client's configuration and the stores
// change.
func ExampleOrderSync() {
	srv := spapitest.New(spapitest.Options{TimeScale: 1000})
	defer srv.Close()
	ds := spapitest.NewDataset(7, spapitest.DatasetOptions{})
	srv.Load(ds)
	client, err := spapi.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		log.Fatal(err)
	}
	trail := &eventLog{}
	revealer, err := pii.NewRevealer(pii.DefaultPolicy(), trail)
	if err != nil {
		log.Fatal(err)
	}

	sync, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client:          client,
		Store:           fulfillment.NewMemoryStore(),
		Sealer:          ring,
		Indexer:         ring,
		Retention:       retention.NewMemoryStore(),
		Recorder:        trail,
		Customizations:  &fulfillment.CustomFetcher{Revealer: revealer, HTTPClient: srv.Client()},
		InitialLookback: 90 * 24 * time.Hour,
		Now:             func() time.Time { return ds.Now.Add(49 * time.Hour) },
	})
	if err != nil {
		log.Fatal(err)
	}

	seller := ds.SellerIn(spapi.Europe)
	stored := 0
	for _, m := range seller.Marketplaces {
		for o, err := range sync.Sync(context.Background(), seller.ID, m) {
			if o == nil {
				log.Fatal(err)
			}
			stored++
		}
	}
	fmt.Println(stored == len(seller.Orders))
	// Output: true
}
