package pgkeystore_test

import "github.com/hidemont/spkit/pii"

func bindingFor(row string) pii.Binding {
	return pii.Binding{Seller: "A1", Table: "orders", Column: "buyer_name", RowID: row}
}
