package listings_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/hidemont/spkit/spapi/listings"
)

// This example builds the patch that sets a merchant-fulfilled quantity.
func ExampleQuantityPatch() {
	p, err := listings.QuantityPatch(5)
	if err != nil {
		log.Fatal(err)
	}
	data, _ := json.Marshal(p)
	fmt.Println(string(data))
	// Output:
	// {"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":5}]}
}
