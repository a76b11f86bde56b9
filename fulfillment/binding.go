package fulfillment

import (
	"strconv"

	"github.com/hidemont/spkit/pii"
)

// Table and column names bound into sealed values. They are part of every
// ciphertext's associated data, so renaming one makes stored values
// unreadable.
const (
	tableOrders           = "orders"
	tableOrderItems       = "order_items"
	tablePersonalizations = "personalizations"

	ColumnBuyerName       = "buyer_name"
	ColumnShippingAddress = "shipping_address"
	ColumnPhone           = "phone"
	ColumnEmail           = "email"
	ColumnTaxInfo         = "tax_info"
	columnGiftMessage     = "gift_message"
	columnText            = "text"
)

// BuyerBinding returns the binding of one part of an order's buyer data;
// column is one of the Column constants.
func BuyerBinding(sellerID, orderID, column string) pii.Binding {
	return pii.Binding{Seller: sellerID, Table: tableOrders, Column: column, RowID: orderID}
}

// GiftMessageBinding returns the binding of an order item's gift message.
func GiftMessageBinding(sellerID, orderID, orderItemID string) pii.Binding {
	return pii.Binding{Seller: sellerID, Table: tableOrderItems, Column: columnGiftMessage, RowID: orderID + "/" + orderItemID}
}

// PersonalizationBinding returns the binding of a personalisation text. It
// covers the order, the order item, the unit and the part, so a text moved
// to another unit fails to open.
func PersonalizationBinding(sellerID string, p Personalization) pii.Binding {
	row := p.OrderID + "/" + p.OrderItemID + "/" + strconv.Itoa(p.Unit) + "/" + strconv.Quote(p.Part)
	return pii.Binding{Seller: sellerID, Table: tablePersonalizations, Column: columnText, RowID: row}
}
