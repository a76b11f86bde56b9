package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"time"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/reports"
)

// Defaults of SettlementsConfig.
const (
	DefaultSettlementsActor = "svc:spkit-settlements"
	// DefaultSettlementLookback is how far back Ingest lists reports when
	// since is zero: Amazon keeps settlement reports for 90 days.
	DefaultSettlementLookback = 90 * 24 * time.Hour
	// DefaultMaxSettlementBytes bounds one settlement document.
	DefaultMaxSettlementBytes = 1 << 30
)

// SettlementsConfig configures Settlements. The zero value of each
// optional field means its default.
type SettlementsConfig struct {
	// Client sends the SP-API calls. Required.
	Client *spapi.Client
	// Store remembers the ingested reports. Required.
	Store SettlementStore
	// Recorder receives an audit event per ingested report. Required.
	Recorder audit.Recorder
	// MaxDocumentBytes bounds one decompressed settlement document.
	// Default DefaultMaxSettlementBytes.
	MaxDocumentBytes int64
	// Actor is the audit actor when the context carries none. Default
	// DefaultSettlementsActor.
	Actor string
	// Logger receives skipped reports. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Settlements ingests V2 settlement reports for tax reconciliation. Amazon
// generates them on its own schedule and refuses createReport for them, so
// Settlements lists them with getReports, downloads each one not ingested
// before, parses it row by row into typed rows and hands them to the ERP.
// A report is recorded as ingested only after the ERP's handler succeeds,
// so a failed run is repeated and a successful one never is. Create it with
// NewSettlements; it is safe for concurrent use.
type Settlements struct {
	cfg SettlementsConfig
}

// NewSettlements validates the configuration and returns Settlements.
func NewSettlements(cfg SettlementsConfig) (*Settlements, error) {
	switch {
	case cfg.Client == nil:
		return nil, &ValidationError{Field: "SettlementsConfig.Client", Reason: "is missing"}
	case cfg.Store == nil:
		return nil, &ValidationError{Field: "SettlementsConfig.Store", Reason: "is missing"}
	case cfg.Recorder == nil:
		return nil, &ValidationError{Field: "SettlementsConfig.Recorder", Reason: "is missing"}
	case cfg.MaxDocumentBytes < 0:
		return nil, &ValidationError{Field: "SettlementsConfig.MaxDocumentBytes", Reason: "must not be negative"}
	}
	if cfg.MaxDocumentBytes == 0 {
		cfg.MaxDocumentBytes = DefaultMaxSettlementBytes
	}
	if cfg.Actor == "" {
		cfg.Actor = DefaultSettlementsActor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Settlements{cfg: cfg}, nil
}

// SettlementReport is a settlement report handed to the ERP.
type SettlementReport struct {
	ReportID       string
	MarketplaceIDs []string
	CreatedTime    time.Time
	// Settlement is the report's summary line: settlement ID, period,
	// deposit date, total and currency.
	Settlement reports.Settlement
}

// SettlementHandler receives one report and its rows. It must read rows to
// the end; an error from rows (a malformed line) should be returned. When
// the handler returns nil the report is recorded as ingested.
type SettlementHandler func(ctx context.Context, r SettlementReport, rows iter.Seq2[*reports.SettlementRow, error]) error

// IngestReport counts what one Ingest did.
type IngestReport struct {
	// Listed counts the settlement reports Amazon listed, Skipped those
	// ingested before, Ingested those handed to the handler now.
	Listed, Skipped, Ingested int
	// Rows counts the rows handed to the handler.
	Rows int
}

// Ingest lists the seller's settlement reports of the marketplace created
// since the given time (zero means DefaultSettlementLookback ago) and hands
// each one not ingested before to fn, oldest first as Amazon lists them.
// It stops at the first failing report and returns its error; reports
// before it stay recorded.
func (s *Settlements) Ingest(ctx context.Context, sellerID, marketplaceID string, since time.Time, fn SettlementHandler) (IngestReport, error) {
	var rep IngestReport
	if err := checkID("seller ID", sellerID); err != nil {
		return rep, err
	}
	if err := checkID("marketplace ID", marketplaceID); err != nil {
		return rep, err
	}
	if fn == nil {
		return rep, &ValidationError{Field: "settlement handler", Reason: "is missing"}
	}
	if since.IsZero() {
		since = s.cfg.Now().Add(-DefaultSettlementLookback)
	}

	region, err := spapi.MarketplaceRegion(marketplaceID)
	if err != nil {
		return rep, fmt.Errorf("fulfillment: list settlement reports of seller %s: %w", sellerID, err)
	}
	rc := reports.New(s.cfg.Client, sellerID, region)
	for r, err := range rc.SettlementReports(ctx, marketplaceID, since) {
		if err != nil {
			return rep, fmt.Errorf("fulfillment: list settlement reports of seller %s: %w", sellerID, err)
		}
		// SettlementReports filters by marketplace; a report of another type
		// or without a document is skipped too, in case a page mixes them.
		if r.ReportType != reports.TypeSettlementV2 || r.ReportDocumentID == "" {
			continue
		}
		rep.Listed++
		done, err := s.cfg.Store.SettlementRecorded(ctx, sellerID, r.ReportID)
		if err != nil {
			return rep, fmt.Errorf("fulfillment: settlement report %s: %w", r.ReportID, err)
		}
		if done {
			rep.Skipped++
			continue
		}
		info := SettlementReport{ReportID: r.ReportID, MarketplaceIDs: r.MarketplaceIDs, CreatedTime: r.CreatedTime}
		rows, err := s.ingest(ctx, rc, sellerID, r.ReportDocumentID, info, fn)
		s.audit(ctx, sellerID, rows, err)
		if err != nil {
			return rep, fmt.Errorf("fulfillment: settlement report %s: %w", r.ReportID, err)
		}
		rep.Ingested++
		rep.Rows += rows
	}
	return rep, nil
}

// ingest downloads one report, hands it to fn and records it.
func (s *Settlements) ingest(ctx context.Context, rc *reports.Client, sellerID, documentID string, info SettlementReport, fn SettlementHandler) (int, error) {
	doc, err := rc.OpenReportDocument(ctx, documentID, s.cfg.MaxDocumentBytes)
	if err != nil {
		return 0, fmt.Errorf("download document %s: %w", documentID, err)
	}
	defer doc.Close()

	sr := reports.NewSettlementReader(doc)
	firstRow, firstErr := sr.Read()
	if firstErr != nil && !errors.Is(firstErr, io.EOF) {
		return 0, fmt.Errorf("read document %s: %w", documentID, firstErr)
	}
	info.Settlement = sr.Settlement()

	var (
		count   int
		readErr error
	)
	rows := func(yield func(*reports.SettlementRow, error) bool) {
		row, err := firstRow, firstErr
		for {
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				readErr = err
				yield(nil, err)
				return
			}
			count++
			if !yield(row, nil) {
				return
			}
			row, err = sr.Read()
		}
	}
	if err := fn(ctx, info, rows); err != nil {
		return count, err
	}
	if readErr != nil {
		return count, fmt.Errorf("read document %s: %w", documentID, readErr)
	}

	st := info.Settlement
	_, err = s.cfg.Store.RecordSettlement(ctx, SettlementRecord{
		SellerID: sellerID, ReportID: info.ReportID, SettlementID: st.ID,
		StartDate: st.StartDate, EndDate: st.EndDate, DepositDate: st.DepositDate,
		TotalAmount: st.TotalAmount.String(), Currency: st.Currency, Rows: count, IngestedAt: s.cfg.Now().UTC(),
	})
	if err != nil {
		return count, fmt.Errorf("record: %w", err)
	}
	return count, nil
}

func (s *Settlements) audit(ctx context.Context, sellerID string, rows int, opErr error) {
	e := audit.Event{
		Time: s.cfg.Now().UTC(), Actor: s.cfg.Actor, Action: audit.ActionSettlementIngest, Outcome: audit.OutcomeSuccess,
		SellerID: sellerID, Count: rows,
	}
	if a, ok := pii.ActorFromContext(ctx); ok && a.UserID != "" {
		e.Actor, e.SourceIP = a.UserID, a.SourceIP
	}
	if opErr != nil {
		e.Outcome, e.Reason = audit.OutcomeFailure, reasonCode(opErr)
	}
	if err := s.cfg.Recorder.Record(context.WithoutCancel(ctx), e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording the settlement audit event failed", slog.String("seller_id", sellerID), slog.String("error", err.Error()))
	}
}
