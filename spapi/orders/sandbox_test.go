package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/spapitest"
)

const sandboxSeller = "ASANDBOXSELLER"

// sandbox starts a server that serves Amazon's sandbox vectors.
func sandbox(t *testing.T) *spapitest.Server {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: sandboxSeller})
	srv.EnableSandbox()
	return srv
}

// param returns a vector parameter decoded into v.
func param(t *testing.T, v spapitest.Vector, name string, out any) bool {
	t.Helper()
	p, ok := v.Parameters[name]
	if !ok || !p.HasValue() {
		return false
	}
	if err := json.Unmarshal(p.Value, out); err != nil {
		t.Fatalf("parameter %s: %v", name, err)
	}
	return true
}

// checkOutcome checks err against the vector's status: nil for 2xx, and
// otherwise an *spapi.Error with that status and the vector's error code.
func checkOutcome(t *testing.T, v spapitest.Vector, err error) bool {
	t.Helper()
	if v.Status < 300 {
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		return true
	}
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: err = %v, want *spapi.Error", v.Name, err)
	}
	if apiErr.StatusCode != v.Status {
		t.Errorf("%s: status = %d, want %d", v.Name, apiErr.StatusCode, v.Status)
	}
	var body struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	_ = json.Unmarshal(v.Response, &body)
	if len(body.Errors) > 0 && !apiErr.HasCode(body.Errors[0].Code) {
		t.Errorf("%s: error codes = %+v, want %s", v.Name, apiErr.Errors, body.Errors[0].Code)
	}
	return false
}

