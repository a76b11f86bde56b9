package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/vaultkms"
)

const (
	testSeller      = "A1SYNCSELLER"
	testMarketplace = "ATVPDKIKX0DER"
)

// fakeSource serves remote orders from memory, in pages, filtered by their
// last update like searchOrders.
type fakeSource struct {
	mu       sync.Mutex
	orders   []*remoteOrder
	failPage int   // fail when asked for this page (1-based); 0 never
	failErr  error // the error of failPage, or of every call when failPage is -1
	searches int
}

func (*fakeSource) name() string { return SourceOrders }

func (f *fakeSource) search(_ context.Context, q searchQuery) iter.Seq2[[]*remoteOrder, error] {
	return func(yield func([]*remoteOrder, error) bool) {
		f.mu.Lock()
		f.searches++
		var match []*remoteOrder
		for _, ro := range f.orders {
			if !ro.order.LastUpdateDate.Before(q.from) && !ro.order.LastUpdateDate.After(q.to) {
				c := *ro
				c.order.Items = slices.Clone(ro.order.Items)
				match = append(match, &c)
			}
		}
		failPage, failErr := f.failPage, f.failErr
		f.mu.Unlock()

		if failPage == -1 {
			yield(nil, failErr)
			return
		}
		for n := 1; len(match) > 0; n++ {
			if n == failPage {
				yield(nil, failErr)
				return
			}
			size := min(q.pageSize, len(match))
			if !yield(match[:size], nil) {
				return
			}
			match = match[size:]
		}
	}
}

func (*fakeSource) complete(context.Context, searchQuery, *remoteOrder) error { return nil }

// fakeFetcher returns one unit of personalisation per unit ordered, or the
// configured error or unit count.
type fakeFetcher struct {
	err   error
	units int // units returned; 0 means the item's quantity
	calls int
	mu    sync.Mutex
}

func (f *fakeFetcher) FetchCustomization(_ context.Context, _ string, _ *Order, item *OrderItem, url pii.Personalization) (ItemCustomization, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if url.IsZero() {
		return ItemCustomization{}, errors.New("no URL")
	}
	if f.err != nil {
		return ItemCustomization{}, f.err
	}
	n := f.units
	if n == 0 {
		n = item.Quantity
	}
	c := ItemCustomization{OrderItemID: item.OrderItemID, SKU: item.SKU, ASIN: item.ASIN}
	for u := range n {
		text, _ := pii.NewPersonalization(fmt.Sprintf("U%d", u+1))
		c.Units = append(c.Units, UnitCustomization{Parts: []CustomizationPart{{Part: "Front/Initials", Text: text, Font: "Serif"}}})
	}
	return c, nil
}

// recorder collects audit events.
type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) all() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

type syncBundle struct {
	sync      *OrderSync
	source    *fakeSource
	fetcher   *fakeFetcher
	store     *MemoryStore
	retention *retention.MemoryStore
	keyring   *vaultkms.Keyring
	recorder  *recorder
	now       time.Time
	faker     *gofakeit.Faker
}

