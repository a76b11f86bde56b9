package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/reports"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type bundle struct {
	srv *spapitest.Server
	ds  *spapitest.Dataset
	sd  *spapitest.SellerData
	c   *reports.Client
}

func setup(t *testing.T) bundle {
	t.Helper()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(41, spapitest.DatasetOptions{})
	srv.Load(ds)
	sd := ds.Sellers[1] // five EU marketplaces
	return bundle{srv: srv, ds: ds, sd: sd, c: reports.New(srv.NewClient(t), sd.ID, sd.Region)}
}

func TestSettlementReportsParse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, want := range b.sd.Settlements {
		var found []*reports.Report
		for r, err := range b.c.SettlementReports(ctx, want.MarketplaceID, b.ds.Now.AddDate(0, 0, -80)) {
			if err != nil {
				t.Fatalf("SettlementReports: %v", err)
			}
			found = append(found, r)
		}
		if len(found) != 1 || found[0].ReportID != want.ReportID {
			t.Fatalf("%s: reports = %+v, want %s", want.MarketplaceID, found, want.ReportID)
		}

		rc, err := b.c.OpenReportDocument(ctx, found[0].ReportDocumentID, 0)
		if err != nil {
			t.Fatalf("OpenReportDocument: %v", err)
		}
		sr := reports.NewSettlementReader(rc)
		rows, sum := 0, reports.Amount(0)
		for {
			row, err := sr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			rows++
			sum += row.Amount
		}
		rc.Close()
		if rows != want.Rows || int64(sum) != want.TotalCents {
			t.Errorf("%s: rows %d sum %s, want %d rows sum %d", want.MarketplaceID, rows, sum, want.Rows, want.TotalCents)
		}
		if s := sr.Settlement(); s.ID != want.SettlementID || int64(s.TotalAmount) != want.TotalCents || s.Currency != want.Currency {
			t.Errorf("%s: settlement = %+v", want.MarketplaceID, s)
		}
	}
}

func TestCreateSettlementRefusedLocally(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.c.CreateReport(context.Background(), reports.CreateReportRequest{ReportType: reports.TypeSettlementV2, MarketplaceIDs: b.sd.Marketplaces})
	if !errors.Is(err, reports.ErrSettlementNotRequestable) {
		t.Errorf("err = %v, want ErrSettlementNotRequestable", err)
	}
	if n := len(b.srv.RequestsFor("reports.createReport")); n != 0 {
		t.Errorf("requests sent = %d, want 0", n)
	}
}

func TestGetReportsTokenOnlyPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	n := 0
	for page, err := range b.c.GetReports(context.Background(), reports.GetReportsParams{ReportTypes: []string{reports.TypeSettlementV2}, PageSize: 2}) {
		if err != nil {
			t.Fatalf("GetReports: %v", err)
		}
		n += len(page.Reports)
	}
	if n != len(b.sd.Settlements) {
		t.Errorf("reports = %d, want %d", n, len(b.sd.Settlements))
	}
	entries := b.srv.RequestsFor("reports.getReports")
	if len(entries) != (len(b.sd.Settlements)+1)/2 {
		t.Errorf("pages = %d", len(entries))
	}
	for _, e := range entries[1:] {
		if len(e.Query) != 1 || e.Query.Get("nextToken") == "" {
			t.Errorf("later page query = %v, want nextToken alone", e.Query)
		}
	}
}

func TestCreateAndGetReport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	start := b.ds.Now.AddDate(0, 0, -7)
	id, err := b.c.CreateReport(ctx, reports.CreateReportRequest{ReportType: "GET_MERCHANT_LISTINGS_ALL_DATA", MarketplaceIDs: b.sd.Marketplaces[:1], DataStartTime: &start})
	if err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	r, err := b.c.GetReport(ctx, id)
	if err != nil || r.ProcessingStatus != reports.StatusDone || r.ReportDocumentID == "" {
		t.Fatalf("GetReport = %+v, %v", r, err)
	}
	if err := b.c.CancelReport(ctx, id); !errors.Is(err, spapi.ErrInvalidInput) {
		t.Errorf("cancel a DONE report: err = %v, want ErrInvalidInput", err)
	}
}

