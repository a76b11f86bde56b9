package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hidemont/spkit/pii"
)

// Limits of the personalisation linked to one order item.
const (
	maxUnitsPerItem = 1000
	maxPartsPerUnit = 50
	maxPartLength   = 128
)

// ItemCustomization is the Amazon Custom personalisation downloaded for one
// order item, before it is linked to the item's units.
type ItemCustomization struct {
	OrderItemID string
	// SKU and ASIN are the ones the customization data names. When set, they
	// must match the order item's; when empty, they are not checked.
	SKU  string
	ASIN string
	// Units holds the personalisation of each unit in unit order: Units[0]
	// is unit 1. An order item of quantity 3 needs three entries, one per
	// wallet, belt or bag made.
	Units []UnitCustomization
}

// UnitCustomization is the personalisation of one unit: one or more parts.
type UnitCustomization struct {
	Parts []CustomizationPart
}

// CustomizationPart is one customised area of a unit.
type CustomizationPart struct {
	// Part names the area, such as "Front/Initials", unique within the
	// unit.
	Part     string
	Text     pii.Personalization
	Font     string
	Color    string
	Position string
	// Option is the chosen value of an option part, such as a thread
	// colour; empty for text parts.
	Option string
}

// ErrPersonalizationMismatch is matched by every *LinkError.
var ErrPersonalizationMismatch = errors.New("fulfillment: personalisation does not match the order")

// LinkProblem is the way personalisation failed to match an order.
type LinkProblem string

// The ways personalisation can fail to match an order.
const (
	// LinkItemMissing: the personalisation names an order item the order
	// does not have.
	LinkItemMissing LinkProblem = "item_missing"
	// LinkNotCustomized: the order item is not an Amazon Custom item, yet
	// personalisation was given for it.
	LinkNotCustomized LinkProblem = "not_customized"
	// LinkCustomizationMissing: the order item is customised, and no
	// personalisation was given for it.
	LinkCustomizationMissing LinkProblem = "customization_missing"
	// LinkUnitCount: the number of units with personalisation differs from
	// the item's quantity.
	LinkUnitCount LinkProblem = "unit_count"
	// LinkSKUMismatch and LinkASINMismatch: the personalisation names
	// another SKU or ASIN than the order item.
	LinkSKUMismatch  LinkProblem = "sku_mismatch"
	LinkASINMismatch LinkProblem = "asin_mismatch"
	// LinkDuplicateItem: two personalisation entries name the same item.
	LinkDuplicateItem LinkProblem = "duplicate_item"
	// LinkInvalidPart: a unit has no part, too many parts, a part without
	// text, or two parts of the same name.
	LinkInvalidPart LinkProblem = "invalid_part"
)

// LinkError reports personalisation that does not match its order, so that
// nothing is made or shipped with the wrong text. It matches
// ErrPersonalizationMismatch. It names items and counts, never the text.
type LinkError struct {
	OrderID     string
	OrderItemID string
	Problem     LinkProblem
	// Want and Got are the expected and found unit counts for
	// LinkUnitCount, and otherwise zero.
	Want, Got int
	// Detail explains LinkInvalidPart and the mismatch problems.
	Detail string
}

func (e *LinkError) Error() string {
	prefix := fmt.Sprintf("fulfillment: personalisation of order %s item %s", e.OrderID, e.OrderItemID)
	switch e.Problem {
	case LinkItemMissing:
		return prefix + ": the order has no such item; check that the customization belongs to this order"
	case LinkNotCustomized:
		return prefix + ": the item is not an Amazon Custom item, yet personalisation was given"
	case LinkCustomizationMissing:
		return prefix + ": the item is customised, but its personalisation is missing; download it again before making the item"
	case LinkUnitCount:
		return fmt.Sprintf("%s: personalisation given for %d units, but %d were ordered; each unit needs its own", prefix, e.Got, e.Want)
	case LinkDuplicateItem:
		return prefix + ": personalisation is given twice for the item"
	default:
		return fmt.Sprintf("%s: %s: %s", prefix, e.Problem, e.Detail)
	}
}

// Is makes every LinkError match ErrPersonalizationMismatch.
func (e *LinkError) Is(target error) bool { return target == ErrPersonalizationMismatch }

