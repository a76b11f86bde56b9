package shipping_test

import (
	"fmt"

	"github.com/hidemont/spkit/spapi/shipping"
)

// This example looks up the Amazon Shipping business of two marketplaces.
func ExampleBusinessID() {
	uk, ok := shipping.BusinessID("A1F83G8C2ARO7P")
	fmt.Println(uk, ok)
	_, ok = shipping.BusinessID("A1PA6795UKMFR9") // amazon.de
	fmt.Println(ok)
	// Output:
	// AmazonShipping_UK true
	// false
}
