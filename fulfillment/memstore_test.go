package fulfillment_test

import (
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/fulfillmenttest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	fulfillmenttest.RunStoreTests(t, func(*testing.T) fulfillment.Store { return fulfillment.NewMemoryStore() })
}
