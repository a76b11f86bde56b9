package fulfillment_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/retention"
)

func TestRetentionPurgerClasses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ring, store, ret := newKeyring(t), fulfillment.NewMemoryStore(), retention.NewMemoryStore()
	o, _ := storedCustomOrder(t, ring, store, ret)
	p := fulfillment.RetentionPurger{Store: store}
	batch := func(c retention.Class) retention.Batch {
		return retention.Batch{Class: c, Records: []retention.Record{{SellerID: o.SellerID, OrderID: o.OrderID, Class: c}}}
	}

	if err := p.Purge(ctx, batch(retention.ClassBuyerPII)); err != nil {
		t.Fatalf("Purge buyer PII: %v", err)
	}
	got, err := store.Order(ctx, o.SellerID, o.OrderID)
	if err != nil || got.BuyerData != fulfillment.BuyerDataPurged || !got.Buyer.Name.IsZero() {
		t.Fatalf("after the buyer PII purge: %v, buyer data %q", err, got.BuyerData)
	}
	for _, pz := range got.Items[1].Personalizations {
		if !pz.Text.IsZero() {
			t.Errorf("unit %d text remains after the purge", pz.Unit)
		}
	}
	if err := p.Purge(ctx, batch(retention.ClassPersonalization)); err != nil {
		t.Errorf("Purge personalisation again: %v", err)
	}

	if err := p.Purge(ctx, batch(retention.ClassNonPII)); err != nil {
		t.Fatalf("Purge non-PII: %v", err)
	}
	if _, err := store.Order(ctx, o.SellerID, o.OrderID); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("order after the non-PII purge: err = %v, want ErrNotFound", err)
	}
	if err := p.Purge(ctx, batch(retention.ClassNonPII)); err != nil {
		t.Errorf("second non-PII purge: %v", err)
	}
}
