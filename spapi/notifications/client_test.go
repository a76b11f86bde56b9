package notifications_test

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/notifications"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	// NOTE: spapi's default plans lack getDestination (1 request per
	// second, burst 5, in Amazon's model), so the test adds it.
	plans := spapi.Plans{"notifications.getDestination": {Rate: 1, Burst: 5}}
	srv := spapitest.NewServer(t, spapitest.Options{Plans: plans})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := notifications.New(srv.NewClient(t), spapi.NorthAmerica)
	ctx := context.Background()
	typ := notifications.TypeOrderChange

	ops := map[string]func() error{
		"notifications.getSubscription": func() error {
			s, err := c.GetSubscription(ctx, "A1", typ)
			if err == nil && s.SubscriptionID == "" {
				t.Error("subscription not decoded")
			}
			return err
		},
		"notifications.createSubscription": func() error {
			_, err := c.CreateSubscription(ctx, "A1", typ, notifications.CreateSubscriptionRequest{PayloadVersion: "1.0", DestinationID: "d"})
			return err
		},
		"notifications.getSubscriptionById":    func() error { _, err := c.GetSubscriptionByID(ctx, typ, "s"); return err },
		"notifications.deleteSubscriptionById": func() error { return c.DeleteSubscriptionByID(ctx, typ, "s") },
		"notifications.getDestinations": func() error {
			ds, err := c.GetDestinations(ctx)
			if err == nil && (len(ds) == 0 || ds[0].Resource.SQS == nil) {
				t.Error("destinations not decoded")
			}
			return err
		},
		"notifications.createDestination": func() error {
			_, err := c.CreateSQSDestination(ctx, "SQSDestination", "arn:aws:sqs:us-east-2:444455556666:queue1")
			return err
		},
		"notifications.getDestination":    func() error { _, err := c.GetDestination(ctx, "d"); return err },
		"notifications.deleteDestination": func() error { return c.DeleteDestination(ctx, "d") },
	}
	for op, call := range ops {
		for _, v := range spapitest.SandboxVectorsFor(op) {
			t.Run(v.Name, func(t *testing.T) {
				if err := call(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}

	grantless := map[string]bool{
		"notifications.getSubscriptionById": true, "notifications.deleteSubscriptionById": true,
		"notifications.getDestinations": true, "notifications.createDestination": true,
		"notifications.getDestination": true, "notifications.deleteDestination": true,
	}
	for _, e := range srv.Requests() {
		if g, ok := grantless[e.Operation]; ok && g && e.SellerID != "" {
			t.Errorf("%s called with seller %s, want a grantless token", e.Operation, e.SellerID)
		}
		if e.Operation == "notifications.getSubscription" && e.SellerID != "A1" {
			t.Errorf("getSubscription called without the seller")
		}
	}
}

func TestSellerRequired(t *testing.T) {
	t.Parallel()
	c := notifications.New(nil, spapi.NorthAmerica)
	if _, err := c.GetSubscription(context.Background(), "", notifications.TypeOrderChange); err == nil {
		t.Error("no error without a seller")
	}
}
