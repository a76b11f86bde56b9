package retention

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Order describes a new order for [RegisterOrder].
type Order struct {
	SellerID string
	OrderID  string
	// Bucket is the retention bucket the order's data is sealed under until
	// it ships, such as OpenBucket(OrderedAt).
	Bucket string
	// OrderedAt is the order's purchase time, its anchor until it ships or
	// is cancelled.
	OrderedAt time.Time
	// BlindIndexes are blind indexes of the buyer, so that a deletion notice
	// naming the buyer finds the order.
	BlindIndexes [][]byte
	// Classes are the classes the order has data of; empty means
	// OrderClasses.
	Classes []Class
}

// RegisterOrder registers an order's records, one per class, anchored at its
// order time. Records of sealed classes get the order's bucket and the others
// get none. Otherwise non-PII, kept for 18 months, would keep the bucket's
// key alive, and with it every backup of the PII readable. Registering an
// order twice changes nothing.
func RegisterOrder(ctx context.Context, s Store, o Order) error {
	classes := o.Classes
	if len(classes) == 0 {
		classes = OrderClasses
	}
	recs := make([]Record, 0, len(classes))
	for _, c := range classes {
		r := Record{
			SellerID: o.SellerID, OrderID: o.OrderID, Class: c, Bucket: o.Bucket,
			Anchor: o.OrderedAt, BlindIndexes: o.BlindIndexes,
		}
		if !Sealed(c) {
			r.Bucket = ""
		}
		recs = append(recs, r)
	}
	if err := s.Register(ctx, recs); err != nil {
		return fmt.Errorf("retention: register order %q: %w", o.OrderID, err)
	}
	return nil
}

// Sealed reports whether the data of class c is sealed under a retention
// bucket's key: buyer PII and personalisation.
func Sealed(c Class) bool {
	return c == ClassBuyerPII || c == ClassPersonalization
}

// MarkShipped re-anchors an order's unpurged records at its shipment time and
// moves them into bucket, normally ShipmentBucket(shippedAt). The caller
// re-seals the order's data under bucket before or in the same step. It
// returns the number of records moved.
func MarkShipped(ctx context.Context, s Store, seller, orderID string, shippedAt time.Time, bucket string) (int, error) {
	if bucket == "" {
		return 0, &InvalidError{Field: "bucket", Reason: "missing; use ShipmentBucket(shippedAt)"}
	}
	n, err := s.Reanchor(ctx, Reanchor{SellerID: seller, OrderID: orderID, Anchor: shippedAt, Bucket: bucket})
	if err != nil {
		return 0, fmt.Errorf("retention: mark order %q shipped: %w", orderID, err)
	}
	return n, nil
}

// MarkCancelled re-anchors an order that will never ship at its cancellation
// time, leaving its bucket. It returns the number of records moved.
func MarkCancelled(ctx context.Context, s Store, seller, orderID string, cancelledAt time.Time) (int, error) {
	n, err := s.Reanchor(ctx, Reanchor{SellerID: seller, OrderID: orderID, Anchor: cancelledAt})
	if err != nil {
		return 0, fmt.Errorf("retention: mark order %q cancelled: %w", orderID, err)
	}
	return n, nil
}

// ShipmentBucket returns the bucket of orders shipped on the UTC day of t,
// such as "ship-2026-12-04". Orders shipped the same day share a data key,
// which is shredded once all of them are purged.
func ShipmentBucket(t time.Time) string {
	return "ship-" + t.UTC().Format(time.DateOnly)
}

// OpenBucket returns the bucket of orders placed on the UTC day of t that
// have not shipped yet, such as "open-2026-12-04".
func OpenBucket(t time.Time) string {
	return "open-" + t.UTC().Format(time.DateOnly)
}

func sortTimes(ts []time.Time) {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}
