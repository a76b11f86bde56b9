package fulfillment

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/hidemont/spkit/pii"
)

func TestSyncIndexesAddressPhone(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	ro := b.addOrder(t, 0)
	number := b.faker.Numerify("+1 ###-###-####")
	addr, err := pii.NewAddress(pii.AddressParts{Name: b.faker.Name(), AddressLine1: b.faker.Street(), CountryCode: "US", Phone: number})
	if err != nil {
		t.Fatal(err)
	}
	ro.buyer.phone, ro.buyer.address = pii.Phone{}, addr

	if _, problems, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil || len(problems) != 0 {
		t.Fatalf("Sync: %v, problems %v", err, problems)
	}

	o, err := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pii.NewPhone(number)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pii.Open[pii.Phone](context.Background(), b.keyring, BuyerBinding(testSeller, o.OrderID, ColumnPhone), o.Buyer.Phone)
	if err != nil {
		t.Fatalf("open phone: %v", err)
	}
	if got != want {
		t.Error("sealed phone differs from the address's phone")
	}
	idx, err := pii.BlindIndexOf(context.Background(), b.keyring, testSeller, want)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := b.store.FindOrders(context.Background(), testSeller, pii.KindPhone, idx[:], 5)
	if err != nil || !slices.Equal(ids, []string{o.OrderID}) {
		t.Errorf("FindOrders by phone = %v, %v; want [%s]", ids, err, o.OrderID)
	}
}

func TestSyncPrefersSeparatePhone(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	ro := b.addOrder(t, 0)
	addr, err := pii.NewAddress(pii.AddressParts{AddressLine1: b.faker.Street(), CountryCode: "US", Phone: b.faker.Numerify("+1 ###-###-####")})
	if err != nil {
		t.Fatal(err)
	}
	ro.buyer.address = addr
	separate := ro.buyer.phone

	if _, problems, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil || len(problems) != 0 {
		t.Fatalf("Sync: %v, problems %v", err, problems)
	}

	o, err := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pii.Open[pii.Phone](context.Background(), b.keyring, BuyerBinding(testSeller, o.OrderID, ColumnPhone), o.Buyer.Phone)
	if err != nil {
		t.Fatalf("open phone: %v", err)
	}
	if got != separate {
		t.Error("sealed phone is not the phone Amazon returned apart from the address")
	}
}

func TestSyncSkipsAddressPhoneWithoutDigits(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	var logs bytes.Buffer
	b.sync.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ro := b.addOrder(t, 0)
	const notANumber = "ask at the front desk"
	addr, err := pii.NewAddress(pii.AddressParts{AddressLine1: b.faker.Street(), CountryCode: "US", Phone: notANumber})
	if err != nil {
		t.Fatal(err)
	}
	ro.buyer.phone, ro.buyer.address = pii.Phone{}, addr

	_, problems, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace))
	if err != nil || len(problems) != 0 {
		t.Fatalf("Sync: %v, problems %v", err, problems)
	}

	o, err := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.BuyerData != BuyerDataAvailable || o.Buyer.ShippingAddress.IsZero() {
		t.Errorf("order stored with buyer data %q and address sealed %v, want available and sealed", o.BuyerData, !o.Buyer.ShippingAddress.IsZero())
	}
	if !o.Buyer.Phone.IsZero() {
		t.Error("phone sealed from a part without digits")
	}
	if len(o.Index.Phone) != 0 {
		t.Error("phone index set from a part without digits")
	}
	if !strings.Contains(logs.String(), o.OrderID) {
		t.Errorf("log does not name order %s: %s", o.OrderID, logs.String())
	}
	if strings.Contains(logs.String(), notANumber) {
		t.Error("log contains the address's phone part")
	}
}