func newSyncBundle(t *testing.T) *syncBundle {
	t.Helper()
	ring, err := vaultkms.New(vaultkms.Config{KEK: vaultkms.NewInsecureLocalKEK(), Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	// The fake source serves every call, so the client never sends one.
	client, err := spapi.New(spapi.Config{AppName: "fulfillment-test", ApplicationID: "amzn1.sp.solution.test"})
	if err != nil {
		t.Fatal(err)
	}
	b := &syncBundle{
		source:    &fakeSource{},
		fetcher:   &fakeFetcher{},
		store:     NewMemoryStore(),
		retention: retention.NewMemoryStore(),
		keyring:   ring,
		recorder:  &recorder{},
		now:       time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC),
		faker:     gofakeit.New(42),
	}
	s, err := NewOrderSync(OrderSyncConfig{
		Client: client, Store: b.store, Sealer: ring, Indexer: ring, Retention: b.retention,
		Recorder: b.recorder, Customizations: b.fetcher, PageSize: 3,
		Now: func() time.Time { return b.now },
	})
	if err != nil {
		t.Fatalf("NewOrderSync: %v", err)
	}
	s.sources = []orderSource{b.source}
	b.sync = s
	return b
}

var orderCounter atomic.Int64

// addOrder adds an unshipped MFN order with buyer data, updated an hour
// before now, with a plain item and optionally a customised one.
func (b *syncBundle) addOrder(t *testing.T, customQuantity int) *remoteOrder {
	t.Helper()
	f := b.faker
	id := fmt.Sprintf("113-%07d-%07d", orderCounter.Add(1), f.Number(1000000, 9999999))
	name, err := pii.NewBuyerName(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	email, err := pii.NewEmail(f.Email())
	if err != nil {
		t.Fatal(err)
	}
	phone, err := pii.NewPhone(f.Phone())
	if err != nil {
		t.Fatal(err)
	}
	addr, err := pii.NewAddress(pii.AddressParts{Name: f.Name(), AddressLine1: f.Street(), City: f.City(), PostalCode: f.Zip(), StateOrRegion: f.StateAbr(), CountryCode: "US"})
	if err != nil {
		t.Fatal(err)
	}
	ro := &remoteOrder{
		order: Order{
			SellerID: testSeller, MarketplaceID: testMarketplace, OrderID: id, Status: "Unshipped", FulfillmentChannel: "MFN",
			PurchaseDate: b.now.Add(-3 * time.Hour), LastUpdateDate: b.now.Add(-time.Hour),
			ShipTo: Destination{CountryCode: addr.CountryCode(), PostalCode: addr.PostalCode(), City: addr.City(), StateOrRegion: addr.StateOrRegion()},
			Items:  []OrderItem{{OrderItemID: id[4:11] + "0000001", SKU: "BELT 34", ASIN: "B0BELT0001", Quantity: 1}},
		},
		complete:    true,
		buyerStatus: BuyerDataAvailable,
		buyer:       remoteBuyer{name: name, email: email, phone: phone, address: addr},
	}
	gift, _ := pii.NewGiftMessage(f.Sentence())
	ro.addItemBuyerData(ro.order.Items[0].OrderItemID, gift, pii.Personalization{})
	if customQuantity > 0 {
		item := OrderItem{OrderItemID: id[4:11] + "0000002", SKU: "WALLET/BIFOLD", ASIN: "B0WALLET01", Quantity: customQuantity}
		ro.order.Items = append(ro.order.Items, item)
		url, _ := pii.NewPersonalization("https://127.0.0.1/custom/" + id)
		ro.addItemBuyerData(item.OrderItemID, pii.GiftMessage{}, url)
	}
	b.source.orders = append(b.source.orders, ro)
	return ro
}

func collect(t *testing.T, seq iter.Seq2[*Order, error]) (orders []*Order, problems map[string]error, fatal error) {
	t.Helper()
	problems = map[string]error{}
	for o, err := range seq {
		if o == nil {
			fatal = err
			continue
		}
		orders = append(orders, o)
		if err != nil {
			problems[o.OrderID] = err
		}
	}
	return orders, problems, fatal
}

func TestSyncStoresAndSealsOrders(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	for range 7 {
		b.addOrder(t, 0)
	}
	custom := b.addOrder(t, 3)

	got, problems, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace))
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if len(got) != 8 || len(problems) != 0 {
		t.Fatalf("Sync yielded %d orders and problems %v, want 8 and none", len(got), problems)
	}

	o, err := b.store.Order(context.Background(), testSeller, custom.order.OrderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if o.Revision != 1 || o.BuyerData != BuyerDataAvailable || o.Bucket != retention.OpenBucket(o.PurchaseDate) {
		t.Errorf("stored order: revision %d, buyer data %q, bucket %q", o.Revision, o.BuyerData, o.Bucket)
	}
	name, err := pii.Open[pii.BuyerName](context.Background(), b.keyring, BuyerBinding(testSeller, o.OrderID, ColumnBuyerName), o.Buyer.Name)
	if err != nil || name != custom.buyer.name {
		t.Errorf("sealed buyer name does not open to the synced one: %v", err)
	}
	addr, err := pii.Open[pii.Address](context.Background(), b.keyring, BuyerBinding(testSeller, o.OrderID, ColumnShippingAddress), o.Buyer.ShippingAddress)
	if err != nil || addr != custom.buyer.address {
		t.Errorf("sealed address does not open to the synced one: %v", err)
	}
	want, err := pii.BlindIndexOf(context.Background(), b.keyring, testSeller, custom.buyer.phone)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := b.store.FindOrders(context.Background(), testSeller, pii.KindPhone, want[:], 5)
	if err != nil || !slices.Equal(ids, []string{o.OrderID}) {
		t.Errorf("FindOrders by phone = %v, %v; want [%s]", ids, err, o.OrderID)
	}
	if o.Items[0].GiftMessage.IsZero() || o.Items[0].Customization != CustomizationNone {
		t.Errorf("plain item: gift sealed %v, customization %q", !o.Items[0].GiftMessage.IsZero(), o.Items[0].Customization)
	}
	wallet := o.Items[1]
	if wallet.Customization != CustomizationLinked || len(wallet.Personalizations) != 3 {
		t.Errorf("custom item: customization %q with %d personalisations, want linked with 3", wallet.Customization, len(wallet.Personalizations))
	}

	cur, err := b.store.Cursor(context.Background(), testSeller, testMarketplace)
	if err != nil || !cur.LastUpdated.Equal(b.now.Add(-settleDelay)) {
		t.Errorf("cursor = %v, %v; want %v", cur.LastUpdated, err, b.now.Add(-settleDelay))
	}
	pending, err := b.retention.Pending(context.Background(), retention.Selector{Class: retention.ClassBuyerPII, SellerID: testSeller}, b.now.Add(365*24*time.Hour))
	if err != nil || pending.Due != 8 {
		t.Errorf("retention buyer PII records = %+v, %v; want 8 registered", pending, err)
	}
	events := b.recorder.all()
	if len(events) != 1 || events[0].Action != audit.ActionOrderSync || events[0].Count != 8 || events[0].Outcome != audit.OutcomeSuccess {
		t.Errorf("audit events = %+v, want one successful order sync of 8", events)
	}
}

func TestSyncSkipsUnchangedOrders(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	first := b.addOrder(t, 0)
	b.addOrder(t, 0)
	if _, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil {
		t.Fatalf("first Sync: %v", err)
	}

	// The next sync overlaps the first window, so Amazon returns both
	// orders again; only the changed one is stored and yielded.
	b.now = b.now.Add(5 * time.Minute)
	first.order.LastUpdateDate = b.now.Add(-3 * time.Minute)
	first.order.Status = "Canceled"
	rep, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if rep.Seen != 1 || rep.Updated != 1 || rep.Created != 0 {
		t.Errorf("second run report = %+v, want 1 seen and updated", rep)
	}
	o, err := b.store.Order(context.Background(), testSeller, first.order.OrderID)
	if err != nil || o.Revision != 2 || o.Status != "Canceled" {
		t.Errorf("changed order: %v revision %d status %q, want revision 2 Canceled", err, o.Revision, o.Status)
	}

	// A window holding both orders again, unchanged, writes nothing.
	if err := b.store.SaveCursor(context.Background(), Cursor{SellerID: testSeller, MarketplaceID: testMarketplace, LastUpdated: b.now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b.source.orders[1].order.LastUpdateDate = b.now.Add(-3 * time.Minute)
	b.store.cursors = map[cursorKey]Cursor{}
	b.now = b.now.Add(time.Minute)
	rep, err = b.sync.Run(context.Background(), testSeller, testMarketplace, nil)
	if err != nil {
		t.Fatalf("third Run: %v", err)
	}
	if rep.Updated != 1 || rep.Unchanged != 1 {
		t.Errorf("third run report = %+v, want 1 updated and 1 unchanged", rep)
	}
}

func TestSyncFailureKeepsCursor(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	for range 7 {
		b.addOrder(t, 0)
	}
	b.source.failPage = 2
	b.source.failErr = fmt.Errorf("searchOrders: %w", spapi.ErrServerUnavailable)

	got, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace))
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Fatalf("Sync error = %v, want ErrServerUnavailable", err)
	}
	if len(got) != 3 {
		t.Errorf("orders yielded before the failure = %d, want the first page of 3", len(got))
	}
	if _, err := b.store.Cursor(context.Background(), testSeller, testMarketplace); !errors.Is(err, ErrNotFound) {
		t.Errorf("cursor after a failed run: err = %v, want none saved", err)
	}
	events := b.recorder.all()
	if len(events) != 1 || events[0].Outcome != audit.OutcomeFailure || events[0].Reason != "server_unavailable" {
		t.Errorf("audit events = %+v, want one failure with reason server_unavailable", events)
	}

	b.source.failPage = 0
	rep, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil)
	if err != nil {
		t.Fatalf("retry Run: %v", err)
	}
	if rep.Created != 4 || rep.Unchanged != 3 {
		t.Errorf("retry report = %+v, want the 4 missing orders created and 3 unchanged", rep)
	}
}

