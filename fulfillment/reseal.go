package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
)

// maxConflictRetries bounds how often an order is read and rebuilt after
// another writer changed it.
const maxConflictRetries = 3

// MarkShipped records that the order shipped in full at shippedAt. It moves
// the order's retention records to the shipment anchor and the bucket of
// the shipment day (retention.ShipmentBucket). Then it re-seals the order's
// buyer data, gift messages and personalisation under that bucket, so that
// shredding the day's key 30 days later makes every copy unreadable. The
// order's revision guards the write; on a conflict with another writer the
// order is read again and the step repeated.
//
// The retention records move first: a crash before the re-sealed order is
// written leaves data in the old bucket anchored at the shipment, which the
// next call repeats. Marking an order that has a shipment time already
// changes nothing and returns it.
func MarkShipped(ctx context.Context, store OrderStore, sealer pii.Sealer, ret retention.Store, sellerID, orderID string, shippedAt time.Time) (*Order, error) {
	if shippedAt.IsZero() {
		return nil, &ValidationError{Field: "shipment time", Reason: "is missing"}
	}
	shippedAt = shippedAt.UTC()
	bucket := retention.ShipmentBucket(shippedAt)

	for attempt := 1; ; attempt++ {
		o, err := store.Order(ctx, sellerID, orderID)
		if err != nil {
			return nil, fmt.Errorf("fulfillment: mark order %s shipped: %w", orderID, err)
		}
		if !o.ShippedAt.IsZero() {
			return o, nil
		}

		if _, err := retention.MarkShipped(ctx, ret, sellerID, orderID, shippedAt, bucket); err != nil {
			return nil, fmt.Errorf("fulfillment: mark order %s shipped: %w", orderID, err)
		}
		if o.BuyerData != BuyerDataPurged {
			if err := Reseal(ctx, sealer, o, bucket); err != nil {
				return nil, err
			}
		}
		o.Bucket = bucket
		o.ShippedAt = shippedAt

		err = store.UpsertOrders(ctx, []*Order{o})
		var conflict *ConflictError
		if errors.As(err, &conflict) && attempt < maxConflictRetries {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fulfillment: mark order %s shipped: store the re-sealed order: %w", orderID, err)
		}
		return o, nil
	}
}

// Reseal re-encrypts every sealed value of the order (buyer data, gift
// messages, personalisation) from the bucket it was sealed under to bucket,
// in place. The clear bytes exist only between opening and sealing and are
// wiped afterwards; they are never revealed, so no reveal is audited. On
// error the order may be partly re-sealed and must not be stored.
func Reseal(ctx context.Context, sealer pii.Sealer, o *Order, bucket string) error {
	reseal := func(env *pii.Envelope, b pii.Binding) error {
		if env.IsZero() || env.Bucket == bucket {
			return nil
		}
		clear, err := sealer.Open(ctx, env.Bucket, b, env.Ciphertext)
		if err != nil {
			return fmt.Errorf("fulfillment: re-seal %s of order %s: open in bucket %s: %w", b.Column, o.OrderID, env.Bucket, err)
		}
		ct, err := sealer.Seal(ctx, bucket, b, clear)
		clearBytes(clear)
		if err != nil {
			return fmt.Errorf("fulfillment: re-seal %s of order %s: seal in bucket %s: %w", b.Column, o.OrderID, bucket, err)
		}
		*env = pii.Envelope{Kind: env.Kind, Bucket: bucket, Ciphertext: ct}
		return nil
	}

	buyer := []struct {
		env    *pii.Envelope
		column string
	}{
		{&o.Buyer.Name, ColumnBuyerName},
		{&o.Buyer.ShippingAddress, ColumnShippingAddress},
		{&o.Buyer.Phone, ColumnPhone},
		{&o.Buyer.Email, ColumnEmail},
		{&o.Buyer.TaxInfo, ColumnTaxInfo},
	}
	for _, p := range buyer {
		if err := reseal(p.env, BuyerBinding(o.SellerID, o.OrderID, p.column)); err != nil {
			return err
		}
	}
	for i := range o.Items {
		item := &o.Items[i]
		if err := reseal(&item.GiftMessage, GiftMessageBinding(o.SellerID, o.OrderID, item.OrderItemID)); err != nil {
			return err
		}
		for j := range item.Personalizations {
			p := &item.Personalizations[j]
			if err := reseal(&p.Text, PersonalizationBinding(o.SellerID, *p)); err != nil {
				return err
			}
		}
	}
	return nil
}

func clearBytes(b []byte) { clear(b) }
