package orders_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/internal/revealtest"
	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	ds  *spapitest.Dataset
	api *spapi.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 1000})
	ds := spapitest.NewDataset(42, spapitest.DatasetOptions{})
	srv.Load(ds)
	return bundle{srv: srv, ds: ds, api: srv.NewClient(t)}
}

func allIncluded() []string {
	return []string{orders.IncludeBuyer, orders.IncludeRecipient, orders.IncludeFulfillment, orders.IncludeProceeds, orders.IncludePackages}
}

func TestSearchOrdersDecodesBuyerData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, sd := range b.ds.Sellers {
		c := orders.New(b.api, sd.ID, sd.Region)
		seen := 0
		for page, err := range c.SearchOrders(ctx, orders.SearchParams{
			MarketplaceIDs:    sd.Marketplaces,
			CreatedAfter:      b.ds.Now.AddDate(0, 0, -90),
			IncludedData:      allIncluded(),
			MaxResultsPerPage: 5,
		}) {
			if err != nil {
				t.Fatalf("%s: SearchOrders: %v", sd.ID, err)
			}
			for _, o := range page.Orders {
				seen++
				want := sd.Order(o.OrderID)
				if want == nil {
					t.Fatalf("unknown order %s", o.OrderID)
				}
				checkOrder(t, o, want)
			}
		}
		if seen != len(sd.Orders) {
			t.Errorf("%s: orders = %d, want %d", sd.ID, seen, len(sd.Orders))
		}
	}
}

func checkOrder(t *testing.T, o orders.Order, want *spapitest.Order) {
	t.Helper()
	if o.Fulfillment == nil || o.Fulfillment.FulfillmentStatus != want.FulfillmentStatus() {
		t.Errorf("%s: fulfilment = %+v, want %s", o.OrderID, o.Fulfillment, want.FulfillmentStatus())
	}
	if len(o.OrderItems) != len(want.Items) {
		t.Fatalf("%s: items = %d, want %d", o.OrderID, len(o.OrderItems), len(want.Items))
	}
	if !want.HasBuyerData {
		if o.Buyer != nil || o.Recipient != nil {
			t.Errorf("%s: buyer data present for status %s", o.OrderID, want.Status)
		}
		return
	}
	if o.Buyer == nil || o.Recipient == nil {
		t.Fatalf("%s: buyer or recipient missing", o.OrderID)
	}
	if got := revealtest.Reveal(t, o.Buyer.BuyerName); got != want.Buyer.Name {
		t.Errorf("%s: buyer name = %q, want %q", o.OrderID, got, want.Buyer.Name)
	}
	if got := revealtest.Reveal(t, o.Buyer.BuyerEmail); got != want.Buyer.Email {
		t.Errorf("%s: buyer e-mail = %q, want %q", o.OrderID, got, want.Buyer.Email)
	}
	addr := revealtest.Address(t, o.Recipient.DeliveryAddress)
	if addr.PostalCode != want.ShipTo.PostalCode || addr.CountryCode != want.ShipTo.CountryCode || addr.City != want.ShipTo.City {
		t.Errorf("%s: address = %s %s %s, want %s %s %s", o.OrderID, addr.PostalCode, addr.City, addr.CountryCode,
			want.ShipTo.PostalCode, want.ShipTo.City, want.ShipTo.CountryCode)
	}
	if want.FulfillmentChannel == "MFN" {
		if addr.Name != want.ShipTo.Name || addr.AddressLine1 != want.ShipTo.AddressLine1 || addr.Phone != want.ShipTo.Phone {
			t.Errorf("%s: recipient name, street or phone differ", o.OrderID)
		}
	}
	for i, it := range o.OrderItems {
		wi := want.Items[i]
		if it.OrderItemID != wi.ID || it.Product.SellerSKU != wi.SKU || it.QuantityOrdered != wi.Quantity {
			t.Errorf("%s: item %d = %s %q x%d, want %s %q x%d", o.OrderID, i, it.OrderItemID, it.Product.SellerSKU, it.QuantityOrdered, wi.ID, wi.SKU, wi.Quantity)
		}
		if got := !it.CustomizedURL().IsZero(); got != (len(wi.Customization) > 0) {
			t.Errorf("%s: item %s has customisation URL %v, want %v", o.OrderID, wi.ID, got, len(wi.Customization) > 0)
		}
		if wi.GiftMessage != "" {
			if got := revealtest.Reveal(t, it.GiftMessage()); got != wi.GiftMessage {
				t.Errorf("%s: gift message = %q, want %q", o.OrderID, got, wi.GiftMessage)
			}
		}
	}
}

