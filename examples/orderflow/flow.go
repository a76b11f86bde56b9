package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/reports"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// summary counts what a run did; it is printed as the closing table.
type summary struct {
	orders, personalizations    int
	buyerData                   map[fulfillment.BuyerDataStatus]int
	labels, shipments           int
	stockUpdated, pricesUpdated int
	settlementRows              int
	buckets, purged, shredded   int
	auditEntries, auditVerified int
	vaultCalls                  int64
	sandboxPassed, sandboxTotal int
}

// run executes the whole flow and writes progress and the summary to out.
func run(ctx context.Context, opts options, out io.Writer) error {
	s, err := build(ctx, opts)
	if err != nil {
		return err
	}
	defer s.close()
	_, err = runSteps(ctx, s, opts, out)
	return err
}

// runSteps runs every step on a built stack and returns the summary.
func runSteps(ctx context.Context, s *stack, opts options, out io.Writer) (*summary, error) {
	start := time.Now()
	fmt.Fprintf(out, "spkit orderflow: seed %d, %d orders per seller, %d sellers\n", opts.seed, opts.orders, len(s.dataset.Sellers))
	for _, m := range s.modes {
		fmt.Fprintf(out, "  %s\n", m)
	}
	ctx = pii.WithActor(ctx, pii.Actor{UserID: "svc:orderflow"})

	sum := summary{buyerData: map[fulfillment.BuyerDataStatus]int{}}
	steps := []struct {
		name string
		fn   func(context.Context, *stack, io.Writer, *summary) error
	}{
		{"sync orders and seal buyer data", syncOrders},
		{"buy labels", buyLabels},
		{"confirm shipments", confirmShipments},
		{"update stock", updateStock},
		{"update prices", updatePrices},
		{"ingest settlement reports", ingestSettlements},
		{"purge after " + strconv.Itoa(opts.days) + " days", purge(opts.days)},
		{"verify the audit trail", verifyAudit},
	}
	if opts.showSandbox {
		steps = append(steps, struct {
			name string
			fn   func(context.Context, *stack, io.Writer, *summary) error
		}{"check Amazon's sandbox examples", checkSandbox})
	}
	for i, st := range steps {
		stepStart := time.Now()
		fmt.Fprintf(out, "[%d/%d] %s\n", i+1, len(steps), st.name)
		if err := st.fn(ctx, s, out, &sum); err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
		fmt.Fprintf(out, "      done in %s\n", time.Since(stepStart).Round(time.Millisecond))
	}
	sum.vaultCalls = s.keyring.Stats().KEKCalls()

	printSummary(out, &sum, time.Since(start))
	return &sum, nil
}

// homeMarketplaces lists each seller with its home marketplace.
func homeMarketplaces(s *stack) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, sd := range s.dataset.Sellers {
			if !yield(sd.ID, sd.Marketplaces[0]) {
				return
			}
		}
	}
}

