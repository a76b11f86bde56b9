package fbainventory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/fbainventory"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestSummariesMatchDataset(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 100})
	ds := spapitest.NewDataset(51, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[2]
	c := fbainventory.New(srv.NewClient(t), sd.ID, sd.Region)
	mid := sd.Marketplaces[0]

	got, err := c.Summaries(context.Background(), fbainventory.SummariesParams{MarketplaceID: mid, Details: true})
	if err != nil {
		t.Fatalf("Summaries: %v", err)
	}
	want := map[string]*spapitest.InventoryItem{}
	for _, it := range sd.Inventory {
		if it.MarketplaceID == mid {
			want[it.SKU] = it
		}
	}
	if len(got) != len(want) {
		t.Fatalf("summaries = %d, want %d", len(got), len(want))
	}
	for _, s := range got {
		w := want[s.SellerSKU]
		if w == nil {
			t.Fatalf("unexpected SKU %q", s.SellerSKU)
		}
		if s.TotalQuantity != w.TotalQuantity() || s.InventoryDetails.FulfillableQuantity != w.FulfillableQuantity || s.FNSKU != w.FNSKU {
			t.Errorf("%q: summary = %+v", s.SellerSKU, s)
		}
	}
	if n := len(srv.RequestsFor("fbainventory.getInventorySummaries")); n < 2 {
		t.Errorf("pages = %d, want at least 2", n)
	}
}

func TestSummariesSelectedSKUs(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 100})
	ds := spapitest.NewDataset(51, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	c := fbainventory.New(srv.NewClient(t), sd.ID, sd.Region)
	skus := []string{"WALLET BRN/S", "BELT+BLK,95"}
	got, err := c.Summaries(context.Background(), fbainventory.SummariesParams{MarketplaceID: sd.Marketplaces[0], SellerSKUs: skus})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SellerSKU != skus[1] || got[1].SellerSKU != skus[0] {
		t.Errorf("summaries = %+v", got)
	}
}

func TestSummariesFailures(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 100})
	ds := spapitest.NewDataset(51, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	c := fbainventory.New(srv.NewClient(t), sd.ID, sd.Region)
	if _, err := c.Summaries(context.Background(), fbainventory.SummariesParams{}); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("no marketplace: err = %v", err)
	}
	srv.InjectFault(spapitest.Fault{Operation: "fbainventory.getInventorySummaries", Status: 503, Times: -1})
	if _, err := c.Summaries(context.Background(), fbainventory.SummariesParams{MarketplaceID: sd.Marketplaces[0]}); !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("503: err = %v", err)
	}
	srv.ClearFaults()
	srv.InjectFault(spapitest.Fault{Operation: "fbainventory.getInventorySummaries", Latency: time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Summaries(ctx, fbainventory.SummariesParams{MarketplaceID: sd.Marketplaces[0]}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: err = %v", err)
	}
}
