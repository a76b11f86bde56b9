// Package fulfillmenttest checks implementations of fulfillment.Store.
//
// RunStoreTests drives one implementation through the behaviour the
// workflows rely on: optimistic revisions, atomic batches, replacement of
// items and personalisation, blind-index lookups, purges, cursors that never
// move back, label reservations that let one caller win, and shipments.
// spkit runs it on fulfillment.MemoryStore and pgstore.Store; a custom store
// should pass it too.
package fulfillmenttest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
)

// RunStoreTests runs the conformance tests against stores made by newStore.
// newStore is called once per subtest and must return an empty store.
func RunStoreTests(t *testing.T, newStore func(t *testing.T) fulfillment.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s fulfillment.Store)
	}{
		{"OrderRoundTrip", testOrderRoundTrip},
		{"OrderNotFound", testOrderNotFound},
		{"StaleRevisionConflicts", testStaleRevision},
		{"BatchIsAtomic", testBatchAtomic},
		{"UpdateReplacesItems", testUpdateReplacesItems},
		{"InvalidOrderRejected", testInvalidOrder},
		{"OrderStates", testOrderStates},
		{"FindOrdersByIndex", testFindOrders},
		{"PurgeBuyerData", testPurge},
		{"DeleteOrders", testDelete},
		{"CursorNeverMovesBack", testCursor},
		{"ReserveLabelOnce", testReserveLabel},
		{"ReserveLabelConcurrent", testReserveLabelConcurrent},
		{"SaveLabelRequiresReserve", testSaveLabelUnknown},
		{"Shipments", testShipments},
		{"SettlementsOnce", testSettlements},
		{"CancelledContext", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

const (
	sellerA     = "A1SELLERTEST01"
	sellerB     = "A1SELLERTEST02"
	marketplace = "ATVPDKIKX0DER"
	bucket      = "open-2026-12"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeEnvelope returns an envelope of random bytes: stores never open what
// they keep, so no sealer is needed here.
func fakeEnvelope(kind pii.Kind) pii.Envelope {
	ct := make([]byte, 48)
	_, _ = rand.Read(ct)
	return pii.Envelope{Kind: kind, Bucket: bucket, Ciphertext: ct}
}

func fakeIndex() []byte {
	b := make([]byte, pii.BlindIndexSize)
	_, _ = rand.Read(b)
	return b
}

var orderSeq atomic.Int64

// newOrder returns a synthetic order with buyer data, a plain item and a
// customised item of quantity 2 with one personalisation part per unit.
func newOrder(seller string) *fulfillment.Order {
	n := orderSeq.Add(1)
	f := gofakeit.New(uint64(n))
	purchased := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	id := fmt.Sprintf("%03d-%07d-%07d", 100+n%900, n, f.Number(1000000, 9999999))
	o := &fulfillment.Order{
		SellerID:           seller,
		MarketplaceID:      marketplace,
		OrderID:            id,
		Status:             "Unshipped",
		FulfillmentChannel: "MFN",
		PurchaseDate:       purchased,
		LastUpdateDate:     purchased.Add(time.Hour),
		LatestShipDate:     purchased.Add(48 * time.Hour),
		IsPrime:            f.Bool(),
		Total:              fulfillment.Money{CurrencyCode: "USD", Amount: fmt.Sprintf("%d.%02d", f.Number(10, 500), f.Number(0, 99))},
		ShipTo:             fulfillment.Destination{CountryCode: "US", StateOrRegion: f.StateAbr(), PostalCode: f.Zip(), City: f.City()},
		Source:             fulfillment.SourceOrders,
		BuyerData:          fulfillment.BuyerDataAvailable,
		Bucket:             bucket,
		Buyer: fulfillment.SealedBuyer{
			Name:            fakeEnvelope(pii.KindBuyerName),
			ShippingAddress: fakeEnvelope(pii.KindAddress),
			Phone:           fakeEnvelope(pii.KindPhone),
		},
		Index: fulfillment.BlindIndexes{Name: fakeIndex(), Phone: fakeIndex(), Address: fakeIndex()},
	}
	plain := fulfillment.OrderItem{
		OrderItemID:   fmt.Sprintf("%014d", n*10+1),
		SKU:           "BELT/BRN 34,L+",
		ASIN:          "B0" + f.LetterN(8),
		Title:         f.ProductName(),
		Quantity:      1,
		ItemPrice:     fulfillment.Money{CurrencyCode: "USD", Amount: "39.00"},
		Customization: fulfillment.CustomizationNone,
		GiftMessage:   fakeEnvelope(pii.KindGiftMessage),
	}
	custom := fulfillment.OrderItem{
		OrderItemID:   fmt.Sprintf("%014d", n*10+2),
		SKU:           "WALLET BIFOLD-01",
		ASIN:          "B0" + f.LetterN(8),
		Title:         f.ProductName(),
		Quantity:      2,
		ItemPrice:     fulfillment.Money{CurrencyCode: "USD", Amount: "59.00"},
		Customization: fulfillment.CustomizationLinked,
	}
	for unit := 1; unit <= custom.Quantity; unit++ {
		custom.Personalizations = append(custom.Personalizations, fulfillment.Personalization{
			OrderID: id, OrderItemID: custom.OrderItemID, SKU: custom.SKU, ASIN: custom.ASIN,
			Unit: unit, Part: "Front/Initials", Text: fakeEnvelope(pii.KindPersonalization),
			Font: "Serif", Color: f.RandomString([]string{"Gold", "Silver", "Blind"}), Position: "Emboss",
		}, fulfillment.Personalization{
			OrderID: id, OrderItemID: custom.OrderItemID, SKU: custom.SKU, ASIN: custom.ASIN,
			Unit: unit, Part: "Thread", Option: f.RandomString([]string{"Red", "Natural", "Black"}),
		})
	}
	o.Items = []fulfillment.OrderItem{plain, custom}
	return o
}

func mustUpsert(t *testing.T, s fulfillment.Store, orders ...*fulfillment.Order) {
	t.Helper()
	if err := s.UpsertOrders(ctxT(t), orders); err != nil {
		t.Fatalf("UpsertOrders: %v", err)
	}
}

// equalOrders compares two orders field by field and reports the first
// difference; envelopes are compared by kind, bucket and ciphertext.
func equalOrders(t *testing.T, got, want *fulfillment.Order) {
	t.Helper()
	if d := diffOrder(got, want); d != "" {
		t.Errorf("stored order differs: %s", d)
	}
}

func sameEnvelope(a, b pii.Envelope) bool {
	return a.Kind == b.Kind && a.Bucket == b.Bucket && slices.Equal(a.Ciphertext, b.Ciphertext)
}

func diffOrder(got, want *fulfillment.Order) string {
	g, w := *got, *want
	switch {
	case g.SellerID != w.SellerID || g.OrderID != w.OrderID || g.MarketplaceID != w.MarketplaceID:
		return "identifiers"
	case g.Status != w.Status || g.FulfillmentChannel != w.FulfillmentChannel || g.Source != w.Source:
		return fmt.Sprintf("status %q/%q, channel %q/%q, source %q/%q", g.Status, w.Status, g.FulfillmentChannel, w.FulfillmentChannel, g.Source, w.Source)
	case !g.PurchaseDate.Equal(w.PurchaseDate) || !g.LastUpdateDate.Equal(w.LastUpdateDate) || !g.LatestShipDate.Equal(w.LatestShipDate) || !g.ShippedAt.Equal(w.ShippedAt):
		return fmt.Sprintf("dates: got %v %v %v %v, want %v %v %v %v", g.PurchaseDate, g.LastUpdateDate, g.LatestShipDate, g.ShippedAt, w.PurchaseDate, w.LastUpdateDate, w.LatestShipDate, w.ShippedAt)
	case g.IsBusiness != w.IsBusiness || g.IsPrime != w.IsPrime || g.Total != w.Total || g.ShipTo != w.ShipTo:
		return fmt.Sprintf("flags, total or destination: got %v %v %v %v, want %v %v %v %v", g.IsBusiness, g.IsPrime, g.Total, g.ShipTo, w.IsBusiness, w.IsPrime, w.Total, w.ShipTo)
	case g.BuyerData != w.BuyerData || g.Bucket != w.Bucket || g.Revision != w.Revision:
		return fmt.Sprintf("buyer data %q/%q, bucket %q/%q, revision %d/%d", g.BuyerData, w.BuyerData, g.Bucket, w.Bucket, g.Revision, w.Revision)
	case !sameEnvelope(g.Buyer.Name, w.Buyer.Name) || !sameEnvelope(g.Buyer.ShippingAddress, w.Buyer.ShippingAddress) ||
		!sameEnvelope(g.Buyer.Phone, w.Buyer.Phone) || !sameEnvelope(g.Buyer.Email, w.Buyer.Email) || !sameEnvelope(g.Buyer.TaxInfo, w.Buyer.TaxInfo):
		return "sealed buyer data"
	case !slices.Equal(g.Index.Name, w.Index.Name) || !slices.Equal(g.Index.Phone, w.Index.Phone) ||
		!slices.Equal(g.Index.Email, w.Index.Email) || !slices.Equal(g.Index.Address, w.Index.Address):
		return "blind indexes"
	case len(g.Items) != len(w.Items):
		return fmt.Sprintf("%d items, want %d", len(g.Items), len(w.Items))
	}
	for i := range w.Items {
		gi, wi := g.Items[i], w.Items[i]
		if gi.OrderItemID != wi.OrderItemID || gi.SKU != wi.SKU || gi.ASIN != wi.ASIN || gi.Title != wi.Title ||
			gi.Quantity != wi.Quantity || gi.QuantityShipped != wi.QuantityShipped || gi.ItemPrice != wi.ItemPrice ||
			gi.Customization != wi.Customization || !sameEnvelope(gi.GiftMessage, wi.GiftMessage) {
			return fmt.Sprintf("item %d: got %+v, want %+v", i, gi, wi)
		}
		if len(gi.Personalizations) != len(wi.Personalizations) {
			return fmt.Sprintf("item %d: %d personalisations, want %d", i, len(gi.Personalizations), len(wi.Personalizations))
		}
		for j := range wi.Personalizations {
			gp, wp := gi.Personalizations[j], wi.Personalizations[j]
			if gp.OrderID != wp.OrderID || gp.OrderItemID != wp.OrderItemID || gp.SKU != wp.SKU || gp.ASIN != wp.ASIN ||
				gp.Unit != wp.Unit || gp.Part != wp.Part || gp.Font != wp.Font || gp.Color != wp.Color || gp.Position != wp.Position || gp.Option != wp.Option ||
				!sameEnvelope(gp.Text, wp.Text) {
				return fmt.Sprintf("item %d personalisation %d: got %+v, want %+v", i, j, gp, wp)
			}
		}
	}
	return ""
}

func testOrderRoundTrip(t *testing.T, s fulfillment.Store) {
	o := newOrder(sellerA)
	o.Buyer.TaxInfo = fakeEnvelope(pii.KindTaxInfo)
	mustUpsert(t, s, o)
	if o.Revision != 1 {
		t.Errorf("Revision after insert = %d, want 1", o.Revision)
	}

	got, err := s.Order(ctxT(t), sellerA, o.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	equalOrders(t, got, o)

	// The returned order is a copy.
	got.Items[0].SKU = "CHANGED"
	again, err := s.Order(ctxT(t), sellerA, o.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if again.Items[0].SKU != o.Items[0].SKU {
		t.Errorf("changing a returned order changed the store: SKU = %q", again.Items[0].SKU)
	}
}

func testOrderNotFound(t *testing.T, s fulfillment.Store) {
	o := newOrder(sellerA)
	mustUpsert(t, s, o)
	_, err := s.Order(ctxT(t), sellerB, o.OrderID)
	if !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Order of another seller: err = %v, want ErrNotFound", err)
	}
	_, err = s.Order(ctxT(t), sellerA, "999-0000000-0000000")
	if !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Order of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testStaleRevision(t *testing.T, s fulfillment.Store) {
	o := newOrder(sellerA)
	mustUpsert(t, s, o)

	stale := *o
	stale.Revision = 0
	err := s.UpsertOrders(ctxT(t), []*fulfillment.Order{&stale})
	var conflict *fulfillment.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("insert of an existing order: err = %v, want *ConflictError", err)
	}
	if !slices.Equal(conflict.OrderIDs, []string{o.OrderID}) {
		t.Errorf("ConflictError.OrderIDs = %v, want [%s]", conflict.OrderIDs, o.OrderID)
	}
	if stale.Revision != 0 {
		t.Errorf("Revision after a conflict = %d, want it unchanged at 0", stale.Revision)
	}

	o.Status = "Shipped"
	o.LastUpdateDate = o.LastUpdateDate.Add(time.Hour)
	mustUpsert(t, s, o)
	old := *o
	old.Revision = 1
	old.Status = "Canceled"
	err = s.UpsertOrders(ctxT(t), []*fulfillment.Order{&old})
	if !errors.As(err, &conflict) {
		t.Fatalf("update with revision 1 after revision 2: err = %v, want *ConflictError", err)
	}
	got, err := s.Order(ctxT(t), sellerA, o.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if got.Status != "Shipped" || got.Revision != 2 {
		t.Errorf("after a rejected update: status %q revision %d, want Shipped 2", got.Status, got.Revision)
	}
}

func testBatchAtomic(t *testing.T, s fulfillment.Store) {
	existing := newOrder(sellerA)
	mustUpsert(t, s, existing)
	existing.Revision = 5 // stale on purpose

	fresh := newOrder(sellerA)
	err := s.UpsertOrders(ctxT(t), []*fulfillment.Order{fresh, existing})
	var conflict *fulfillment.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("batch with a stale order: err = %v, want *ConflictError", err)
	}
	if _, err := s.Order(ctxT(t), sellerA, fresh.OrderID); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("the batch's new order was written although the batch failed: err = %v", err)
	}
	if fresh.Revision != 0 {
		t.Errorf("Revision of the new order after a failed batch = %d, want 0", fresh.Revision)
	}

	many := make([]*fulfillment.Order, 50)
	for i := range many {
		many[i] = newOrder(sellerB)
	}
	mustUpsert(t, s, many...)
	ids := make([]string, len(many))
	for i, o := range many {
		ids[i] = o.OrderID
	}
	states, err := s.OrderStates(ctxT(t), sellerB, ids)
	if err != nil {
		t.Fatalf("OrderStates: %v", err)
	}
	if len(states) != len(many) {
		t.Errorf("OrderStates after a batch of %d: %d states", len(many), len(states))
	}
}

func testUpdateReplacesItems(t *testing.T, s fulfillment.Store) {
	o := newOrder(sellerA)
	mustUpsert(t, s, o)

	o.Items = o.Items[1:]
	o.Items[0].Personalizations = o.Items[0].Personalizations[:0]
	o.Items[0].Quantity = 0
	o.Items[0].Customization = fulfillment.CustomizationPending
	o.Items = append(o.Items, fulfillment.OrderItem{
		OrderItemID: "99999999999999", SKU: "KEYRING-01", ASIN: "B0KEYRING1", Quantity: 3,
		Customization: fulfillment.CustomizationNone,
	})
	o.Buyer.Email = fakeEnvelope(pii.KindEmail)
	o.Buyer.Phone = pii.Envelope{}
	o.Index.Phone = nil
	mustUpsert(t, s, o)

	got, err := s.Order(ctxT(t), sellerA, o.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	equalOrders(t, got, o)
}

func testInvalidOrder(t *testing.T, s fulfillment.Store) {
	cases := map[string]func(o *fulfillment.Order){
		"unit beyond quantity": func(o *fulfillment.Order) { o.Items[1].Personalizations[1].Unit = 3 },
		"wrong SKU":            func(o *fulfillment.Order) { o.Items[1].Personalizations[0].SKU = "OTHER" },
		"unit missing":         func(o *fulfillment.Order) { o.Items[1].Personalizations = o.Items[1].Personalizations[:1] },
		"empty order ID":       func(o *fulfillment.Order) { o.OrderID = "" },
		"unknown buyer data":   func(o *fulfillment.Order) { o.BuyerData = "maybe" },
		"duplicate item":       func(o *fulfillment.Order) { o.Items[1].OrderItemID = o.Items[0].OrderItemID },
	}
	for name, mutate := range cases {
		o := newOrder(sellerA)
		mutate(o)
		err := s.UpsertOrders(ctxT(t), []*fulfillment.Order{o})
		var v *fulfillment.ValidationError
		if !errors.As(err, &v) && !errors.Is(err, fulfillment.ErrPersonalizationMismatch) {
			t.Errorf("%s: err = %v, want a validation or personalisation error", name, err)
		}
	}
}

func testOrderStates(t *testing.T, s fulfillment.Store) {
	a, b := newOrder(sellerA), newOrder(sellerA)
	b.ShippedAt = b.PurchaseDate.Add(24 * time.Hour)
	b.Bucket = "shipped-2026-11-02"
	mustUpsert(t, s, a, b)

	states, err := s.OrderStates(ctxT(t), sellerA, []string{a.OrderID, b.OrderID, "000-0000000-0000000"})
	if err != nil {
		t.Fatalf("OrderStates: %v", err)
	}
	if len(states) != 2 {
		t.Fatalf("OrderStates returned %d states, want 2", len(states))
	}
	st := states[b.OrderID]
	if !st.LastUpdateDate.Equal(b.LastUpdateDate) || st.Status != b.Status || st.BuyerData != b.BuyerData ||
		st.Bucket != b.Bucket || !st.ShippedAt.Equal(b.ShippedAt) || st.Revision != 1 {
		t.Errorf("OrderStates[%s] = %+v, want the stored order's state", b.OrderID, st)
	}
	if other, err := s.OrderStates(ctxT(t), sellerB, []string{a.OrderID}); err != nil || len(other) != 0 {
		t.Errorf("OrderStates of another seller = %v, %v; want empty", other, err)
	}
}

func testFindOrders(t *testing.T, s fulfillment.Store) {
	phone := fakeIndex()
	older, newer, other := newOrder(sellerA), newOrder(sellerA), newOrder(sellerB)
	older.Index.Phone = phone
	newer.Index.Phone = phone
	newer.PurchaseDate = older.PurchaseDate.Add(48 * time.Hour)
	other.Index.Phone = phone
	mustUpsert(t, s, older, newer, other)

	ids, err := s.FindOrders(ctxT(t), sellerA, pii.KindPhone, phone, 10)
	if err != nil {
		t.Fatalf("FindOrders: %v", err)
	}
	if want := []string{newer.OrderID, older.OrderID}; !slices.Equal(ids, want) {
		t.Errorf("FindOrders by phone = %v, want %v (newest first, one seller)", ids, want)
	}
	ids, err = s.FindOrders(ctxT(t), sellerA, pii.KindPhone, phone, 1)
	if err != nil || len(ids) != 1 {
		t.Errorf("FindOrders with limit 1 = %v, %v", ids, err)
	}
	ids, err = s.FindOrders(ctxT(t), sellerA, pii.KindBuyerName, older.Index.Name, 10)
	if err != nil || !slices.Equal(ids, []string{older.OrderID}) {
		t.Errorf("FindOrders by name = %v, %v; want [%s]", ids, err, older.OrderID)
	}
	if _, err := s.FindOrders(ctxT(t), sellerA, pii.KindTaxInfo, phone, 10); err == nil {
		t.Error("FindOrders by tax info: no error, want one (tax info has no blind index)")
	}
	ids, err = s.FindOrders(ctxT(t), sellerA, pii.KindAddress, older.Index.Address, 10)
	if err != nil || !slices.Equal(ids, []string{older.OrderID}) {
		t.Errorf("FindOrders by address = %v, %v; want [%s]", ids, err, older.OrderID)
	}
	if _, err := s.FindOrders(ctxT(t), sellerA, pii.KindPhone, nil, 10); err == nil {
		t.Error("FindOrders with an empty index: no error")
	}
	if _, err := s.FindOrders(ctxT(t), sellerA, pii.KindPhone, phone, 0); err == nil {
		t.Error("FindOrders with limit 0: no error")
	}
}

func testPurge(t *testing.T, s fulfillment.Store) {
	o, keep := newOrder(sellerA), newOrder(sellerA)
	mustUpsert(t, s, o, keep)

	n, err := s.PurgeBuyerData(ctxT(t), sellerA, []string{o.OrderID, "000-0000000-0000000"})
	if err != nil || n != 1 {
		t.Fatalf("PurgeBuyerData = %d, %v; want 1, nil", n, err)
	}
	got, err := s.Order(ctxT(t), sellerA, o.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if got.BuyerData != fulfillment.BuyerDataPurged {
		t.Errorf("BuyerData after purge = %q, want purged", got.BuyerData)
	}
	if !got.Buyer.Name.IsZero() || !got.Buyer.ShippingAddress.IsZero() || !got.Buyer.Phone.IsZero() {
		t.Error("sealed buyer data remains after purge")
	}
	if got.Index.Name != nil || got.Index.Phone != nil || got.Index.Address != nil {
		t.Error("blind indexes remain after purge")
	}
	if got.Revision != 2 {
		t.Errorf("Revision after purge = %d, want 2", got.Revision)
	}
	for _, it := range got.Items {
		if !it.GiftMessage.IsZero() {
			t.Errorf("item %s: gift message remains after purge", it.OrderItemID)
		}
		for _, p := range it.Personalizations {
			if !p.Text.IsZero() {
				t.Errorf("item %s unit %d: personalisation text remains after purge", it.OrderItemID, p.Unit)
			}
		}
	}
	if c := got.Items[1].Customization; c != fulfillment.CustomizationPurged {
		t.Errorf("customised item after purge: Customization = %q, want purged", c)
	}
	if c := got.Items[0].Customization; c != fulfillment.CustomizationNone {
		t.Errorf("plain item after purge: Customization = %q, want none", c)
	}
	if ids, _ := s.FindOrders(ctxT(t), sellerA, pii.KindPhone, o.Index.Phone, 10); len(ids) != 0 {
		t.Errorf("FindOrders finds a purged order: %v", ids)
	}

	n, err = s.PurgeBuyerData(ctxT(t), sellerA, []string{o.OrderID})
	if err != nil || n != 0 {
		t.Errorf("second PurgeBuyerData = %d, %v; want 0, nil", n, err)
	}
	kept, err := s.Order(ctxT(t), sellerA, keep.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	equalOrders(t, kept, keep)
}

func testCursor(t *testing.T, s fulfillment.Store) {
	if _, err := s.Cursor(ctxT(t), sellerA, marketplace); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Cursor before the first save: err = %v, want ErrNotFound", err)
	}
	t1 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	synced := t2.Add(time.Minute)
	if err := s.SaveCursor(ctxT(t), fulfillment.Cursor{SellerID: sellerA, MarketplaceID: marketplace, LastUpdated: t2, SyncedAt: synced}); err != nil {
		t.Fatalf("SaveCursor: %v", err)
	}
	if err := s.SaveCursor(ctxT(t), fulfillment.Cursor{SellerID: sellerA, MarketplaceID: marketplace, LastUpdated: t1, SyncedAt: synced.Add(time.Minute)}); err != nil {
		t.Fatalf("SaveCursor: %v", err)
	}
	c, err := s.Cursor(ctxT(t), sellerA, marketplace)
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	if !c.LastUpdated.Equal(t2) {
		t.Errorf("Cursor.LastUpdated = %v after saving %v then %v, want %v", c.LastUpdated, t2, t1, t2)
	}
	if _, err := s.Cursor(ctxT(t), sellerA, "A1F83G8C2ARO7P"); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Cursor of another marketplace: err = %v, want ErrNotFound", err)
	}
	if err := s.SaveCursor(ctxT(t), fulfillment.Cursor{SellerID: sellerA, MarketplaceID: marketplace}); err == nil {
		t.Error("SaveCursor with a zero time: no error")
	}
}

func newLabel(t *testing.T, orderID, pkg string) fulfillment.Label {
	t.Helper()
	key, err := fulfillment.LabelKey(sellerA, orderID, pkg)
	if err != nil {
		t.Fatalf("LabelKey: %v", err)
	}
	return fulfillment.Label{
		SellerID: sellerA, OrderID: orderID, PackageRef: pkg, IdempotencyKey: key,
		Service: fulfillment.ServiceShippingV2, State: fulfillment.LabelPending,
		ReservedAt: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC),
	}
}

func testReserveLabel(t *testing.T, s fulfillment.Store) {
	l := newLabel(t, "111-2223334-4445556", "1")
	got, created, err := s.ReserveLabel(ctxT(t), l)
	if err != nil || !created {
		t.Fatalf("first ReserveLabel = %v, %v; want created", created, err)
	}
	if got.IdempotencyKey != l.IdempotencyKey || got.State != fulfillment.LabelPending {
		t.Errorf("first ReserveLabel returned %+v", got)
	}

	l.State = fulfillment.LabelPurchased
	l.RequestToken = "amzn1.rq.123456789.1"
	l.RateID = "rate-0001"
	l.ShipmentID = "SHP-0001"
	l.TrackingNumber = "1Z999AA10123456784"
	l.CarrierCode = "UPS"
	l.Format = fulfillment.LabelPDF
	l.PurchasedAt = l.ReservedAt.Add(time.Second)
	if err := s.SaveLabel(ctxT(t), l); err != nil {
		t.Fatalf("SaveLabel: %v", err)
	}

	retry := newLabel(t, "111-2223334-4445556", "1")
	got, created, err = s.ReserveLabel(ctxT(t), retry)
	if err != nil || created {
		t.Fatalf("second ReserveLabel = %v, %v; want the existing label", created, err)
	}
	if got != l {
		t.Errorf("second ReserveLabel returned %+v, want the purchased label %+v", got, l)
	}

	for _, pkg := range []string{"10", "2"} {
		if _, _, err := s.ReserveLabel(ctxT(t), newLabel(t, l.OrderID, pkg)); err != nil {
			t.Fatalf("ReserveLabel package %s: %v", pkg, err)
		}
	}
	ls, err := s.Labels(ctxT(t), sellerA, l.OrderID)
	if err != nil {
		t.Fatalf("Labels: %v", err)
	}
	var refs []string
	for _, x := range ls {
		refs = append(refs, x.PackageRef)
	}
	if want := []string{"1", "2", "10"}; !slices.Equal(refs, want) {
		t.Errorf("Labels package references = %v, want %v", refs, want)
	}

	bad := newLabel(t, l.OrderID, "3")
	bad.IdempotencyKey = "made-up"
	if _, _, err := s.ReserveLabel(ctxT(t), bad); err == nil {
		t.Error("ReserveLabel with a key other than LabelKey: no error")
	}
	if _, err := s.Label(ctxT(t), "00000000-0000-8000-8000-000000000000"); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Label of an unknown key: err = %v, want ErrNotFound", err)
	}
}

func testReserveLabelConcurrent(t *testing.T, s fulfillment.Store) {
	l := newLabel(t, "111-9998887-7776665", "1")
	var (
		wg      sync.WaitGroup
		winners atomic.Int32
		errs    = make(chan error, 8)
	)
	for range 8 {
		wg.Go(func() {
			_, created, err := s.ReserveLabel(context.Background(), l)
			if err != nil {
				errs <- err
				return
			}
			if created {
				winners.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ReserveLabel: %v", err)
	}
	if n := winners.Load(); n != 1 {
		t.Errorf("8 concurrent ReserveLabel calls created %d labels, want 1", n)
	}
}

func testSaveLabelUnknown(t *testing.T, s fulfillment.Store) {
	l := newLabel(t, "111-5554443-3332221", "1")
	if err := s.SaveLabel(ctxT(t), l); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("SaveLabel without ReserveLabel: err = %v, want ErrNotFound", err)
	}
}

func testShipments(t *testing.T, s fulfillment.Store) {
	sh := fulfillment.Shipment{
		Confirmation: fulfillment.Confirmation{
			SellerID: sellerA, MarketplaceID: marketplace, OrderID: "111-2223334-4445556", PackageRef: "2",
			CarrierCode: "UPS", ShippingMethod: "Ground", TrackingNumber: "1Z999AA10123456784",
			ShipDate: time.Date(2026, 12, 4, 8, 30, 0, 0, time.UTC),
			Items:    []fulfillment.ConfirmationItem{{OrderItemID: "12345678901234", Quantity: 2}},
		},
		State:   fulfillment.ShipmentPending,
		Channel: fulfillment.ChannelConfirmShipment,
	}
	if err := s.SaveShipment(ctxT(t), sh); err != nil {
		t.Fatalf("SaveShipment: %v", err)
	}
	sh.State = fulfillment.ShipmentConfirmed
	sh.ConfirmedAt = sh.ShipDate.Add(time.Hour)
	if err := s.SaveShipment(ctxT(t), sh); err != nil {
		t.Fatalf("SaveShipment again: %v", err)
	}
	first := sh
	first.PackageRef = "1"
	first.Channel = fulfillment.ChannelFeed
	first.FeedID = "50001020304"
	if err := s.SaveShipment(ctxT(t), first); err != nil {
		t.Fatalf("SaveShipment: %v", err)
	}

	got, err := s.Shipment(ctxT(t), sellerA, sh.OrderID, "2")
	if err != nil {
		t.Fatalf("Shipment: %v", err)
	}
	if got.State != fulfillment.ShipmentConfirmed || !got.ConfirmedAt.Equal(sh.ConfirmedAt) || !got.ShipDate.Equal(sh.ShipDate) ||
		!slices.Equal(got.Items, sh.Items) || got.TrackingNumber != sh.TrackingNumber || got.ShippingMethod != sh.ShippingMethod {
		t.Errorf("Shipment = %+v, want %+v", got, sh)
	}
	all, err := s.Shipments(ctxT(t), sellerA, sh.OrderID)
	if err != nil || len(all) != 2 || all[0].PackageRef != "1" || all[0].FeedID != first.FeedID {
		t.Errorf("Shipments = %+v, %v; want packages 1 and 2", all, err)
	}
	if _, err := s.Shipment(ctxT(t), sellerA, sh.OrderID, "3"); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Shipment of an unknown package: err = %v, want ErrNotFound", err)
	}

	bad := sh
	bad.Items = nil
	if err := s.SaveShipment(ctxT(t), bad); err == nil {
		t.Error("SaveShipment without items: no error")
	}
}

func testCancelled(t *testing.T, s fulfillment.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.UpsertOrders(ctx, []*fulfillment.Order{newOrder(sellerA)}); !errors.Is(err, context.Canceled) {
		t.Errorf("UpsertOrders with a cancelled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.Order(ctx, sellerA, "111-2223334-4445556"); !errors.Is(err, context.Canceled) {
		t.Errorf("Order with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func testSettlements(t *testing.T, s fulfillment.Store) {
	rec := fulfillment.SettlementRecord{
		SellerID: sellerA, ReportID: "50012345678", SettlementID: "12345678901",
		StartDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), EndDate: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC),
		TotalAmount: "1234.56", Currency: "USD", Rows: 42, IngestedAt: time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC),
	}
	if ok, err := s.SettlementRecorded(ctxT(t), sellerA, rec.ReportID); err != nil || ok {
		t.Errorf("SettlementRecorded before recording = %v, %v; want false", ok, err)
	}
	if ok, err := s.RecordSettlement(ctxT(t), rec); err != nil || !ok {
		t.Fatalf("first RecordSettlement = %v, %v; want true", ok, err)
	}
	if ok, err := s.RecordSettlement(ctxT(t), rec); err != nil || ok {
		t.Errorf("second RecordSettlement = %v, %v; want false", ok, err)
	}
	if ok, err := s.SettlementRecorded(ctxT(t), sellerA, rec.ReportID); err != nil || !ok {
		t.Errorf("SettlementRecorded after recording = %v, %v; want true", ok, err)
	}
	if ok, err := s.SettlementRecorded(ctxT(t), sellerB, rec.ReportID); err != nil || ok {
		t.Errorf("SettlementRecorded of another seller = %v, %v; want false", ok, err)
	}
	bad := rec
	bad.ReportID = ""
	if _, err := s.RecordSettlement(ctxT(t), bad); err == nil {
		t.Error("RecordSettlement without a report ID: no error")
	}
}

func testDelete(t *testing.T, s fulfillment.Store) {
	o, keep := newOrder(sellerA), newOrder(sellerA)
	mustUpsert(t, s, o, keep)
	l := newLabel(t, o.OrderID, "1")
	if _, _, err := s.ReserveLabel(ctxT(t), l); err != nil {
		t.Fatal(err)
	}

	n, err := s.DeleteOrders(ctxT(t), sellerA, []string{o.OrderID, "000-0000000-0000000"})
	if err != nil || n != 1 {
		t.Fatalf("DeleteOrders = %d, %v; want 1, nil", n, err)
	}
	if _, err := s.Order(ctxT(t), sellerA, o.OrderID); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Order after DeleteOrders: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Label(ctxT(t), l.IdempotencyKey); !errors.Is(err, fulfillment.ErrNotFound) {
		t.Errorf("Label after DeleteOrders: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Order(ctxT(t), sellerA, keep.OrderID); err != nil {
		t.Errorf("the other order is gone: %v", err)
	}
	if n, err := s.DeleteOrders(ctxT(t), sellerA, []string{o.OrderID}); err != nil || n != 0 {
		t.Errorf("second DeleteOrders = %d, %v; want 0, nil", n, err)
	}
}