func TestSyncBuyerDataWithheld(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	ro := b.addOrder(t, 2)
	// Updated within the overlap of the next sync.
	ro.order.LastUpdateDate = b.now.Add(-5 * time.Minute)
	ro.buyerStatus = BuyerDataWithheld
	ro.buyerErr = fmt.Errorf("createRestrictedDataToken: %w", spapi.ErrMissingRole)
	ro.buyer = remoteBuyer{}

	_, problems, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace))
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	var bde *BuyerDataError
	if !errors.As(problems[ro.order.OrderID], &bde) || !errors.Is(bde, ErrBuyerDataWithheld) || !errors.Is(bde, spapi.ErrMissingRole) {
		t.Fatalf("problem = %v, want a *BuyerDataError wrapping ErrMissingRole", problems[ro.order.OrderID])
	}
	o, err := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.BuyerData != BuyerDataWithheld || !o.Buyer.Name.IsZero() {
		t.Errorf("stored order: buyer data %q, name sealed %v; want withheld and none", o.BuyerData, !o.Buyer.Name.IsZero())
	}
	for _, it := range o.Items {
		if it.Customization != CustomizationWithheld {
			t.Errorf("item %s: customization %q, want withheld (unknown while buyer data is withheld)", it.OrderItemID, it.Customization)
		}
	}

	// Once the role is granted, the next sync fetches the order again
	// although Amazon did not change it.
	ro.buyerStatus, ro.buyerErr = BuyerDataAvailable, nil
	ro.buyer.name, _ = pii.NewBuyerName("Synthetic Buyer")
	b.now = b.now.Add(5 * time.Minute)
	rep, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil)
	if err != nil || rep.Updated != 1 {
		t.Fatalf("Run after the grant = %+v, %v; want the order updated", rep, err)
	}
	o, _ = b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if o.BuyerData != BuyerDataAvailable || o.Items[1].Customization != CustomizationLinked {
		t.Errorf("after the grant: buyer data %q, customization %q; want available and linked", o.BuyerData, o.Items[1].Customization)
	}
}

func TestSyncPersonalizationProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		err   error
		units int
		check func(err error) bool
	}{
		{"download fails", errors.New("connection reset"), 0, func(err error) bool {
			var ce *CustomizationError
			return errors.As(err, &ce)
		}},
		{"fewer units than ordered", nil, 1, func(err error) bool { return errors.Is(err, ErrPersonalizationMismatch) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newSyncBundle(t)
			b.fetcher.err, b.fetcher.units = tc.err, tc.units
			ro := b.addOrder(t, 2)
			rep, err := b.sync.Run(context.Background(), testSeller, testMarketplace, func(o *Order, err error) error {
				if !tc.check(err) {
					t.Errorf("problem of order %s = %v", o.OrderID, err)
				}
				return nil
			})
			if err != nil || rep.Unlinked != 1 {
				t.Fatalf("Run = %+v, %v; want one unlinked order", rep, err)
			}
			o, _ := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
			if c := o.Items[1].Customization; c != CustomizationPending {
				t.Errorf("customised item: %q, want pending so it is not made", c)
			}
			st, _ := b.store.OrderStates(context.Background(), testSeller, []string{o.OrderID})
			if !st[o.OrderID].CustomizationPending {
				t.Error("OrderState.CustomizationPending is false for a pending item")
			}
		})
	}
}

func TestSyncShippedOrderGoesToShipmentBucket(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	ro := b.addOrder(t, 0)
	ro.order.Status = StatusShipped
	ro.shippedAt = b.now.Add(-2 * time.Hour)
	old := b.addOrder(t, 0)
	old.order.Status = StatusShipped
	old.shippedAt = b.now.Add(-40 * 24 * time.Hour)

	if _, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	o, _ := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if o.Bucket != retention.ShipmentBucket(ro.shippedAt) || !o.ShippedAt.Equal(ro.shippedAt) || o.Buyer.Name.Bucket != o.Bucket {
		t.Errorf("shipped order: bucket %q, shipped %v, name sealed in %q", o.Bucket, o.ShippedAt, o.Buyer.Name.Bucket)
	}
	expired, _ := b.store.Order(context.Background(), testSeller, old.order.OrderID)
	if expired.BuyerData != BuyerDataPurged || !expired.Buyer.Name.IsZero() || !expired.Items[0].GiftMessage.IsZero() {
		t.Errorf("order shipped 40 days ago: buyer data %q, name stored %v; want none stored", expired.BuyerData, !expired.Buyer.Name.IsZero())
	}
}

