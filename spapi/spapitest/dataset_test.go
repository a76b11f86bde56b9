package spapitest_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestDatasetDeterministic(t *testing.T) {
	t.Parallel()
	a := spapitest.NewDataset(99, spapitest.DatasetOptions{})
	b := spapitest.NewDataset(99, spapitest.DatasetOptions{})
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different data sets")
	}
	c := spapitest.NewDataset(100, spapitest.DatasetOptions{})
	if a.Sellers[0].Orders[0].Buyer.Name == c.Sellers[0].Orders[0].Buyer.Name && a.Sellers[0].ID == c.Sellers[0].ID {
		t.Error("different seeds gave the same data")
	}
}

func TestDatasetRegionsAndFormats(t *testing.T) {
	t.Parallel()
	ds := spapitest.NewDataset(1, spapitest.DatasetOptions{OrdersPerSeller: 40})
	regions := map[spapi.Region]bool{}
	postal := map[string]*regexp.Regexp{
		"US": regexp.MustCompile(`^\d{5}$`), "CA": regexp.MustCompile(`^[A-Z]\d[A-Z] \d[A-Z]\d$`),
		"GB": regexp.MustCompile(`^[A-Z]{2}\d{1,2} \d[A-Z]{2}$`), "DE": regexp.MustCompile(`^\d{5}$`),
		"FR": regexp.MustCompile(`^\d{5}$`), "IT": regexp.MustCompile(`^\d{5}$`), "ES": regexp.MustCompile(`^\d{5}$`),
		"JP": regexp.MustCompile(`^\d{3}-\d{4}$`), "AU": regexp.MustCompile(`^\d{4}$`),
	}
	for _, sd := range ds.Sellers {
		regions[sd.Region] = true
		for _, m := range sd.Marketplaces {
			r, err := spapi.MarketplaceRegion(m)
			if err != nil || r != sd.Region {
				t.Errorf("seller %s in %s sells in %s (%s)", sd.ID, sd.Region, m, r)
			}
		}
		for _, o := range sd.Orders {
			re := postal[o.ShipTo.CountryCode]
			if re == nil {
				t.Fatalf("unexpected country %q", o.ShipTo.CountryCode)
			}
			if !re.MatchString(o.ShipTo.PostalCode) {
				t.Errorf("%s postal code %q is not in the %s format", o.ID, o.ShipTo.PostalCode, o.ShipTo.CountryCode)
			}
		}
	}
	if len(regions) != 3 {
		t.Errorf("regions = %v, want NA, EU and FE", regions)
	}
}

func TestDatasetAwkwardSKUs(t *testing.T) {
	t.Parallel()
	ds := spapitest.NewDataset(1, spapitest.DatasetOptions{})
	var space, slash, plus, comma bool
	for _, l := range ds.Sellers[0].Listings {
		space = space || strings.Contains(l.SKU, " ")
		slash = slash || strings.Contains(l.SKU, "/")
		plus = plus || strings.Contains(l.SKU, "+")
		comma = comma || strings.Contains(l.SKU, ",")
	}
	if !space || !slash || !plus || !comma {
		t.Errorf("SKUs lack a space %v, slash %v, plus %v or comma %v", space, slash, plus, comma)
	}
}

func TestLoadKeepsExpectedValues(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(3, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	state := srv.SellerState(sd.ID)
	state.Orders[0].Status = "changed"
	if sd.Orders[0].Status == "changed" || srv.SellerState(sd.ID).Orders[0].Status == "changed" {
		t.Error("SellerState returned shared data")
	}
	if srv.SellerState("UNKNOWN") != nil {
		t.Error("unknown seller has state")
	}
	custom := 0
	for _, o := range srv.SellerState(sd.ID).Orders {
		for _, it := range o.Items {
			if len(it.Customization) > 0 {
				custom++
			}
		}
	}
	if custom == 0 {
		t.Error("no customised item")
	}
}

func TestSandboxTime(t *testing.T) {
	t.Parallel()
	a, b := spapitest.SandboxTime("TEST_CASE_200"), spapitest.SandboxTime("TEST_CASE_400")
	if a.Equal(b) || a.Year() != 2001 {
		t.Errorf("markers map to %v and %v", a, b)
	}
	if got := spapitest.SandboxTime("2019-10-31"); got.Format("2006-01-02T15:04:05Z07:00") != "2019-10-31T00:00:00Z" {
		t.Errorf("date maps to %v", got)
	}
	if got := spapitest.SandboxTime("2024-03-10T20:11:24.000Z"); got.Second() != 24 {
		t.Errorf("timestamp maps to %v", got)
	}
}

func TestSandboxVectorsLoad(t *testing.T) {
	t.Parallel()
	all, err := spapitest.SandboxVectors()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 300 {
		t.Errorf("vectors = %d, want the 311 generated", len(all))
	}
	names := map[string]bool{}
	for _, v := range all {
		if names[v.Name] {
			t.Errorf("duplicate vector %s", v.Name)
		}
		names[v.Name] = true
	}
}
