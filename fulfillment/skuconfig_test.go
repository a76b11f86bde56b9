package fulfillment_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestSKUUpdateConfigErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	for _, tc := range []struct {
		name  string
		inv   fulfillment.InventoryConfig
		price fulfillment.PriceConfig
		field string // without the configuration's name
	}{
		{"no client", fulfillment.InventoryConfig{Recorder: w.log}, fulfillment.PriceConfig{Recorder: w.log}, ".Client"},
		{"no recorder", fulfillment.InventoryConfig{Client: w.client}, fulfillment.PriceConfig{Client: w.client}, ".Recorder"},
		{
			"negative timeout",
			fulfillment.InventoryConfig{Client: w.client, Recorder: w.log, FeedTimeout: -time.Second},
			fulfillment.PriceConfig{Client: w.client, Recorder: w.log, FeedTimeout: -time.Second},
			"",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ve *fulfillment.ValidationError
			_, err := fulfillment.NewInventorySync(tc.inv)
			if !errors.As(err, &ve) || ve.Field != "InventoryConfig"+tc.field {
				t.Errorf("NewInventorySync: err = %v, want a *ValidationError on InventoryConfig%s", err, tc.field)
			}
			_, err = fulfillment.NewPriceUpdates(tc.price)
			if !errors.As(err, &ve) || ve.Field != "PriceConfig"+tc.field {
				t.Errorf("NewPriceUpdates: err = %v, want a *ValidationError on PriceConfig%s", err, tc.field)
			}
		})
	}
}
