package listings_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/listings"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	sd  *spapitest.SellerData
	c   *listings.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(31, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	return bundle{srv: srv, sd: sd, c: listings.New(srv.NewClient(t), sd.ID, sd.Region)}
}

func TestPatchQuantityAndPriceAwkwardSKUs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, l := range b.sd.Listings {
		if l.MarketplaceID != b.sd.Marketplaces[0] {
			continue
		}
		qty, _ := listings.QuantityPatch(l.Quantity + 3)
		price, err := listings.PricePatch(l.MarketplaceID, l.Currency, "42.50")
		if err != nil {
			t.Fatal(err)
		}
		sub, err := b.c.PatchListingsItem(ctx, l.SKU, l.MarketplaceID, l.ProductType, []listings.Patch{qty, price}, listings.PatchOptions{})
		if err != nil {
			t.Fatalf("%q: PatchListingsItem: %v", l.SKU, err)
		}
		if sub.Status != listings.StatusAccepted || sub.SKU != l.SKU {
			t.Errorf("%q: submission = %+v", l.SKU, sub)
		}
		item, err := b.c.GetListingsItem(ctx, l.SKU, l.MarketplaceID, listings.IncludeSummaries, listings.IncludeOffers, listings.IncludeFulfillmentAvailability)
		if err != nil {
			t.Fatalf("%q: GetListingsItem: %v", l.SKU, err)
		}
		if item.SKU != l.SKU || item.FulfillmentAvailability[0].Quantity != l.Quantity+3 || item.Offers[0].Price.Amount != "42.50" {
			t.Errorf("%q: item = %+v", l.SKU, item)
		}
	}
}

func TestPatchInvalidIsError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l := b.sd.Listings[0]
	price, _ := listings.PricePatch("A13V1IB3VIYZZH", "EUR", "10.00") // a marketplace the listing is not in
	_, err := b.c.PatchListingsItem(context.Background(), l.SKU, l.MarketplaceID, l.ProductType, []listings.Patch{price}, listings.PatchOptions{})
	var se *listings.SubmissionError
	if !errors.As(err, &se) || !errors.Is(err, listings.ErrSubmissionRejected) {
		t.Fatalf("err = %v, want *SubmissionError", err)
	}
	if se.Submission.Status != listings.StatusInvalid || len(se.Submission.Issues) == 0 {
		t.Errorf("submission = %+v", se.Submission)
	}
	if got := b.srv.SellerState(b.sd.ID).Listing(l.SKU, l.MarketplaceID).PriceCents; got != l.PriceCents {
		t.Errorf("price changed to %d by a rejected patch", got)
	}
}

func TestPatchValidationPreview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l := b.sd.Listings[1]
	qty, _ := listings.QuantityPatch(0)
	sub, err := b.c.PatchListingsItem(context.Background(), l.SKU, l.MarketplaceID, l.ProductType, []listings.Patch{qty}, listings.PatchOptions{ValidationPreview: true})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if sub.Status != listings.StatusValid {
		t.Errorf("status = %s, want VALID", sub.Status)
	}
	if got := b.srv.SellerState(b.sd.ID).Listing(l.SKU, l.MarketplaceID).Quantity; got != l.Quantity {
		t.Errorf("preview changed the quantity to %d", got)
	}
}

func TestPatchErrorIssueWithAccepted(t *testing.T) {
	t.Parallel()
	// An ACCEPTED status with an ERROR issue is still a failure.
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.Handle("listings.patchListingsItem", "PATCH", "/listings/2021-08-01/items/{sellerId}/{sku}", func(w http.ResponseWriter, r *http.Request, call *spapitest.Call) {
		spapitest.WriteJSON(w, 200, map[string]any{"sku": r.PathValue("sku"), "status": "ACCEPTED", "submissionId": "x",
			"issues": []map[string]any{{"code": "99022", "message": "price missing", "severity": "ERROR"}}})
	})
	qty, _ := listings.QuantityPatch(1)
	c := listings.New(srv.NewClient(t), "A1", spapi.Europe)
	_, err := c.PatchListingsItem(context.Background(), "S", "A1PA6795UKMFR9", "WALLET", []listings.Patch{qty}, listings.PatchOptions{})
	if !errors.Is(err, listings.ErrSubmissionRejected) {
		t.Errorf("err = %v, want ErrSubmissionRejected", err)
	}
}

