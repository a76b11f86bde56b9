package fulfillment

import (
	"context"
	"fmt"

	"github.com/hidemont/spkit/pii"
)

// Revealing stored buyer data takes two steps: the sealer opens the stored
// envelope into an in-memory pii value, and the Revealer checks the purpose
// and actor, audits the access and only then returns clear text. The
// functions below do both for the parts fulfilment needs, with the order as
// the audited subject.

// RevealShippingAddress returns the order's shipping address in clear for
// the purpose, such as pii.PurposeFulfillment to print a packing slip. The
// context must carry the actor (pii.WithActor). It returns the zero
// AddressParts when the order has no address, and a *pii.RevealError when
// the reveal is denied.
func RevealShippingAddress(ctx context.Context, sealer pii.Sealer, rv *pii.Revealer, o *Order, purpose pii.Purpose) (pii.AddressParts, error) {
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: o.SellerID, OrderID: o.OrderID})
	a, err := pii.Open[pii.Address](ctx, sealer, BuyerBinding(o.SellerID, o.OrderID, ColumnShippingAddress), o.Buyer.ShippingAddress)
	if err != nil {
		return pii.AddressParts{}, fmt.Errorf("fulfillment: open the shipping address of order %s: %w", o.OrderID, err)
	}
	return rv.RevealAddress(ctx, purpose, a)
}

// RevealPersonalization passes the clear text of one unit's personalisation
// to fn, for the workshop to make the unit, and wipes it afterwards. The
// reveal is for pii.PurposeFulfillment and audited; the context must carry
// the actor. A part without text calls fn with nil.
func RevealPersonalization(ctx context.Context, sealer pii.Sealer, rv *pii.Revealer, o *Order, p Personalization, fn func(text []byte) error) error {
	if p.OrderID != o.OrderID {
		return &LinkError{OrderID: o.OrderID, OrderItemID: p.OrderItemID, Problem: LinkItemMissing, Detail: "the personalisation belongs to order " + p.OrderID}
	}
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: o.SellerID, OrderID: o.OrderID})
	v, err := pii.Open[pii.Personalization](ctx, sealer, PersonalizationBinding(o.SellerID, p), p.Text)
	if err != nil {
		return fmt.Errorf("fulfillment: open the personalisation of order %s item %s unit %d: %w", o.OrderID, p.OrderItemID, p.Unit, err)
	}
	return rv.RevealFunc(ctx, pii.PurposeFulfillment, v, fn)
}

// RevealGiftMessage returns an item's gift message in clear, for the
// fulfilment purpose, audited. It returns "" when the item has none.
func RevealGiftMessage(ctx context.Context, sealer pii.Sealer, rv *pii.Revealer, o *Order, item *OrderItem) (string, error) {
	ctx = pii.WithSubject(ctx, pii.Subject{SellerID: o.SellerID, OrderID: o.OrderID})
	v, err := pii.Open[pii.GiftMessage](ctx, sealer, GiftMessageBinding(o.SellerID, o.OrderID, item.OrderItemID), item.GiftMessage)
	if err != nil {
		return "", fmt.Errorf("fulfillment: open the gift message of order %s item %s: %w", o.OrderID, item.OrderItemID, err)
	}
	return rv.Reveal(ctx, pii.PurposeFulfillment, v)
}
