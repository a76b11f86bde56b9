package orders_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// This example lists a seller's unshipped merchant-fulfilled orders with
// buyer and recipient data from a fake SP-API loaded with a synthetic data
// set. The buyer data stays sealed: printing it shows a placeholder.
func ExampleClient_SearchOrders() {
	srv := spapitest.New(spapitest.Options{})
	defer srv.Close()
	ds := spapitest.NewDataset(1, spapitest.DatasetOptions{})
	srv.Load(ds)
	seller := ds.Sellers[0]

	api, err := spapi.New(srv.ClientConfig(seller.ID))
	if err != nil {
		log.Fatal(err)
	}
	c := orders.New(api, seller.ID, seller.Region)

	count := 0
	for page, err := range c.SearchOrders(context.Background(), orders.SearchParams{
		MarketplaceIDs:      seller.Marketplaces,
		CreatedAfter:        ds.Now.AddDate(0, 0, -90),
		FulfillmentStatuses: []string{orders.StatusUnshipped},
		FulfilledBy:         []string{orders.FulfilledByMerchant},
		IncludedData:        []string{orders.IncludeBuyer, orders.IncludeRecipient},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		for _, o := range page.Orders {
			if count == 0 {
				fmt.Println("buyer:", o.Buyer.BuyerName)
			}
			count++
		}
	}
	fmt.Println("unshipped merchant orders:", count > 0)
	// Output:
	// buyer: [pii:buyer_name]
	// unshipped merchant orders: true
}