func TestSyncNeverRefetchesPurgedData(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	ro := b.addOrder(t, 1)
	if _, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil {
		t.Fatal(err)
	}
	if n, err := b.store.PurgeBuyerData(context.Background(), testSeller, []string{ro.order.OrderID}); err != nil || n != 1 {
		t.Fatalf("PurgeBuyerData = %d, %v", n, err)
	}
	fetches := b.fetcher.calls

	b.now = b.now.Add(5 * time.Minute)
	ro.order.LastUpdateDate = b.now.Add(-3 * time.Minute)
	if _, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace)); err != nil {
		t.Fatal(err)
	}
	o, _ := b.store.Order(context.Background(), testSeller, ro.order.OrderID)
	if o.BuyerData != BuyerDataPurged || !o.Buyer.Name.IsZero() || o.Items[1].Customization != CustomizationPurged {
		t.Errorf("purged order after a new sync: buyer data %q, name stored %v, customization %q", o.BuyerData, !o.Buyer.Name.IsZero(), o.Items[1].Customization)
	}
	if b.fetcher.calls != fetches {
		t.Errorf("personalisation downloaded again for a purged order")
	}
}

func TestSyncFallsBackToV0(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	unavailable := &fakeSource{failPage: -1, failErr: fmt.Errorf("searchOrders: %w", spapi.ErrForbidden)}
	b.sync.sources = []orderSource{unavailable, b.source}
	b.addOrder(t, 0)

	rep, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil)
	if err != nil || rep.Created != 1 {
		t.Fatalf("Run = %+v, %v; want the order created through the fallback", rep, err)
	}
	b.now = b.now.Add(5 * time.Minute)
	if _, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil); err != nil {
		t.Fatal(err)
	}
	if unavailable.searches != 1 {
		t.Errorf("the unavailable API was asked %d times, want once per process", unavailable.searches)
	}
}

func TestSyncRetriesNewAPIAfterFallback(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	unavailable := &fakeSource{failPage: -1, failErr: fmt.Errorf("searchOrders: %w", spapi.ErrForbidden)}
	b.sync.sources = []orderSource{unavailable, b.source}
	b.addOrder(t, 0)
	if _, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	// After v0Retry the 2026-01-01 API is asked again, and found available.
	unavailable.mu.Lock()
	unavailable.failPage, unavailable.failErr = 0, nil
	unavailable.mu.Unlock()
	b.now = b.now.Add(v0Retry + time.Minute)
	if _, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil); err != nil {
		t.Fatalf("Run after v0Retry: %v", err)
	}
	if unavailable.searches != 2 {
		t.Errorf("the 2026-01-01 API was asked %d times, want 2: once at first and once after v0Retry", unavailable.searches)
	}
}

func TestSyncStopsEarlyWithoutCursor(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	for range 5 {
		b.addOrder(t, 0)
	}
	for range b.sync.Sync(context.Background(), testSeller, testMarketplace) {
		break
	}
	if _, err := b.store.Cursor(context.Background(), testSeller, testMarketplace); !errors.Is(err, ErrNotFound) {
		t.Errorf("cursor after an early stop: err = %v, want none saved", err)
	}
}

func TestSyncSinceLeavesNoGap(t *testing.T) {
	t.Parallel()
	b := newSyncBundle(t)
	b.addOrder(t, 0)
	if _, err := b.sync.Run(context.Background(), testSeller, testMarketplace, nil); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	// Two days later an order changed a day ago, before the window that
	// SyncSince is asked for.
	b.now = b.now.Add(48 * time.Hour)
	missed := b.addOrder(t, 0)
	missed.order.LastUpdateDate = b.now.Add(-24 * time.Hour)
	_, _, err := collect(t, b.sync.SyncSince(context.Background(), testSeller, testMarketplace, b.now.Add(-time.Hour)))
	if err != nil {
		t.Fatalf("SyncSince: %v", err)
	}

	got, _, err := collect(t, b.sync.Sync(context.Background(), testSeller, testMarketplace))
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	found := false
	for _, o := range got {
		found = found || o.OrderID == missed.order.OrderID
	}
	if !found {
		t.Errorf("Sync after SyncSince yielded %d orders, none of them the order changed before since", len(got))
	}
}