func TestSearchOrdersCoversDataset(t *testing.T) {
	t.Parallel()
	ds := spapitest.NewDataset(42, spapitest.DatasetOptions{})
	statuses := map[string]bool{}
	var afn, multiItem, multiQty, business, prime, custom, gift bool
	for _, sd := range ds.Sellers {
		for _, o := range sd.Orders {
			statuses[o.Status] = true
			afn = afn || o.FulfillmentChannel == "AFN"
			multiItem = multiItem || len(o.Items) > 1
			business = business || o.IsBusiness
			prime = prime || o.IsPrime
			for _, it := range o.Items {
				multiQty = multiQty || it.Quantity > 1
				custom = custom || len(it.Customization) > 1
				gift = gift || it.GiftMessage != ""
			}
		}
	}
	if len(statuses) != 8 {
		t.Errorf("statuses = %v, want all 8", statuses)
	}
	for name, ok := range map[string]bool{"AFN": afn, "multi-item": multiItem, "multi-quantity": multiQty, "business": business, "prime": prime, "per-unit customisation": custom, "gift": gift} {
		if !ok {
			t.Errorf("data set has no %s order", name)
		}
	}
}

func TestSearchOrdersFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[1]
	c := orders.New(b.api, sd.ID, sd.Region)
	want := 0
	for _, o := range sd.Orders {
		if o.FulfillmentStatus() == orders.StatusUnshipped && o.FulfillmentChannel == "MFN" {
			want++
		}
	}
	got := 0
	for page, err := range c.SearchOrders(context.Background(), orders.SearchParams{
		MarketplaceIDs:      sd.Marketplaces,
		CreatedAfter:        b.ds.Now.AddDate(0, 0, -90),
		FulfillmentStatuses: []string{orders.StatusUnshipped},
		FulfilledBy:         []string{orders.FulfilledByMerchant},
	}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			got++
			if o.Buyer != nil {
				t.Errorf("%s: buyer data without IncludeBuyer", o.OrderID)
			}
		}
	}
	if got != want || want == 0 {
		t.Errorf("unshipped merchant orders = %d, want %d (> 0)", got, want)
	}
}

func TestSearchOrdersRequiresDate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	for _, err := range orders.New(b.api, sd.ID, sd.Region).SearchOrders(context.Background(), orders.SearchParams{MarketplaceIDs: sd.Marketplaces}) {
		if !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("err = %v, want ErrInvalidRequest", err)
		}
	}
	if n := len(b.srv.RequestsFor("orders20260101.searchOrders")); n != 0 {
		t.Errorf("requests sent = %d, want 0", n)
	}
}

func TestGetOrdersV0WithRestrictedData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	pages := 0
	for page, err := range c.GetOrdersV0(context.Background(), orders.GetOrdersParams{ //nolint:staticcheck // v0 is under test
		MarketplaceIDs:    sd.Marketplaces,
		CreatedAfter:      b.ds.Now.AddDate(0, 0, -90),
		MaxResultsPerPage: 4,
		DataElements:      []string{orders.DataBuyerInfo, orders.DataShippingAddress},
	}) {
		if err != nil {
			t.Fatalf("GetOrdersV0: %v", err)
		}
		pages++
		for _, o := range page.Orders {
			want := sd.Order(o.AmazonOrderID)
			if o.OrderStatus != want.Status || o.IsBusinessOrder != want.IsBusiness || o.IsPrime != want.IsPrime {
				t.Errorf("%s: status %s business %v prime %v", o.AmazonOrderID, o.OrderStatus, o.IsBusinessOrder, o.IsPrime)
			}
			if !want.HasBuyerData {
				continue
			}
			if o.BuyerInfo == nil {
				t.Fatalf("%s: BuyerInfo missing with an RDT", o.AmazonOrderID)
			}
			if got := revealtest.Reveal(t, o.BuyerInfo.BuyerName); got != want.Buyer.Name {
				t.Errorf("%s: buyer = %q, want %q", o.AmazonOrderID, got, want.Buyer.Name)
			}
			if o.ShippingAddress.PostalCode() != want.ShipTo.PostalCode {
				t.Errorf("%s: postal code = %q, want %q", o.AmazonOrderID, o.ShippingAddress.PostalCode(), want.ShipTo.PostalCode)
			}
		}
	}
	if want := (len(sd.Orders) + 3) / 4; pages != want {
		t.Errorf("pages = %d, want %d", pages, want)
	}
	if n := len(b.srv.RequestsFor("tokens.createRestrictedDataToken")); n != 1 {
		t.Errorf("RDT requests = %d, want 1 for all pages", n)
	}
	for _, e := range b.srv.RequestsFor("orders.getOrders") {
		if tok := e.Query.Get("NextToken"); tok != "" && !strings.Contains(e.RawQuery, "%2F") && !strings.Contains(e.RawQuery, "%2B") {
			t.Errorf("page token not percent-encoded: %s", e.RawQuery)
		}
	}
}