func TestPatchBuilders(t *testing.T) {
	t.Parallel()
	if _, err := listings.QuantityPatch(-1); err == nil {
		t.Error("negative quantity accepted")
	}
	for _, bad := range []string{
		"", "0", "-1", "1.234", "1e3", "abc", "12,50",
		"NaN", "nan", "Inf", "infinity", "0x1p4", "1_000", " 5", "１２",
		"9999999999999999.99",
	} {
		if _, err := listings.PricePatch("A1PA6795UKMFR9", "EUR", bad); err == nil {
			t.Errorf("price %q accepted", bad)
		}
	}
	if _, err := listings.PricePatch("A1PA6795UKMFR9", "eur", "1.00"); err == nil {
		t.Error("lower-case currency accepted")
	}
	if _, err := listings.PricePatch("", "EUR", "1.00"); err == nil {
		t.Error("missing marketplace accepted")
	}
	p, err := listings.PricePatch("A1PA6795UKMFR9", "EUR", "19.9")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(p)
	want := `{"op":"replace","path":"/attributes/purchasable_offer","value":[{"marketplace_id":"A1PA6795UKMFR9","currency":"EUR","our_price":[{"schedule":[{"value_with_tax":19.9}]}]}]}`
	if string(data) != want {
		t.Errorf("patch = %s\nwant   %s", data, want)
	}
}

func TestGetListingsItemFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l := b.sd.Listings[0]
	if _, err := b.c.GetListingsItem(context.Background(), "NO SUCH SKU", l.MarketplaceID); !errors.Is(err, spapi.ErrNotFound) {
		t.Errorf("unknown SKU: err = %v, want ErrNotFound", err)
	}
	b.srv.InjectFault(spapitest.Fault{Operation: "listings.getListingsItem", Status: 503, Times: -1})
	if _, err := b.c.GetListingsItem(context.Background(), l.SKU, l.MarketplaceID); !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("503: err = %v, want ErrServerUnavailable", err)
	}
	b.srv.ClearFaults()
	for _, body := range []string{"", "{}", "null"} {
		b.srv.InjectFault(spapitest.Fault{Operation: "listings.getListingsItem", Status: 200, Body: body, ContentType: "application/json"})
		if _, err := b.c.GetListingsItem(context.Background(), l.SKU, l.MarketplaceID); !errors.Is(err, listings.ErrInvalidResponse) {
			t.Errorf("body %q: err = %v, want ErrInvalidResponse", body, err)
		}
	}
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := listings.New(srv.NewClient(t), "A1", spapi.NorthAmerica)
	ctx := context.Background()
	qty, _ := listings.QuantityPatch(1)
	params := func(v spapitest.Vector) (sku string, mids, included []string, mode string) {
		sku = "GM-ZDPI-9B4E"
		_ = json.Unmarshal(v.Parameters["sku"].Value, &sku)
		_ = json.Unmarshal(v.Parameters["marketplaceIds"].Value, &mids)
		_ = json.Unmarshal(v.Parameters["includedData"].Value, &included)
		_ = json.Unmarshal(v.Parameters["mode"].Value, &mode)
		if len(mids) == 0 {
			mids = []string{"ATVPDKIKX0DER"}
		}
		return
	}
	for _, v := range spapitest.SandboxVectorsFor("listings.getListingsItem") {
		t.Run(v.Name, func(t *testing.T) {
			sku, mids, _, _ := params(v)
			item, err := c.GetListingsItem(ctx, sku, mids[0])
			if v.Status < 300 {
				if err != nil || item.SKU == "" || len(item.Summaries) == 0 {
					t.Fatalf("item = %+v, err = %v", item, err)
				}
				return
			}
			checkStatus(t, v, err)
		})
	}
	for _, v := range spapitest.SandboxVectorsFor("listings.patchListingsItem") {
		t.Run(v.Name, func(t *testing.T) {
			sku, mids, included, mode := params(v)
			sub, err := c.PatchListingsItem(ctx, sku, mids[0], "LUGGAGE", []listings.Patch{qty}, listings.PatchOptions{ValidationPreview: mode == "VALIDATION_PREVIEW", IncludedData: included})
			switch {
			case v.Status >= 300:
				checkStatus(t, v, err)
			case sku == "VALIDATION_INVALID":
				if !errors.Is(err, listings.ErrSubmissionRejected) {
					t.Fatalf("err = %v, want ErrSubmissionRejected", err)
				}
			case err != nil || sub.SubmissionID == "":
				t.Fatalf("submission = %+v, err = %v", sub, err)
			}
		})
	}
}

func checkStatus(t *testing.T, v spapitest.Vector, err error) {
	t.Helper()
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != v.Status || apiErr.HasCode(spapitest.SandboxNoMatch) {
		t.Fatalf("err = %v, want status %d from the vector", err, v.Status)
	}
}