func TestOpenReportDocumentRefreshesExpiredURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	want := b.sd.Settlements[0]
	var docID string
	for r, err := range b.c.SettlementReports(context.Background(), want.MarketplaceID, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		docID = r.ReportDocumentID
	}
	b.srv.InjectFault(spapitest.Fault{
		Operation: spapitest.DocumentOperation, Status: 403, ContentType: "application/xml",
		Body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`,
	})
	rc, err := b.c.OpenReportDocument(context.Background(), docID, 0)
	if err != nil {
		t.Fatalf("OpenReportDocument: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil || len(data) != len(want.Content) {
		t.Errorf("document = %d bytes, %v; want %d", len(data), err, len(want.Content))
	}
	if n := len(b.srv.RequestsFor("reports.getReportDocument")); n != 2 {
		t.Errorf("getReportDocument calls = %d, want 2", n)
	}
}

func TestReportFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.InjectFault(spapitest.Fault{Operation: "reports.getReport", Status: 500, Times: -1})
	if _, err := b.c.GetReport(context.Background(), "1"); !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("err = %v, want ErrServerUnavailable", err)
	}
	b.srv.InjectFault(spapitest.Fault{Operation: "reports.getReports", Latency: time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for _, err := range b.c.GetReports(ctx, reports.GetReportsParams{ReportTypes: []string{reports.TypeSettlementV2}}) {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
	}
}

func TestSandboxVectors(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	srv.EnableSandbox()
	c := reports.New(srv.NewClient(t), "A1", spapi.NorthAmerica)
	ctx := context.Background()
	str := func(v spapitest.Vector, name, fallback string) string {
		s := fallback
		_ = json.Unmarshal(v.Parameters[name].Value, &s)
		return s
	}
	ops := map[string]func(v spapitest.Vector) error{
		"reports.getReports": func(v spapitest.Vector) error {
			var p reports.GetReportsParams
			_ = json.Unmarshal(v.Parameters["reportTypes"].Value, &p.ReportTypes)
			_ = json.Unmarshal(v.Parameters["processingStatuses"].Value, &p.ProcessingStatuses)
			for page, err := range c.GetReports(ctx, p) {
				if err == nil && len(page.Reports) == 0 {
					return errors.New("no reports decoded")
				}
				return err
			}
			return nil
		},
		"reports.createReport": func(v spapitest.Vector) error {
			var body struct {
				ReportType     string    `json:"reportType"`
				DataStartTime  time.Time `json:"dataStartTime"`
				MarketplaceIDs []string  `json:"marketplaceIds"`
			}
			_ = json.Unmarshal(v.Parameters["body"].Value, &body)
			_, err := c.CreateReport(ctx, reports.CreateReportRequest{ReportType: body.ReportType, MarketplaceIDs: body.MarketplaceIDs, DataStartTime: &body.DataStartTime})
			return err
		},
		"reports.cancelReport": func(v spapitest.Vector) error { return c.CancelReport(ctx, str(v, "reportId", "OTHER")) },
		"reports.getReport": func(v spapitest.Vector) error {
			r, err := c.GetReport(ctx, str(v, "reportId", ""))
			if err == nil && r.ReportID == "" {
				return errors.New("report not decoded")
			}
			return err
		},
		"reports.getReportDocument": func(v spapitest.Vector) error {
			d, err := c.GetReportDocument(ctx, str(v, "reportDocumentId", ""))
			if err == nil && d.URL == "" {
				return errors.New("document not decoded")
			}
			return err
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
				var apiErr *spapi.Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != v.Status || apiErr.HasCode(spapitest.SandboxNoMatch) {
					t.Fatalf("err = %v, want status %d from the vector", err, v.Status)
				}
			})
		}
	}
}

func TestEmptyResponsesAreErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	calls := []struct {
		operation string
		call      func() error
	}{
		{"reports.createReport", func() error {
			_, err := b.c.CreateReport(ctx, reports.CreateReportRequest{ReportType: "GET_MERCHANT_LISTINGS_ALL_DATA", MarketplaceIDs: b.sd.Marketplaces[:1]})
			return err
		}},
		{"reports.getReport", func() error { _, err := b.c.GetReport(ctx, "report-1"); return err }},
		{"reports.getReportDocument", func() error { _, err := b.c.GetReportDocument(ctx, "doc-1"); return err }},
	}
	for _, tc := range calls {
		for _, body := range []string{"", "{}", "null"} {
			b.srv.InjectFault(spapitest.Fault{Operation: tc.operation, Status: 200, Body: body, ContentType: "application/json"})
			if err := tc.call(); !errors.Is(err, reports.ErrInvalidResponse) {
				t.Errorf("%s with body %q: err = %v, want ErrInvalidResponse", tc.operation, body, err)
			}
		}
	}
}
