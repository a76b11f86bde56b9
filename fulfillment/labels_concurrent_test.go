package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/fulfillment/pgstore"
	"github.com/hidemont/spkit/internal/pgtest"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func newPGStore(t *testing.T) fulfillment.Store {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return pgstore.New(pool)
}

// TestLabelBuyConcurrentBuysOnce runs eight Buy calls for one package at
// once through two Labels sharing a store, as two processes would, and
// checks that Amazon sells one label.
func TestLabelBuyConcurrentBuysOnce(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name     string
		newStore func(t *testing.T) fulfillment.Store
	}{
		{"memory", func(*testing.T) fulfillment.Store { return fulfillment.NewMemoryStore() }},
		{"postgres", newPGStore},
	}
	for _, st := range stores {
		for _, service := range []fulfillment.LabelService{fulfillment.ServiceShippingV2, fulfillment.ServiceMerchantFulfillment} {
			t.Run(st.name+"/"+string(service), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
				sd := w.ds.SellerIn(spapi.NorthAmerica)
				o := mfnOrder(t, sd)
				store := st.newStore(t)
				processes := []*fulfillment.Labels{newLabels(t, w, store), newLabels(t, w, store)}
				req := labelRequest(sd, o, service)

				const callers = 8
				labels := make([]*fulfillment.PurchasedLabel, callers)
				errs := make([]error, callers)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range callers {
					wg.Go(func() {
						<-start
						labels[i], errs[i] = processes[i%len(processes)].Buy(context.Background(), req)
					})
				}
				close(start)
				wg.Wait()

				switch service {
				case fulfillment.ServiceShippingV2:
					if n := w.srv.ShipmentCount(sd.ID); n != 1 {
						t.Errorf("Shipping API v2 shipments bought = %d, want 1", n)
					}
				case fulfillment.ServiceMerchantFulfillment:
					if n := w.srv.Count("mfn.createShipment", 0); n != 1 {
						t.Errorf("createShipment calls = %d, want 1", n)
					}
				}

				shipmentID := ""
				for i := range callers {
					var uncertain *fulfillment.UncertainPurchaseError
					switch {
					case errs[i] == nil:
					case service == fulfillment.ServiceMerchantFulfillment &&
						(errors.Is(errs[i], fulfillment.ErrLabelInProgress) || errors.As(errs[i], &uncertain)):
						continue
					default:
						t.Errorf("caller %d: Buy: %v", i, errs[i])
						continue
					}
					if shipmentID == "" {
						shipmentID = labels[i].ShipmentID
					}
					if labels[i].ShipmentID != shipmentID {
						t.Errorf("caller %d got shipment %s, caller before got %s", i, labels[i].ShipmentID, shipmentID)
					}
				}
				if shipmentID == "" {
					t.Fatalf("no concurrent Buy succeeded: %v", errors.Join(errs...))
				}

				// Once the purchases are over, every caller gets the label.
				again, err := processes[1].Buy(context.Background(), req)
				if err != nil {
					t.Fatalf("Buy after the concurrent calls: %v", err)
				}
				if again.ShipmentID != shipmentID {
					t.Errorf("Buy after the concurrent calls = shipment %s, want %s", again.ShipmentID, shipmentID)
				}
				if n := w.srv.Count("mfn.createShipment", http.StatusOK) + w.srv.ShipmentCount(sd.ID); n != 1 {
					t.Errorf("labels bought in all = %d, want 1", n)
				}
			})
		}
	}
}

// blockingLabels holds SaveLabel of a purchased label until release is
// closed, as a slow store right after Amazon sold the label.
type blockingLabels struct {
	fulfillment.Store
	saving  chan struct{}
	release chan struct{}
}

func (s *blockingLabels) SaveLabel(ctx context.Context, l fulfillment.Label) error {
	if l.State == fulfillment.LabelPurchased {
		close(s.saving)
		<-s.release
	}
	return s.Store.SaveLabel(ctx, l)
}

func TestLabelMerchantFulfillmentInProgress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	store := &blockingLabels{Store: w.store, saving: make(chan struct{}), release: make(chan struct{})}
	labels := newLabels(t, w, store)
	other := newLabels(t, w, w.store)
	req := labelRequest(sd, o, fulfillment.ServiceMerchantFulfillment)

	type result struct {
		label *fulfillment.PurchasedLabel
		err   error
	}
	first := make(chan result, 1)
	go func() {
		l, err := labels.Buy(context.Background(), req)
		first <- result{l, err}
	}()
	<-store.saving

	// createShipment has returned and its result is being recorded.
	if _, err := labels.Buy(context.Background(), req); !errors.Is(err, fulfillment.ErrLabelInProgress) {
		t.Errorf("Buy in the same process: err = %v, want ErrLabelInProgress", err)
	}
	var uncertain *fulfillment.UncertainPurchaseError
	if _, err := other.Buy(context.Background(), req); !errors.As(err, &uncertain) {
		t.Errorf("Buy in another process: err = %v, want *UncertainPurchaseError", err)
	}

	close(store.release)
	got := <-first
	if got.err != nil {
		t.Fatalf("first Buy: %v", got.err)
	}
	again, err := other.Buy(context.Background(), req)
	if err != nil {
		t.Fatalf("Buy after the purchase was recorded: %v", err)
	}
	if again.ShipmentID != got.label.ShipmentID {
		t.Errorf("Buy after the purchase was recorded = shipment %s, want %s", again.ShipmentID, got.label.ShipmentID)
	}
	if n := w.srv.Count("mfn.createShipment", 0); n != 1 {
		t.Errorf("createShipment calls = %d, want 1", n)
	}
}

func TestLabelMerchantFulfillmentRejected(t *testing.T) {
	t.Parallel()
	w := newWorld(t, spapitest.Options{}, spapitest.DatasetOptions{})
	sd := w.ds.SellerIn(spapi.NorthAmerica)
	o := mfnOrder(t, sd)
	labels := newLabels(t, w, w.store)
	req := labelRequest(sd, o, fulfillment.ServiceMerchantFulfillment)
	w.srv.InjectFault(spapitest.Fault{
		Operation: "mfn.createShipment", Status: http.StatusBadRequest, ContentType: "application/json",
		Body: `{"errors":[{"code":"InvalidInput","message":"Invalid Input"}]}`,
	})

	_, err := labels.Buy(context.Background(), req)
	if !errors.Is(err, spapi.ErrInvalidInput) {
		t.Fatalf("Buy: err = %v, want spapi.ErrInvalidInput", err)
	}
	key, err := fulfillment.LabelKey(req.SellerID, req.OrderID, req.PackageRef)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := w.store.Label(context.Background(), key)
	if err != nil {
		t.Fatalf("Label: %v", err)
	}
	if stored.State != fulfillment.LabelCancelled {
		t.Errorf("label state after the rejection = %s, want cancelled", stored.State)
	}

	// The package reference is closed, and a new one buys a label.
	var invalid *fulfillment.ValidationError
	if _, err := labels.Buy(context.Background(), req); !errors.As(err, &invalid) {
		t.Errorf("Buy with the same package reference: err = %v, want *ValidationError", err)
	}
	req.PackageRef = "2"
	if _, err := labels.Buy(context.Background(), req); err != nil {
		t.Errorf("Buy with a new package reference: %v", err)
	}
	if n := w.srv.Count("mfn.createShipment", http.StatusOK); n != 1 {
		t.Errorf("createShipment calls sold = %d, want 1", n)
	}
}
