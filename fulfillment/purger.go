package fulfillment

import (
	"context"
	"fmt"

	"github.com/hidemont/spkit/retention"
)

// RetentionPurger is the retention.Purger of the order store. For a batch
// of buyer PII or personalisation records it clears the orders' sealed
// data. PurgeBuyerData clears both classes at once, since both are kept 30
// days after shipment. For non-personal records it deletes the orders with
// their labels and shipments. Purging twice changes nothing, as retention
// requires.
type RetentionPurger struct {
	Store OrderStore
}

var _ retention.Purger = RetentionPurger{}

// Purge implements retention.Purger.
func (p RetentionPurger) Purge(ctx context.Context, b retention.Batch) error {
	bySeller := make(map[string][]string)
	for _, r := range b.Records {
		bySeller[r.SellerID] = append(bySeller[r.SellerID], r.OrderID)
	}
	for seller, ids := range bySeller {
		var err error
		switch b.Class {
		case retention.ClassBuyerPII, retention.ClassPersonalization:
			_, err = p.Store.PurgeBuyerData(ctx, seller, ids)
		case retention.ClassNonPII:
			_, err = p.Store.DeleteOrders(ctx, seller, ids)
		default:
			// Other classes hold no order data.
			continue
		}
		if err != nil {
			return fmt.Errorf("fulfillment: purge %s of %d orders of seller %s: %w", b.Class, len(ids), seller, err)
		}
	}
	return nil
}
