package spapitest_test

import (
	"fmt"

	"github.com/hidemont/spkit/spapi/spapitest"
)

// This example loads a synthetic data set into a fake SP-API. The data set
// is also what a test expects: here it counts the orders per status of the
// European seller.
func ExampleServer_Load() {
	srv := spapitest.New(spapitest.Options{})
	defer srv.Close()
	ds := spapitest.NewDataset(1, spapitest.DatasetOptions{OrdersPerSeller: 16})
	srv.Load(ds)

	seller := ds.Sellers[1]
	statuses := map[string]int{}
	for _, o := range seller.Orders {
		statuses[o.Status]++
	}
	fmt.Println(seller.Region, len(seller.Marketplaces), "marketplaces")
	fmt.Println("unshipped:", statuses[spapitest.OrderUnshipped], "shipped:", statuses[spapitest.OrderShipped])
	// Output:
	// eu 5 marketplaces
	// unshipped: 2 shipped: 2
}