func syncOrders(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	revealer, err := pii.NewRevealer(pii.Policy{}, s.trail)
	if err != nil {
		return err
	}
	sync, err := fulfillment.NewOrderSync(fulfillment.OrderSyncConfig{
		Client:          s.client,
		Store:           s.orders,
		Sealer:          s.keyring,
		Indexer:         s.keyring,
		Retention:       s.retention,
		Recorder:        s.trail,
		Customizations:  &fulfillment.CustomFetcher{Revealer: revealer, HTTPClient: s.server.Client()},
		InitialLookback: 90 * 24 * time.Hour,
		Now:             s.clock.Now,
	})
	if err != nil {
		return err
	}

	buckets := map[string]bool{}
	for seller, marketplace := range homeMarketplaces(s) {
		rep, err := sync.Run(ctx, seller, marketplace, func(o *fulfillment.Order, err error) error {
			if err != nil && !errors.Is(err, fulfillment.ErrBuyerDataWithheld) {
				return err
			}
			sum.orders++
			sum.buyerData[o.BuyerData]++
			buckets[o.SellerID+"/"+o.Bucket] = true
			for _, it := range o.Items {
				sum.personalizations += len(it.Personalizations)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		fmt.Fprintf(out, "      seller %s (%s): %d orders seen, %d stored, %d without buyer data, API %s\n",
			seller, marketplace, rep.Seen, rep.Created+rep.Updated, rep.Withheld, rep.Source)
	}
	sum.buckets = len(buckets)
	fmt.Fprintf(out, "      %d orders, %d personalisations linked, buyer data sealed in %d buckets\n",
		sum.orders, sum.personalizations, sum.buckets)
	return nil
}

// shippable returns the stored merchant-fulfilled orders that await shipment.
func shippable(ctx context.Context, s *stack) ([]*fulfillment.Order, error) {
	var orders []*fulfillment.Order
	for _, sd := range s.dataset.Sellers {
		for _, o := range sd.Orders {
			if o.FulfillmentChannel != "MFN" || o.Status != "Unshipped" || o.MarketplaceID != sd.Marketplaces[0] {
				continue
			}
			stored, err := s.orders.Order(ctx, sd.ID, o.ID)
			if errors.Is(err, fulfillment.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if stored.BuyerData == fulfillment.BuyerDataAvailable {
				orders = append(orders, stored)
			}
		}
	}
	return orders, nil
}

func buyLabels(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	labels, err := fulfillment.NewLabels(fulfillment.LabelsConfig{
		Client: s.client, Store: s.orders, Recorder: s.trail, Now: s.clock.Now,
	})
	if err != nil {
		return err
	}
	orders, err := shippable(ctx, s)
	if err != nil {
		return err
	}

	faker := gofakeit.New(7)
	for _, o := range orders {
		req := fulfillment.LabelRequest{
			SellerID:      o.SellerID,
			MarketplaceID: o.MarketplaceID,
			OrderID:       o.OrderID,
			PackageRef:    "1",
			ShipFrom:      shipFrom(faker, o.ShipTo.CountryCode),
			Package:       packageOf(o),
		}
		if _, err := labels.Buy(ctx, req); err != nil {
			return fmt.Errorf("order %s: %w", o.OrderID, err)
		}
		sum.labels++
		// A second call with the same order and package returns the label
		// already bought: the idempotency key makes retries safe.
		if _, err := labels.Buy(ctx, req); err != nil {
			return fmt.Errorf("repeat purchase for order %s: %w", o.OrderID, err)
		}
	}
	bought := 0
	for _, sd := range s.dataset.Sellers {
		bought += s.server.ShipmentCount(sd.ID)
	}
	fmt.Fprintf(out, "      %d labels bought for %d orders (each purchase repeated once; Amazon sold %d)\n", sum.labels, len(orders), bought)
	if bought != sum.labels {
		return fmt.Errorf("amazon sold %d labels for %d packages", bought, sum.labels)
	}
	return nil
}

func shipFrom(f *gofakeit.Faker, country string) fulfillment.ShipFrom {
	a := f.Address()
	return fulfillment.ShipFrom{
		Name:          f.Company(),
		AddressLine1:  a.Street,
		City:          a.City,
		StateOrRegion: a.State,
		PostalCode:    a.Zip,
		CountryCode:   country,
		Phone:         f.Phone(),
	}
}

func packageOf(o *fulfillment.Order) fulfillment.PackageSpec {
	spec := fulfillment.PackageSpec{Length: 30, Width: 20, Height: 8, Weight: 900, Value: o.Total}
	for _, it := range o.Items {
		spec.Items = append(spec.Items, fulfillment.ConfirmationItem{OrderItemID: it.OrderItemID, Quantity: it.Quantity})
	}
	return spec
}

func confirmShipments(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	tracking, err := fulfillment.NewTracking(fulfillment.TrackingConfig{
		Client: s.client, Store: s.orders, Sealer: s.keyring, Retention: s.retention, Recorder: s.trail,
		FeedPollInterval: 50 * time.Millisecond, Now: s.clock.Now,
	})
	if err != nil {
		return err
	}
	orders, err := shippable(ctx, s)
	if err != nil {
		return err
	}

	// Each seller's shipments go in one POST_ORDER_FULFILLMENT_DATA feed.
	bySeller := map[string][]fulfillment.Confirmation{}
	var sellers []string
	for _, o := range orders {
		ls, err := s.orders.Labels(ctx, o.SellerID, o.OrderID)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			return fmt.Errorf("order %s has no label", o.OrderID)
		}
		c := fulfillment.Confirmation{
			SellerID:       o.SellerID,
			MarketplaceID:  o.MarketplaceID,
			OrderID:        o.OrderID,
			PackageRef:     ls[0].PackageRef,
			CarrierCode:    ls[0].CarrierCode,
			ShippingMethod: ls[0].CarrierService,
			TrackingNumber: ls[0].TrackingNumber,
			ShipDate:       s.clock.Now().Add(-time.Minute),
			Items:          packageOf(o).Items,
		}
		if c.CarrierCode == "" {
			c.CarrierCode, c.CarrierName = fulfillment.CarrierOther, "Synthetic Carrier"
		}
		if _, ok := bySeller[o.SellerID]; !ok {
			sellers = append(sellers, o.SellerID)
		}
		bySeller[o.SellerID] = append(bySeller[o.SellerID], c)
	}
	sort.Strings(sellers)
	for _, seller := range sellers {
		cs := bySeller[seller]
		results, err := tracking.ConfirmBatch(ctx, seller, cs[0].MarketplaceID, cs)
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		for _, r := range results {
			if r.Err != nil {
				return fmt.Errorf("order %s: %w", r.Shipment.OrderID, r.Err)
			}
			sum.shipments++
		}
	}
	fmt.Fprintf(out, "      %d shipments confirmed in %d feeds; buyer data re-sealed under the shipment-day bucket\n", sum.shipments, len(sellers))
	return nil
}

func updateStock(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	inv, err := fulfillment.NewInventorySync(fulfillment.InventoryConfig{
		Client: s.client, Recorder: s.trail, FeedPollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	for seller, marketplace := range homeMarketplaces(s) {
		sd := s.dataset.Seller(seller)
		var stock []fulfillment.StockLevel
		for i, l := range sd.Listings {
			if l.MarketplaceID != marketplace {
				continue
			}
			q := l.Quantity
			if i%3 == 0 {
				q += 5 // the ERP received new stock for every third SKU
			}
			stock = append(stock, fulfillment.StockLevel{SKU: l.SKU, Quantity: q})
		}
		outcomes, err := inv.Sync(ctx, seller, marketplace, stock)
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		n, err := countChanged(outcomes)
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		sum.stockUpdated += n
	}
	fmt.Fprintf(out, "      %d SKUs updated, unchanged ones not sent\n", sum.stockUpdated)
	return nil
}

func updatePrices(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	prices, err := fulfillment.NewPriceUpdates(fulfillment.PriceConfig{
		Client: s.client, Recorder: s.trail, Preview: true, FeedPollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	for seller, marketplace := range homeMarketplaces(s) {
		sd := s.dataset.Seller(seller)
		var ps []fulfillment.Price
		for _, l := range sd.Listings {
			if l.MarketplaceID != marketplace || len(ps) == 5 {
				continue
			}
			cents := l.PriceCents + 100 // a one-unit price rise
			ps = append(ps, fulfillment.Price{
				SKU: l.SKU, CurrencyCode: l.Currency,
				Amount: strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100),
			})
		}
		outcomes, err := prices.Update(ctx, seller, marketplace, ps)
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		n, err := countChanged(outcomes)
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		sum.pricesUpdated += n
	}
	fmt.Fprintf(out, "      %d prices validated by preview, then updated\n", sum.pricesUpdated)
	return nil
}

// countChanged counts the SKUs an update changed and returns the first
// per-SKU failure.
func countChanged(outcomes []fulfillment.SKUOutcome) (int, error) {
	n := 0
	for _, o := range outcomes {
		if o.Err != nil {
			return n, fmt.Errorf("SKU %q: %w", o.SKU, o.Err)
		}
		if o.Action != fulfillment.ActionUnchanged {
			n++
		}
	}
	return n, nil
}

func ingestSettlements(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	settlements, err := fulfillment.NewSettlements(fulfillment.SettlementsConfig{
		Client: s.client, Store: s.orders, Recorder: s.trail, Now: s.clock.Now,
	})
	if err != nil {
		return err
	}
	reportsSeen := 0
	for seller, marketplace := range homeMarketplaces(s) {
		rep, err := settlements.Ingest(ctx, seller, marketplace, s.clock.Now().Add(-89*24*time.Hour),
			func(ctx context.Context, r fulfillment.SettlementReport, rows iter.Seq2[*reports.SettlementRow, error]) error {
				for _, err := range rows {
					if err != nil {
						return err
					}
					sum.settlementRows++
				}
				return nil
			})
		if err != nil {
			return fmt.Errorf("seller %s: %w", seller, err)
		}
		reportsSeen += rep.Ingested
	}
	fmt.Fprintf(out, "      %d settlement reports, %d rows parsed for tax reconciliation\n", reportsSeen, sum.settlementRows)
	return nil
}

// purge moves the clock forward by days and runs the retention runner once.
// Before that it copies the sealed buyer name of the earliest shipped order,
// as a backup would. Afterwards the copy must no longer open if the run
// shredded its bucket, and must still open if the bucket is not due yet.
func purge(days int) func(context.Context, *stack, io.Writer, *summary) error {
	return func(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
		runner, err := retention.NewRunner(retention.Config{
			Store: s.retention, Recorder: s.trail, Shredder: s.keyring,
			Purger: fulfillment.RetentionPurger{Store: s.orders}, GroupedEvidence: true, Now: s.clock.Now,
		})
		if err != nil {
			return err
		}
		plan, err := runner.Plan(ctx, days)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "      dry run: %d buyer PII records due within %d days\n", plan.Total(retention.ClassBuyerPII), days)

		backup, err := takeBackup(ctx, s)
		if err != nil {
			return err
		}

		s.clock.Advance(time.Duration(days) * 24 * time.Hour)
		rep, err := runner.RunOnce(ctx)
		if err != nil {
			return err
		}
		for _, n := range rep.Purged {
			sum.purged += n
		}
		sum.shredded = len(rep.Shredded)
		fmt.Fprintf(out, "      clock moved to %s: %d records purged, %d bucket keys shredded\n",
			s.clock.Now().Format(time.DateOnly), sum.purged, sum.shredded)

		if backup == nil {
			return nil
		}
		_, openErr := pii.Open[pii.BuyerName](ctx, s.keyring, backup.binding, backup.env)
		if !slices.Contains(rep.Shredded, backup.bucket) {
			if openErr != nil {
				return fmt.Errorf("a backup copy of buyer data whose bucket is not due yet no longer opens: %w", openErr)
			}
			fmt.Fprintf(out, "      a backup copy of the earliest shipped order's buyer name still opens: its bucket is not shredded within %d days\n", days)
			return nil
		}
		if openErr == nil {
			return errors.New("a backup copy of shipped buyer data still opens after its bucket was shredded")
		}
		fmt.Fprintln(out, "      a backup copy of a shipped order's buyer name no longer opens: its bucket key is gone")
		return nil
	}
}

// backupCopy is a sealed value copied out of the order store, as a database
// backup holds it.
type backupCopy struct {
	bucket  retention.BucketRef
	binding pii.Binding
	env     pii.Envelope
}

// takeBackup copies the sealed buyer name of the earliest shipped order,
// whose bucket is the first to become due, and checks that it opens now.
func takeBackup(ctx context.Context, s *stack) (*backupCopy, error) {
	var earliest *fulfillment.Order
	for _, sd := range s.dataset.Sellers {
		for _, o := range sd.Orders {
			stored, err := s.orders.Order(ctx, sd.ID, o.ID)
			if errors.Is(err, fulfillment.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if stored.ShippedAt.IsZero() || stored.Buyer.Name.IsZero() {
				continue
			}
			if earliest == nil || stored.ShippedAt.Before(earliest.ShippedAt) {
				earliest = stored
			}
		}
	}
	if earliest == nil {
		return nil, nil
	}

	b := fulfillment.BuyerBinding(earliest.SellerID, earliest.OrderID, fulfillment.ColumnBuyerName)
	if _, err := pii.Open[pii.BuyerName](ctx, s.keyring, b, earliest.Buyer.Name); err != nil {
		return nil, fmt.Errorf("open buyer name of order %s before the purge: %w", earliest.OrderID, err)
	}
	return &backupCopy{
		bucket:  retention.BucketRef{SellerID: earliest.SellerID, Bucket: earliest.Bucket},
		binding: b,
		env:     earliest.Buyer.Name,
	}, nil
}

func verifyAudit(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	head, err := s.auditSink.Head(ctx)
	if err != nil {
		return err
	}
	var entries iter.Seq2[audit.Entry, error]
	switch sink := s.auditSink.(type) {
	case *audit.MemorySink:
		entries = sink.All()
	case interface {
		All(context.Context) iter.Seq2[audit.Entry, error]
	}:
		entries = sink.All(ctx)
	default:
		return fmt.Errorf("audit sink %T cannot be read back", s.auditSink)
	}
	rep, err := audit.Verify(ctx, entries, audit.VerifyOptions{Keyring: s.auditKeys, End: &head})
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return err
	}
	sum.auditEntries, sum.auditVerified = rep.Entries, rep.Verified
	fmt.Fprintf(out, "      %d entries, %d verified, chain unbroken up to entry %d\n", rep.Entries, rep.Verified, head.Seq)
	return nil
}

// checkSandbox replays Amazon's static sandbox examples of the Orders API
// through the typed client: a fake server answers each request that matches
// an example with the example's response, and the client must build that
// request and decode that response.
func checkSandbox(ctx context.Context, s *stack, out io.Writer, sum *summary) error {
	const seller = "ASANDBOXSELLER"
	srv := spapitest.New(spapitest.Options{})
	defer srv.Close()
	srv.AddSeller(spapitest.Seller{ID: seller})
	srv.EnableSandbox()
	cfg := srv.ClientConfig(seller)
	cfg.AppName = "spkit-orderflow"
	api, err := spapi.New(cfg)
	if err != nil {
		return err
	}
	client := orders.New(api, seller, spapi.NorthAmerica)

	check := func(v spapitest.Vector, err error) {
		sum.sandboxTotal++
		var apiErr *spapi.Error
		switch {
		case v.Status < 300 && err == nil:
			sum.sandboxPassed++
		case v.Status >= 300 && errors.As(err, &apiErr) && apiErr.StatusCode == v.Status:
			sum.sandboxPassed++
		default:
			fmt.Fprintf(out, "      example %s of %s: got %v, want status %d\n", v.Name, v.Operation, err, v.Status)
		}
	}
	for _, v := range spapitest.SandboxVectorsFor("orders20260101.getOrder") {
		var id string
		var included []string
		if err := vectorParam(v, "orderId", &id); err != nil {
			return err
		}
		if err := vectorParam(v, "includedData", &included); err != nil {
			return err
		}
		_, err := client.GetOrder(ctx, id, included...)
		check(v, err)
	}
	for _, v := range spapitest.SandboxVectorsFor("orders.getOrderItems") {
		var id string
		if err := vectorParam(v, "orderId", &id); err != nil {
			return err
		}
		_, err := client.GetOrderItemsV0(ctx, id, false)
		check(v, err)
	}
	fmt.Fprintf(out, "      %d of %d Orders API sandbox examples built and decoded\n", sum.sandboxPassed, sum.sandboxTotal)
	if sum.sandboxPassed != sum.sandboxTotal {
		return fmt.Errorf("%d sandbox examples failed", sum.sandboxTotal-sum.sandboxPassed)
	}
	return nil
}

// vectorParam decodes a sandbox example's parameter into v; an absent
// parameter leaves v unchanged.
func vectorParam(v spapitest.Vector, name string, into any) error {
	p, ok := v.Parameters[name]
	if !ok || !p.HasValue() {
		return nil
	}
	if err := json.Unmarshal(p.Value, into); err != nil {
		return fmt.Errorf("sandbox example %s: parameter %s: %w", v.Name, name, err)
	}
	return nil
}

func printSummary(out io.Writer, sum *summary, elapsed time.Duration) {
	rows := []struct {
		name  string
		value string
	}{
		{"orders synced", strconv.Itoa(sum.orders)},
		{"  with buyer data sealed", strconv.Itoa(sum.buyerData[fulfillment.BuyerDataAvailable])},
		{"  none from Amazon", strconv.Itoa(sum.buyerData[fulfillment.BuyerDataNotProvided])},
		{"  withheld (no role)", strconv.Itoa(sum.buyerData[fulfillment.BuyerDataWithheld])},
		{"  past retention at sync", strconv.Itoa(sum.buyerData[fulfillment.BuyerDataPurged])},
		{"personalisations linked", strconv.Itoa(sum.personalizations)},
		{"labels bought", strconv.Itoa(sum.labels)},
		{"shipments confirmed", strconv.Itoa(sum.shipments)},
		{"stock levels updated", strconv.Itoa(sum.stockUpdated)},
		{"prices updated", strconv.Itoa(sum.pricesUpdated)},
		{"settlement rows", strconv.Itoa(sum.settlementRows)},
		{"buckets at sync", strconv.Itoa(sum.buckets)},
		{"records purged", strconv.Itoa(sum.purged)},
		{"bucket keys shredded", strconv.Itoa(sum.shredded)},
		{"audit entries verified", fmt.Sprintf("%d of %d", sum.auditVerified, sum.auditEntries)},
		{"sandbox examples passed", fmt.Sprintf("%d of %d", sum.sandboxPassed, sum.sandboxTotal)},
		{"Vault (KEK) calls", strconv.FormatInt(sum.vaultCalls, 10)},
		{"elapsed", elapsed.Round(time.Millisecond).String()},
	}
	fmt.Fprintln(out, "\nsummary")
	for _, r := range rows {
		fmt.Fprintf(out, "  %-26s %12s\n", r.name, r.value)
	}
}