func regionOf(t *testing.T, marketplaceIDs []string) spapi.Region {
	t.Helper()
	if len(marketplaceIDs) == 0 {
		return spapi.NorthAmerica
	}
	r, err := spapi.MarketplaceRegion(marketplaceIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// responseOrderIDs returns the order IDs of a v0 or 2026-01-01 response.
func responseOrderIDs(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var r struct {
		Payload struct {
			Orders []struct {
				AmazonOrderID string `json:"AmazonOrderId"`
			}
			AmazonOrderID string `json:"AmazonOrderId"`
		}
		Orders []struct {
			OrderID string `json:"orderId"`
		}
		Order struct {
			OrderID string `json:"orderId"`
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range r.Payload.Orders {
		ids = append(ids, o.AmazonOrderID)
	}
	for _, o := range r.Orders {
		ids = append(ids, o.OrderID)
	}
	if r.Order.OrderID != "" {
		ids = append(ids, r.Order.OrderID)
	}
	if r.Payload.AmazonOrderID != "" {
		ids = append(ids, r.Payload.AmazonOrderID)
	}
	return ids
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := sandbox(t)
	api := srv.NewClient(t)
	ctx := context.Background()

	operations := map[string]func(t *testing.T, v spapitest.Vector){
		"orders20260101.searchOrders": func(t *testing.T, v spapitest.Vector) {
			var p orders.SearchParams
			var created string
			param(t, v, "createdAfter", &created)
			p.CreatedAfter = spapitest.SandboxTime(created)
			param(t, v, "marketplaceIds", &p.MarketplaceIDs)
			param(t, v, "includedData", &p.IncludedData)
			param(t, v, "paginationToken", &p.PageToken)
			c := orders.New(api, sandboxSeller, regionOf(t, p.MarketplaceIDs))
			for page, err := range c.SearchOrders(ctx, p) {
				if !checkOutcome(t, v, err) {
					return
				}
				var got []string
				for _, o := range page.Orders {
					got = append(got, o.OrderID)
				}
				assertIDs(t, got, responseOrderIDs(t, v.Response))
				break // the next page belongs to another vector
			}
		},
		"orders20260101.getOrder": func(t *testing.T, v spapitest.Vector) {
			var id string
			var included []string
			param(t, v, "orderId", &id)
			param(t, v, "includedData", &included)
			o, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrder(ctx, id, included...)
			if checkOutcome(t, v, err) {
				assertIDs(t, []string{o.OrderID}, responseOrderIDs(t, v.Response))
			}
		},
		"orders.getOrders": func(t *testing.T, v spapitest.Vector) {
			var p orders.GetOrdersParams
			var created string
			param(t, v, "CreatedAfter", &created)
			p.CreatedAfter = spapitest.SandboxTime(created)
			param(t, v, "MarketplaceIds", &p.MarketplaceIDs)
			param(t, v, "NextToken", &p.PageToken)
			c := orders.New(api, sandboxSeller, regionOf(t, p.MarketplaceIDs))
			for page, err := range c.GetOrdersV0(ctx, p) { //nolint:staticcheck // v0 is under test
				if !checkOutcome(t, v, err) {
					return
				}
				var got []string
				for _, o := range page.Orders {
					got = append(got, o.AmazonOrderID)
				}
				assertIDs(t, got, responseOrderIDs(t, v.Response))
				break
			}
		},
		"orders.getOrder": func(t *testing.T, v spapitest.Vector) {
			var id string
			param(t, v, "orderId", &id)
			o, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrderV0(ctx, id) //nolint:staticcheck // v0 is under test
			if checkOutcome(t, v, err) {
				assertIDs(t, []string{o.AmazonOrderID}, responseOrderIDs(t, v.Response))
			}
		},
		"orders.getOrderBuyerInfo": func(t *testing.T, v spapitest.Vector) {
			var id string
			param(t, v, "orderId", &id)
			b, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrderBuyerInfoV0(ctx, id) //nolint:staticcheck // v0 is under test
			if checkOutcome(t, v, err) && b.BuyerEmail.IsZero() {
				t.Error("buyer e-mail not decoded")
			}
		},
		"orders.getOrderAddress": func(t *testing.T, v spapitest.Vector) {
			var id string
			param(t, v, "orderId", &id)
			a, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrderAddressV0(ctx, id) //nolint:staticcheck // v0 is under test
			if checkOutcome(t, v, err) && a.ShippingAddress.IsZero() {
				t.Error("shipping address not decoded")
			}
		},
		"orders.getOrderItems": func(t *testing.T, v spapitest.Vector) {
			var id string
			param(t, v, "orderId", &id)
			items, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrderItemsV0(ctx, id, false)
			if checkOutcome(t, v, err) && (len(items) == 0 || items[0].OrderItemID == "") {
				t.Errorf("items = %+v", items)
			}
		},
		"orders.getOrderItemsBuyerInfo": func(t *testing.T, v spapitest.Vector) {
			var id string
			param(t, v, "orderId", &id)
			items, err := orders.New(api, sandboxSeller, spapi.NorthAmerica).GetOrderItemsBuyerInfoV0(ctx, id) //nolint:staticcheck // v0 is under test
			if checkOutcome(t, v, err) && len(items) == 0 {
				t.Error("no items decoded")
			}
		},
		"orders.confirmShipment": func(t *testing.T, v spapitest.Vector) {
			var id string
			var body struct {
				MarketplaceID string `json:"marketplaceId"`
				PackageDetail struct {
					PackageReferenceID     string `json:"packageReferenceId"`
					CarrierCode            string `json:"carrierCode"`
					CarrierName            string `json:"carrierName"`
					ShippingMethod         string `json:"shippingMethod"`
					TrackingNumber         string `json:"trackingNumber"`
					ShipDate               string `json:"shipDate"`
					ShipFromSupplySourceID string `json:"shipFromSupplySourceId"`
					OrderItems             []orders.ConfirmShipmentItem
				} `json:"packageDetail"`
			}
			param(t, v, "orderId", &id)
			param(t, v, "body", &body)
			d := body.PackageDetail
			req := orders.ConfirmShipmentRequest{
				MarketplaceID: body.MarketplaceID,
				PackageDetail: orders.PackageDetail{
					PackageReferenceID: d.PackageReferenceID, CarrierCode: d.CarrierCode, CarrierName: d.CarrierName,
					ShippingMethod: d.ShippingMethod, TrackingNumber: d.TrackingNumber,
					ShipDate: spapitest.SandboxTime(d.ShipDate), ShipFromSupplySourceID: d.ShipFromSupplySourceID,
					OrderItems: d.OrderItems,
				},
			}
			err := orders.New(api, sandboxSeller, spapi.NorthAmerica).ConfirmShipment(ctx, id, req)
			checkOutcome(t, v, err)
		},
	}

	for op, run := range operations {
		vectors := spapitest.SandboxVectorsFor(op)
		if len(vectors) == 0 {
			t.Errorf("no sandbox vectors for %s", op)
		}
		for _, v := range vectors {
			t.Run(v.Name, func(t *testing.T) { run(t, v) })
		}
	}
}

func assertIDs(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("order IDs = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("order ID %d = %s, want %s", i, got[i], want[i])
		}
	}
}
