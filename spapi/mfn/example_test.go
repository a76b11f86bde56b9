package mfn_test

import (
	"errors"
	"fmt"

	"github.com/hidemont/spkit/spapi/mfn"
)

// This example decodes a label as Merchant Fulfillment sends it, then the
// truncated label of Amazon's sandbox, which fails with a typed error.
func ExampleDecodeLabel() {
	fc := mfn.EncodeLabel([]byte("%PDF-1.4 label"), "application/pdf")
	doc, err := mfn.DecodeLabel(fc)
	fmt.Printf("%q %v\n", doc, err)

	_, err = mfn.DecodeLabel(mfn.FileContents{Contents: "H4sIAAAAAAAAAOR", FileType: "application/pdf"})
	var le *mfn.LabelError
	fmt.Println(errors.As(err, &le), le.Step)
	// Output:
	// "%PDF-1.4 label" <nil>
	// true base64
}

// This example shows the error Validate returns for Amazon's spelling of
// the United Kingdom.
func ExampleShipmentRequestDetails_Validate() {
	d := mfn.ShipmentRequestDetails{
		AmazonOrderID: "111-1111111-1111111",
		ItemList:      []mfn.Item{{OrderItemID: "1", Quantity: 1}},
		ShipFromAddress: mfn.Address{Name: "Workshop", AddressLine1: "1 Lane", Email: "s@seller.example",
			City: "Leeds", PostalCode: "LS1 1AA", CountryCode: "UK", Phone: "01130000000"},
	}
	fmt.Println(d.Validate())
	// Output:
	// mfn: invalid ShipmentRequestDetails.ShipFromAddress.CountryCode "UK": the ISO 3166-1 code of the United Kingdom is GB
}