func TestGetOrderItemsV0CustomizedURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	checked := 0
	for _, want := range sd.Orders {
		items, err := c.GetOrderItemsV0(context.Background(), want.ID, true)
		if err != nil {
			t.Fatalf("%s: %v", want.ID, err)
		}
		for i, it := range items {
			wi := want.Items[i]
			url := it.CustomizedURL()
			switch {
			case len(wi.Customization) > 0:
				checked++
				if got := revealtest.Reveal(t, url); !strings.HasPrefix(got, b.srv.URL+"/documents/") {
					t.Errorf("%s: customised URL = %q", wi.ID, got)
				}
			case !url.IsZero():
				t.Errorf("%s: URL set for an item without customisation (%s)", wi.ID, wi.URLForm)
			}
			if it.IsGift != (wi.GiftMessage != "") {
				t.Errorf("%s: IsGift = %v", wi.ID, it.IsGift)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no customised item in the data set")
	}
}

func TestGetOrderItemsV0WithoutRDT(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	items, err := orders.New(b.api, sd.ID, sd.Region).GetOrderItemsV0(context.Background(), sd.Orders[0].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.BuyerInfo != nil {
			t.Errorf("%s: buyer info without an RDT", it.OrderItemID)
		}
	}
	if n := len(b.srv.RequestsFor("tokens.createRestrictedDataToken")); n != 0 {
		t.Errorf("RDT requests = %d, want 0", n)
	}
}

func TestGetOrderAddressAndBuyerInfoV0(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[1]
	c := orders.New(b.api, sd.ID, sd.Region)
	for _, want := range sd.Orders {
		if !want.HasBuyerData || want.FulfillmentChannel != "MFN" {
			continue
		}
		a, err := c.GetOrderAddressV0(context.Background(), want.ID) //nolint:staticcheck // v0 is under test
		if err != nil {
			t.Fatal(err)
		}
		parts := revealtest.Address(t, a.ShippingAddress)
		if parts.Name != want.ShipTo.Name || parts.Phone != want.ShipTo.Phone || parts.CountryCode != want.ShipTo.CountryCode {
			t.Errorf("%s: address differs", want.ID)
		}
		bi, err := c.GetOrderBuyerInfoV0(context.Background(), want.ID) //nolint:staticcheck // v0 is under test
		if err != nil {
			t.Fatal(err)
		}
		if got := revealtest.Reveal(t, bi.BuyerEmail); got != want.Buyer.Email {
			t.Errorf("%s: e-mail = %q", want.ID, got)
		}
		return
	}
	t.Fatal("no merchant order with buyer data")
}

func TestConfirmShipment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	var target *spapitest.Order
	for _, o := range sd.Orders {
		if o.Status == spapitest.OrderUnshipped && o.FulfillmentChannel == "MFN" {
			target = o
			break
		}
	}
	if target == nil {
		t.Fatal("no unshipped merchant order")
	}
	var items []orders.ConfirmShipmentItem
	for _, it := range target.Items {
		items = append(items, orders.ConfirmShipmentItem{OrderItemID: it.ID, Quantity: it.Quantity})
	}
	err := c.ConfirmShipment(context.Background(), target.ID, orders.ConfirmShipmentRequest{
		MarketplaceID: target.MarketplaceID,
		PackageDetail: orders.PackageDetail{
			PackageReferenceID: "1", CarrierCode: "UPS", TrackingNumber: "1Z999", ShipDate: time.Now().Add(-time.Hour), OrderItems: items,
		},
	})
	if err != nil {
		t.Fatalf("ConfirmShipment: %v", err)
	}
	if got := b.srv.SellerState(sd.ID).Order(target.ID).Status; got != spapitest.OrderShipped {
		t.Errorf("status after confirmation = %s, want Shipped", got)
	}
	if got := target.Status; got != spapitest.OrderUnshipped {
		t.Errorf("expected values changed: status %s", got)
	}

	err = c.ConfirmShipment(context.Background(), target.ID, orders.ConfirmShipmentRequest{
		MarketplaceID: target.MarketplaceID,
		PackageDetail: orders.PackageDetail{PackageReferenceID: "2", CarrierCode: "UPS", TrackingNumber: "1Z998", ShipDate: time.Now(), OrderItems: items},
	})
	if !errors.Is(err, spapi.ErrInvalidInput) {
		t.Errorf("second confirmation: err = %v, want ErrInvalidInput", err)
	}
}

