package mfn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/internal/revealtest"
	"github.com/hidemont/spkit/spapi/mfn"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func details(o *spapitest.Order) mfn.ShipmentRequestDetails {
	return mfn.ShipmentRequestDetails{
		AmazonOrderID: o.ID,
		ItemList:      []mfn.Item{{OrderItemID: o.Items[0].ID, Quantity: o.Items[0].Quantity}},
		ShipFromAddress: mfn.Address{
			Name: "Workshop", AddressLine1: "1 Lane", Email: "shipping@seller.example", City: "Springfield",
			StateOrProvinceCode: "CA", PostalCode: "12345", CountryCode: "US", Phone: "5550100",
		},
		PackageDimensions:      mfn.PackageDimensions{Length: 20, Width: 15, Height: 5, Unit: mfn.UnitCentimeters},
		Weight:                 mfn.Weight{Value: 400, Unit: mfn.UnitGrams},
		ShippingServiceOptions: mfn.ShippingServiceOptions{DeliveryExperience: "NoTracking", CarrierWillPickUp: false},
	}
}

func TestMerchantFulfillmentFlow(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(5, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	var o *spapitest.Order
	for _, cand := range sd.Orders {
		if cand.FulfillmentChannel == "MFN" && cand.Status == spapitest.OrderUnshipped {
			o = cand
			break
		}
	}
	c := mfn.New(srv.NewClient(t), sd.ID, sd.Region)
	ctx := context.Background()

	services, err := c.GetEligibleShipmentServices(ctx, mfn.EligibleServicesRequest{ShipmentRequestDetails: details(o)})
	if err != nil {
		t.Fatalf("GetEligibleShipmentServices: %v", err)
	}
	if len(services.ShippingServiceList) == 0 {
		t.Fatal("no services")
	}
	svc := services.ShippingServiceList[0]
	sh, err := c.CreateShipment(ctx, mfn.CreateShipmentRequest{ShipmentRequestDetails: details(o), ShippingServiceID: svc.ShippingServiceID, ShippingServiceOfferID: svc.ShippingServiceOfferID})
	if err != nil {
		t.Fatalf("CreateShipment: %v", err)
	}
	label, err := mfn.DecodeLabel(sh.Label.FileContents)
	if err != nil {
		t.Fatalf("DecodeLabel: %v", err)
	}
	if !bytes.HasPrefix(label, []byte("%PDF")) {
		t.Errorf("label = %q", label[:8])
	}
	if got := revealtest.Address(t, sh.ShipToAddress); got.Name != o.ShipTo.Name || got.PostalCode != o.ShipTo.PostalCode {
		t.Errorf("ship-to address differs from the order's")
	}
	got, err := c.GetShipment(ctx, sh.ShipmentID)
	if err != nil || got.Status != mfn.StatusPurchased {
		t.Fatalf("GetShipment: %v, status %v", err, got)
	}
	cancelled, err := c.CancelShipment(ctx, sh.ShipmentID)
	if err != nil || cancelled.Status != mfn.StatusRefundPending {
		t.Fatalf("CancelShipment: %v", err)
	}
	if n := len(srv.RequestsFor("tokens.createRestrictedDataToken")); n != 3 {
		t.Errorf("RDT requests = %d, want 3 (one per method and generic path)", n)
	}
}

func TestCreateShipmentEmptyResponse(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(5, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	var o *spapitest.Order
	for _, cand := range sd.Orders {
		if cand.FulfillmentChannel == "MFN" && cand.Status == spapitest.OrderUnshipped {
			o = cand
			break
		}
	}
	c := mfn.New(srv.NewClient(t), sd.ID, sd.Region)
	ctx := context.Background()
	services, err := c.GetEligibleShipmentServices(ctx, mfn.EligibleServicesRequest{ShipmentRequestDetails: details(o)})
	if err != nil || len(services.ShippingServiceList) == 0 {
		t.Fatalf("GetEligibleShipmentServices: %v", err)
	}
	svc := services.ShippingServiceList[0]
	req := mfn.CreateShipmentRequest{ShipmentRequestDetails: details(o), ShippingServiceID: svc.ShippingServiceID, ShippingServiceOfferID: svc.ShippingServiceOfferID}
	for _, body := range []string{"", "{}", `{"payload":{}}`} {
		srv.InjectFault(spapitest.Fault{Operation: "mfn.createShipment", Status: http.StatusOK, Body: body, ContentType: "application/json"})
		sh, err := c.CreateShipment(ctx, req)
		if !errors.Is(err, mfn.ErrInvalidResponse) {
			t.Errorf("body %q: CreateShipment = %+v, %v; want ErrInvalidResponse", body, sh, err)
		}
	}
}

func TestValidateRejectsVagueInputs(t *testing.T) {
	t.Parallel()
	o := &spapitest.Order{ID: "111-1111111-1111111", Items: []*spapitest.OrderItem{{ID: "1", Quantity: 1}}}
	cases := []struct {
		name  string
		edit  func(d *mfn.ShipmentRequestDetails)
		field string
	}{
		{"UK", func(d *mfn.ShipmentRequestDetails) { d.ShipFromAddress.CountryCode = "UK" }, "ShipmentRequestDetails.ShipFromAddress.CountryCode"},
		{"USA", func(d *mfn.ShipmentRequestDetails) { d.ShipFromAddress.CountryCode = "USA" }, "ShipmentRequestDetails.ShipFromAddress.CountryCode"},
		{"lower case", func(d *mfn.ShipmentRequestDetails) { d.ShipFromAddress.CountryCode = "us" }, "ShipmentRequestDetails.ShipFromAddress.CountryCode"},
		{"unassigned", func(d *mfn.ShipmentRequestDetails) { d.ShipFromAddress.CountryCode = "XX" }, "ShipmentRequestDetails.ShipFromAddress.CountryCode"},
		{"length unit", func(d *mfn.ShipmentRequestDetails) { d.PackageDimensions.Unit = "cm" }, "ShipmentRequestDetails.PackageDimensions.Unit"},
		{"weight unit", func(d *mfn.ShipmentRequestDetails) { d.Weight.Unit = "kg" }, "ShipmentRequestDetails.Weight.Unit"},
		{"zero weight", func(d *mfn.ShipmentRequestDetails) { d.Weight.Value = 0 }, "ShipmentRequestDetails.Weight.Value"},
		{"zero quantity", func(d *mfn.ShipmentRequestDetails) { d.ItemList[0].Quantity = 0 }, "ShipmentRequestDetails.ItemList[0].Quantity"},
		{"no phone", func(d *mfn.ShipmentRequestDetails) { d.ShipFromAddress.Phone = "" }, "ShipmentRequestDetails.ShipFromAddress.Phone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := details(o)
			tc.edit(&d)
			var ve *mfn.ValidationError
			if err := d.Validate(); !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.Field != tc.field {
				t.Errorf("field = %s, want %s", ve.Field, tc.field)
			}
		})
	}
	d := details(o)
	d.ShipFromAddress.CountryCode = "GB"
	if err := d.Validate(); err != nil {
		t.Errorf("GB: %v", err)
	}
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := mfn.New(srv.NewClient(t), "A1", spapi.NorthAmerica)
	ctx := context.Background()

	ops := map[string]func(v spapitest.Vector) error{
		"mfn.getEligibleShipmentServices": func(v spapitest.Vector) error {
			var body mfn.EligibleServicesRequest
			unmarshal(t, v, "body", &body)
			out, err := c.GetEligibleShipmentServices(ctx, body)
			if err == nil && len(out.ShippingServiceList) == 0 {
				return errors.New("no services decoded")
			}
			return err
		},
		"mfn.createShipment": func(v spapitest.Vector) error {
			var body mfn.CreateShipmentRequest
			unmarshal(t, v, "body", &body)
			sh, err := c.CreateShipment(ctx, body)
			if err == nil {
				if _, lerr := mfn.DecodeLabel(sh.Label.FileContents); lerr == nil {
					return errors.New("the truncated sandbox label decoded without error")
				}
			}
			return err
		},
		"mfn.getShipment": func(v spapitest.Vector) error {
			var id string
			unmarshal(t, v, "shipmentId", &id)
			_, err := c.GetShipment(ctx, id)
			return err
		},
		"mfn.cancelShipment": func(v spapitest.Vector) error {
			var id string
			unmarshal(t, v, "shipmentId", &id)
			_, err := c.CancelShipment(ctx, id)
			return err
		},
		"mfn.getAdditionalSellerInputs": func(v spapitest.Vector) error {
			var body mfn.AdditionalSellerInputsRequest
			unmarshal(t, v, "body", &body)
			_, err := c.GetAdditionalSellerInputs(ctx, body)
			return err
		},
	}
	for op, call := range ops {
		for _, v := range spapitest.SandboxVectorsFor(op) {
			t.Run(v.Name, func(t *testing.T) {
				err := call(v)
				if v.Status < 300 {
					if err != nil {
						t.Fatalf("%v", err)
					}
					return
				}
				// Amazon's 400 examples send CountryCode "USA" or "XX", which
				// Validate rejects before sending; others reach the server.
				var ve *mfn.ValidationError
				var apiErr *spapi.Error
				switch {
				case errors.As(err, &ve):
				case errors.As(err, &apiErr) && apiErr.StatusCode == v.Status && !apiErr.HasCode(spapitest.SandboxNoMatch):
				default:
					t.Fatalf("err = %v, want a *ValidationError or a %d", err, v.Status)
				}
			})
		}
	}
}

func unmarshal(t *testing.T, v spapitest.Vector, name string, out any) {
	t.Helper()
	if err := json.Unmarshal(v.Parameters[name].Value, out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
