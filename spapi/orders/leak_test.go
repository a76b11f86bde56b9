package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// TestOrderPrintsNoPII prints and encodes decoded orders every usual way
// and checks that no buyer value appears in clear.
func TestOrderPrintsNoPII(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sd := b.ds.Sellers[0]
	c := orders.New(b.api, sd.ID, sd.Region)
	var want *spapitest.Order
	for _, o := range sd.Orders {
		if o.HasBuyerData && o.FulfillmentChannel == "MFN" {
			want = o
			break
		}
	}
	o, err := c.GetOrder(context.Background(), want.ID, allIncluded()...)
	if err != nil {
		t.Fatal(err)
	}
	v0, err := c.GetOrderV0(context.Background(), want.ID, orders.DataBuyerInfo, orders.DataShippingAddress) //nolint:staticcheck // v0 is under test
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprintf("%v", o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o),
		fmt.Sprintf("%+v", *o.Buyer), fmt.Sprintf("%+v", *o.Recipient), fmt.Sprintf("%+v", v0), string(encoded),
	}
	secrets := []string{want.Buyer.Name, want.Buyer.Email, want.ShipTo.AddressLine1, want.ShipTo.Phone}
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("output contains buyer data %q", s)
			}
		}
	}
}
