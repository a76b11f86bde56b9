package finances_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/finances"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	ds  *spapitest.Dataset
	sd  *spapitest.SellerData
	c   *finances.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{TimeScale: 100})
	ds := spapitest.NewDataset(61, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[0]
	return bundle{srv: srv, ds: ds, sd: sd, c: finances.New(srv.NewClient(t), sd.ID, sd.Region)}
}

func TestListFinancialEventsSplitsLongRanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	events, unposted := 0, 0
	for page, err := range b.c.ListFinancialEvents(context.Background(), finances.EventsParams{
		PostedAfter: b.ds.Now.AddDate(0, 0, -300), PostedBefore: b.ds.Now,
	}) {
		if err != nil {
			t.Fatalf("ListFinancialEvents: %v", err)
		}
		for _, ev := range page.ShipmentEventList {
			events++
			if ev.PostedDate == nil {
				unposted++
			}
			if len(ev.ShipmentItemList) == 0 || ev.ShipmentItemList[0].ItemChargeList[0].ChargeAmount.CurrencyAmount == "" {
				t.Errorf("%s: charges not decoded", ev.AmazonOrderID)
			}
		}
	}
	if events != len(b.sd.Events) {
		t.Errorf("events = %d, want %d", events, len(b.sd.Events))
	}
	if unposted == 0 {
		t.Error("no event without PostedDate")
	}
	if n := len(b.srv.RequestsFor("finances.listFinancialEvents")); n != 2 {
		t.Errorf("requests = %d, want 2 windows", n)
	}
}

func TestListFinancialEventsRetention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, err := range b.c.ListFinancialEvents(context.Background(), finances.EventsParams{
		PostedAfter: b.ds.Now.AddDate(-2, 0, 0), PostedBefore: b.ds.Now.AddDate(-2, 1, 0),
	}) {
		var re *finances.RetentionError
		if !errors.As(err, &re) || re.Days != 365 {
			t.Fatalf("err = %v, want *RetentionError of 365 days", err)
		}
		if !errors.Is(err, spapi.ErrInvalidInput) {
			t.Errorf("err does not wrap the Amazon error")
		}
		break
	}
}

func TestListFinancialEventsByOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	want := b.sd.Events[0]
	for page, err := range b.c.ListFinancialEventsByOrderID(context.Background(), want.OrderID, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if len(page.ShipmentEventList) == 0 || page.ShipmentEventList[0].AmazonOrderID != want.OrderID {
			t.Errorf("events = %+v", page.ShipmentEventList)
		}
	}
}

func TestListTransactions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	n := 0
	for tx, err := range b.c.ListTransactions(context.Background(), finances.TransactionsParams{PostedAfter: b.ds.Now.AddDate(0, 0, -90), PostedBefore: b.ds.Now}) {
		if err != nil {
			t.Fatalf("ListTransactions: %v", err)
		}
		n++
		if tx.OrderID() == "" || tx.TotalAmount.CurrencyAmount == "" {
			t.Errorf("transaction = %+v", tx)
		}
	}
	posted := 0
	for _, ev := range b.sd.Events {
		if !ev.PostedDate.IsZero() {
			posted++
		}
	}
	if n != posted {
		t.Errorf("transactions = %d, want %d", n, posted)
	}
	for _, e := range b.srv.RequestsFor("finances20240619.listTransactions") {
		if e.Query.Get("postedAfter") == "" {
			t.Errorf("page without the arguments: %v", e.Query)
		}
	}
}

func TestFinancesFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, err := range b.c.ListTransactions(context.Background(), finances.TransactionsParams{}) {
		if !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("no start: err = %v", err)
		}
	}
	b.srv.InjectFault(spapitest.Fault{Operation: "finances.listFinancialEvents", Status: 503, Times: -1})
	for _, err := range b.c.ListFinancialEvents(context.Background(), finances.EventsParams{PostedAfter: b.ds.Now.AddDate(0, 0, -10), PostedBefore: b.ds.Now}) {
		if !errors.Is(err, spapi.ErrServerUnavailable) {
			t.Errorf("503: err = %v", err)
		}
	}
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := finances.New(srv.NewClient(t), "A1", spapi.NorthAmerica)
	ctx := context.Background()
	str := func(v spapitest.Vector, name string) string {
		var s string
		_ = json.Unmarshal(v.Parameters[name].Value, &s)
		return s
	}
	num := func(v spapitest.Vector, name string) int {
		var n int
		_ = json.Unmarshal(v.Parameters[name].Value, &n)
		return n
	}
	first := func(seq func(func(*finances.FinancialEvents, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	ops := map[string]func(v spapitest.Vector) error{
		"finances.listFinancialEvents": func(v spapitest.Vector) error {
			// The 400 example sends no dates; a typed call always has one.
			return first(c.ListFinancialEvents(ctx, finances.EventsParams{
				PostedAfter: time.Now().AddDate(0, 0, -30), MaxResultsPerPage: num(v, "MaxResultsPerPage"), PageToken: str(v, "NextToken"),
			}))
		},
		"finances.listFinancialEventsByOrderId": func(v spapitest.Vector) error {
			return first(c.ListFinancialEventsByOrderID(ctx, str(v, "orderId"), num(v, "MaxResultsPerPage")))
		},
		"finances.listFinancialEventsByGroupId": func(v spapitest.Vector) error {
			return first(c.ListFinancialEventsByGroupID(ctx, str(v, "eventGroupId"), num(v, "MaxResultsPerPage")))
		},
		"finances.listFinancialEventGroups": func(v spapitest.Vector) error {
			p := finances.GroupsParams{MaxResultsPerPage: num(v, "MaxResultsPerPage"), StartedAfter: time.Now().AddDate(0, -1, 0)}
			if s := str(v, "FinancialEventGroupStartedAfter"); s != "" {
				p.StartedAfter = spapitest.SandboxTime(s)
				p.StartedBefore = spapitest.SandboxTime(str(v, "FinancialEventGroupStartedBefore"))
			}
			for g, err := range c.ListFinancialEventGroups(ctx, p) {
				if err == nil && g.FinancialEventGroupID == "" {
					return errors.New("group not decoded")
				}
				return err
			}
			return nil
		},
		"finances20240619.listTransactions": func(v spapitest.Vector) error {
			p := finances.TransactionsParams{PageToken: str(v, "nextToken")}
			if s := str(v, "postedAfter"); s != "" {
				p.PostedAfter = spapitest.SandboxTime(s)
			}
			for tx, err := range c.ListTransactions(ctx, p) {
				if err == nil && tx.TransactionType == "" {
					return errors.New("transaction not decoded")
				}
				return err
			}
			return nil
		},
	}
	for op, call := range ops {
		for _, v := range spapitest.SandboxVectorsFor(op) {
			t.Run(v.Name, func(t *testing.T) {
				err := call(v)
				if v.Status < 300 {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if errors.Is(err, spapi.ErrInvalidRequest) {
					return // rejected before sending, as the example lacks a required value
				}
				var apiErr *spapi.Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != v.Status || apiErr.HasCode(spapitest.SandboxNoMatch) {
					t.Fatalf("err = %v, want status %d from the vector", err, v.Status)
				}
			})
		}
	}
}