func TestConfirmShipmentValidates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	cases := map[string]orders.ConfirmShipmentRequest{
		"no marketplace": {PackageDetail: orders.PackageDetail{PackageReferenceID: "1", CarrierCode: "UPS", TrackingNumber: "1", ShipDate: time.Now(), OrderItems: []orders.ConfirmShipmentItem{{OrderItemID: "1", Quantity: 1}}}},
		"no items":       {MarketplaceID: sd.Marketplaces[0], PackageDetail: orders.PackageDetail{PackageReferenceID: "1", CarrierCode: "UPS", TrackingNumber: "1", ShipDate: time.Now()}},
		"no ship date":   {MarketplaceID: sd.Marketplaces[0], PackageDetail: orders.PackageDetail{PackageReferenceID: "1", CarrierCode: "UPS", TrackingNumber: "1", OrderItems: []orders.ConfirmShipmentItem{{OrderItemID: "1", Quantity: 1}}}},
	}
	for name, req := range cases {
		if err := c.ConfirmShipment(context.Background(), sd.Orders[0].ID, req); !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
	if err := c.ConfirmShipment(context.Background(), "", orders.ConfirmShipmentRequest{}); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("empty order ID: err = %v", err)
	}
}

func TestGetOrderFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault spapitest.Fault
		want  error
	}{
		{"server error", spapitest.Fault{Status: http.StatusInternalServerError, Times: -1}, spapi.ErrServerUnavailable},
		{"throttled", spapitest.Fault{Status: http.StatusTooManyRequests, Body: `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`, Times: -1}, spapi.ErrThrottled},
		{"not found", spapitest.Fault{Status: http.StatusNotFound, Body: `{"errors":[{"code":"NotFound","message":null}]}`}, spapi.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			sd := b.ds.Sellers[0]
			tc.fault.Operation = "orders20260101.getOrder"
			b.srv.InjectFault(tc.fault)
			_, err := orders.New(b.api, sd.ID, sd.Region).GetOrder(context.Background(), sd.Orders[0].ID, orders.IncludeBuyer)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestGetOrderRecoversFromDroppedConnection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	b.srv.InjectFault(spapitest.Fault{Operation: "orders20260101.getOrder", Drop: true})
	o, err := orders.New(b.api, sd.ID, sd.Region).GetOrder(context.Background(), sd.Orders[0].ID)
	if err != nil {
		t.Fatalf("GetOrder after a dropped connection: %v", err)
	}
	if o.OrderID != sd.Orders[0].ID {
		t.Errorf("order = %s", o.OrderID)
	}
}

func TestGetOrderTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	b.srv.InjectFault(spapitest.Fault{Operation: "orders20260101.getOrder", Latency: 2 * time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := orders.New(b.api, sd.ID, sd.Region).GetOrder(ctx, sd.Orders[0].ID)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestGetOrderServiceDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	if _, err := c.GetOrder(context.Background(), sd.Orders[0].ID); err != nil {
		t.Fatal(err) // warms the token cache
	}
	b.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.GetOrder(ctx, sd.Orders[0].ID); err == nil {
		t.Error("GetOrder succeeded with the server down")
	}
}

func TestGetOrderUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[2]
	// The server adds a field the models do not have to every order.
	o, err := orders.New(b.api, sd.ID, sd.Region).GetOrder(context.Background(), sd.Orders[1].ID, allIncluded()...)
	if err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	checkOrder(t, *o, sd.Orders[1])
}

func TestGetOrderEmptyResponse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.SellerIn(spapi.Europe)
	c := orders.New(b.api, sd.ID, spapi.Europe)
	ctx := context.Background()
	id := sd.Orders[0].ID
	for _, body := range []string{"", "{}", "null", `{"order":{}}`, `{"payload":{}}`} {
		b.srv.InjectFault(spapitest.Fault{Operation: "orders20260101.getOrder", Status: http.StatusOK, Body: body, ContentType: "application/json"})
		if o, err := c.GetOrder(ctx, id); !errors.Is(err, orders.ErrInvalidResponse) {
			t.Errorf("GetOrder with body %q = %+v, %v; want ErrInvalidResponse", body, o, err)
		}
		b.srv.InjectFault(spapitest.Fault{Operation: "orders.getOrder", Status: http.StatusOK, Body: body, ContentType: "application/json"})
		if o, err := c.GetOrderV0(ctx, id); !errors.Is(err, orders.ErrInvalidResponse) {
			t.Errorf("GetOrderV0 with body %q = %+v, %v; want ErrInvalidResponse", body, o, err)
		}
	}
}