// LinkPersonalizations binds downloaded personalisation to the order's items
// and seals each text under the order's bucket with sealer.
//
// Before linking, each customised item of the order must have Customization
// set to CustomizationPending, and every other item CustomizationNone (or
// empty). Linking checks that customs has exactly one entry per pending item,
// that the SKU and ASIN match where the customization names them, and that
// each item has one unit of personalisation per unit ordered. On success each
// pending item becomes CustomizationLinked with its Personalizations set. On
// a mismatch it returns a *LinkError and changes nothing. An order without
// customised items and empty customs links to nothing, successfully.
func LinkPersonalizations(ctx context.Context, sealer pii.Sealer, o *Order, customs []ItemCustomization) error {
	if o.Bucket == "" {
		return &ValidationError{Field: "bucket", Reason: "is empty; set the order's retention bucket before sealing"}
	}

	byItem, err := checkLinks(o, customs)
	if err != nil {
		return err
	}

	linked := make(map[string][]Personalization, len(byItem))
	for id, c := range byItem {
		item, _ := o.Item(id)
		ps := make([]Personalization, 0, len(c.Units))
		for u, unit := range c.Units {
			for _, part := range unit.Parts {
				p := Personalization{
					OrderID:     o.OrderID,
					OrderItemID: item.OrderItemID,
					SKU:         item.SKU,
					ASIN:        item.ASIN,
					Unit:        u + 1,
					Part:        part.Part,
					Font:        part.Font,
					Color:       part.Color,
					Position:    part.Position,
					Option:      part.Option,
				}
				// A part may carry only options, such as a thread colour,
				// and no text.
				if !part.Text.IsZero() {
					env, err := pii.Seal(ctx, sealer, o.Bucket, PersonalizationBinding(o.SellerID, p), part.Text)
					if err != nil {
						return fmt.Errorf("fulfillment: seal personalisation of order %s item %s unit %d: %w", o.OrderID, item.OrderItemID, u+1, err)
					}
					p.Text = env
				}
				ps = append(ps, p)
			}
		}
		linked[id] = ps
	}

	for i := range o.Items {
		if ps, ok := linked[o.Items[i].OrderItemID]; ok {
			o.Items[i].Personalizations = ps
			o.Items[i].Customization = CustomizationLinked
		}
	}
	return nil
}

// checkLinks matches customs to the order's items without changing either,
// and returns the customization of each pending item by item ID.
func checkLinks(o *Order, customs []ItemCustomization) (map[string]*ItemCustomization, error) {
	byItem := make(map[string]*ItemCustomization, len(customs))
	for i := range customs {
		c := &customs[i]
		item, ok := o.Item(c.OrderItemID)
		if !ok {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkItemMissing}
		}
		if _, dup := byItem[c.OrderItemID]; dup {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkDuplicateItem}
		}
		byItem[c.OrderItemID] = c

		if item.Customization != CustomizationPending {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkNotCustomized}
		}
		if c.SKU != "" && c.SKU != item.SKU {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkSKUMismatch,
				Detail: fmt.Sprintf("customization names SKU %s, the item has SKU %s", quoteSafe(c.SKU), quoteSafe(item.SKU))}
		}
		if c.ASIN != "" && c.ASIN != item.ASIN {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkASINMismatch,
				Detail: fmt.Sprintf("customization names ASIN %s, the item has ASIN %s", quoteSafe(c.ASIN), quoteSafe(item.ASIN))}
		}
		if len(c.Units) != item.Quantity || item.Quantity > maxUnitsPerItem {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkUnitCount, Want: item.Quantity, Got: len(c.Units)}
		}
		for u, unit := range c.Units {
			if err := checkUnitParts(unit.Parts); err != nil {
				return nil, &LinkError{OrderID: o.OrderID, OrderItemID: c.OrderItemID, Problem: LinkInvalidPart,
					Detail: "unit " + strconv.Itoa(u+1) + " " + err.Error()}
			}
		}
	}

	for i := range o.Items {
		item := &o.Items[i]
		if item.Customization == CustomizationPending && byItem[item.OrderItemID] == nil {
			return nil, &LinkError{OrderID: o.OrderID, OrderItemID: item.OrderItemID, Problem: LinkCustomizationMissing}
		}
	}
	return byItem, nil
}

func checkUnitParts(parts []CustomizationPart) error {
	if len(parts) == 0 {
		return errors.New("has no personalised part")
	}
	if len(parts) > maxPartsPerUnit {
		return fmt.Errorf("has %d parts, more than the maximum of %d", len(parts), maxPartsPerUnit)
	}
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		if err := checkText("part name", p.Part, maxPartLength, true); err != nil {
			return fmt.Errorf("has an invalid part name: %w", err)
		}
		if seen[p.Part] {
			return fmt.Errorf("names part %s twice", quoteSafe(p.Part))
		}
		seen[p.Part] = true
		for _, v := range []struct{ field, value string }{{"font", p.Font}, {"color", p.Color}, {"position", p.Position}, {"option", p.Option}} {
			if err := checkText(v.field, v.value, maxPartLength, false); err != nil {
				return fmt.Errorf("part %s: %w", quoteSafe(p.Part), err)
			}
		}
	}
	return nil
}
