package spapi_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/hidemont/spkit/spapi"
)

// modelsDir selects the SP-API models the plan table is checked against.
// The default is the reduced copies in testdata; point it at a checkout of
// github.com/amzn/selling-partner-api-models/models flattened into one
// directory to check newer models.
var modelsDir = flag.String("spapi.models", "testdata/models", "directory holding the SP-API model JSON files")

// modelAPIs maps each model file to the API name used in operation names.
var modelAPIs = map[string]string{
	"ordersV0.json":                 "orders",
	"orders_2026-01-01.json":        "orders20260101",
	"tokens_2021-03-01.json":        "tokens",
	"merchantFulfillmentV0.json":    "mfn",
	"shippingV2.json":               "shipping",
	"feeds_2021-06-30.json":         "feeds",
	"reports_2021-06-30.json":       "reports",
	"listingsItems_2021-08-01.json": "listings",
	"fbaInventory.json":             "fbainventory",
	"financesV0.json":               "finances",
	"finances_2024-06-19.json":      "finances20240619",
	"notifications.json":            "notifications",
}

// planRow matches the first row of the usage plan table in an operation's
// description: "| Rate (requests per second) | Burst |\n| ---- | ---- |\n| 0.0167 | 20 |".
var planRow = regexp.MustCompile(`Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\s*\|[-\s|]+\|\s*\n\s*\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|`)

// modelPlans reads the usage plan of every operation in the models.
func modelPlans(t *testing.T) map[string]spapi.Plan {
	t.Helper()
	out := make(map[string]spapi.Plan)
	for file, api := range modelAPIs {
		raw, err := os.ReadFile(filepath.Join(*modelsDir, file))
		if err != nil {
			t.Fatalf("reading model: %v", err)
		}
		var model struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(raw, &model); err != nil {
			t.Fatalf("decoding %s: %v", file, err)
		}
		for _, methods := range model.Paths {
			for _, rawOp := range methods {
				var op struct {
					OperationID string `json:"operationId"`
					Description string `json:"description"`
				}
				if json.Unmarshal(rawOp, &op) != nil || op.OperationID == "" {
					continue
				}
				m := planRow.FindStringSubmatch(op.Description)
				if m == nil {
					// Sandbox-only operations, such as FBA inventory's
					// createInventoryItem, publish no plan.
					continue
				}
				rate, err1 := strconv.ParseFloat(m[1], 64)
				burst, err2 := strconv.Atoi(m[2])
				if err1 != nil || err2 != nil {
					t.Errorf("%s %s: unreadable plan %q / %q", file, op.OperationID, m[1], m[2])
					continue
				}
				out[api+"."+op.OperationID] = spapi.Plan{Rate: rate, Burst: burst}
			}
		}
	}
	return out
}

func TestDefaultPlansMatchModels(t *testing.T) {
	t.Parallel()
	models := modelPlans(t)
	defaults := spapi.DefaultPlans()
	if len(defaults) < 50 {
		t.Fatalf("DefaultPlans has %d operations, want every operation spkit calls (at least 50)", len(defaults))
	}
	for op, got := range defaults {
		want, ok := models[op]
		if !ok {
			t.Errorf("%s: in DefaultPlans, but the models publish no plan for it", op)
			continue
		}
		if got != want {
			t.Errorf("%s: DefaultPlans = %+v, models publish %+v", op, got, want)
		}
	}
}

func TestDefaultPlansCoverKnownOperations(t *testing.T) {
	t.Parallel()
	defaults := spapi.DefaultPlans()
	for op, want := range map[string]spapi.Plan{
		"orders.getOrders":                   {Rate: 0.0167, Burst: 20},
		"orders20260101.searchOrders":        {Rate: 0.0056, Burst: 20},
		"finances20240619.listTransactions":  {Rate: 0.5, Burst: 10},
		"tokens.createRestrictedDataToken":   {Rate: 1, Burst: 10},
		"shipping.purchaseShipment":          {Rate: 80, Burst: 100},
		"fbainventory.getInventorySummaries": {Rate: 2, Burst: 2},
		"notifications.getDestinations":      {Rate: 1, Burst: 5},
	} {
		if got, ok := defaults[op]; !ok || got != want {
			t.Errorf("DefaultPlans()[%q] = %+v (present %v), want %+v", op, got, ok, want)
		}
	}
}

func TestDefaultPlansReturnsCopy(t *testing.T) {
	t.Parallel()
	a := spapi.DefaultPlans()
	a["orders.getOrders"] = spapi.Plan{Rate: 1000, Burst: 1000}
	if got := spapi.DefaultPlans()["orders.getOrders"]; got.Rate != 0.0167 {
		t.Errorf("DefaultPlans after changing a copy: getOrders rate = %v, want 0.0167", got.Rate)
	}
}
