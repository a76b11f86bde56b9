package spapitest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file serves the Reports API: the data sets' settlement reports and
// reports created with createReport.

const settlementType = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"

type reportState struct {
	ID             string
	Seller         string
	Type           string
	MarketplaceIDs []string
	Status         string
	Document       string
	Gzip           bool
	Created        time.Time
	DataStart      time.Time
	DataEnd        time.Time
}

func (rs *reportState) render() map[string]any {
	m := map[string]any{
		"reportId": rs.ID, "reportType": rs.Type, "marketplaceIds": rs.MarketplaceIDs,
		"processingStatus": rs.Status, "createdTime": rfc3339(rs.Created),
	}
	if !rs.DataStart.IsZero() {
		m["dataStartTime"] = rfc3339(rs.DataStart)
	}
	if !rs.DataEnd.IsZero() {
		m["dataEndTime"] = rfc3339(rs.DataEnd)
	}
	if rs.Document != "" {
		m["reportDocumentId"] = rs.Document
	}
	return m
}

// reportsOf returns a seller's reports: settlement reports from the data
// set and created ones. The caller holds the store lock.
func (st *store) reportsOf(seller string) []*reportState {
	var out []*reportState
	if sd := st.seller(seller); sd != nil {
		for _, r := range sd.Settlements {
			out = append(out, &reportState{
				ID: r.ReportID, Seller: seller, Type: settlementType, MarketplaceIDs: []string{r.MarketplaceID},
				Status: "DONE", Document: r.DocumentID, Gzip: true, Created: r.CreatedTime, DataStart: r.StartDate, DataEnd: r.EndDate,
			})
		}
	}
	for _, r := range st.reports {
		if r.Seller == seller {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *reportState) int { return b.Created.Compare(a.Created) })
	return out
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request, call *Call) {
	var in struct {
		ReportType     string   `json:"reportType"`
		MarketplaceIDs []string `json:"marketplaceIds"`
		DataStartTime  string   `json:"dataStartTime"`
		DataEndTime    string   `json:"dataEndTime"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.ReportType == settlementType {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Request for report type 1118 is not allowed", "")
		return
	}
	if in.ReportType == "" || len(in.MarketplaceIDs) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "reportType and marketplaceIds are required.", "")
		return
	}
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	rs := &reportState{ID: st.nextID("9"), Seller: call.SellerID, Type: in.ReportType, MarketplaceIDs: in.MarketplaceIDs, Status: "IN_QUEUE", Created: time.Now().UTC()}
	rs.DataStart, _ = time.Parse(time.RFC3339Nano, in.DataStartTime)
	rs.DataEnd, _ = time.Parse(time.RFC3339Nano, in.DataEndTime)
	st.reports[rs.ID] = rs
	WriteJSON(w, http.StatusAccepted, map[string]any{"reportId": rs.ID})
}

// reportFor returns the caller's report named by the path; created reports
// finish on their first getReport. The caller holds the store lock.
func (s *Server) reportFor(w http.ResponseWriter, r *http.Request, call *Call) *reportState {
	id := r.PathValue("reportId")
	for _, rs := range s.apis().data.reportsOf(call.SellerID) {
		if rs.ID == id {
			return rs
		}
	}
	WriteError(w, http.StatusNotFound, "NotFound", "Report not found.", "")
	return nil
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request, call *Call) {
	s.withStore(func() {
		rs := s.reportFor(w, r, call)
		if rs == nil {
			return
		}
		if rs.Status == "IN_QUEUE" {
			rs.Status = "DONE"
			rs.Document, _ = s.AddDocument([]byte("sku\tquantity\n"), DocumentOptions{ContentType: "text/tab-separated-values; charset=UTF-8"})
		}
		WriteJSON(w, http.StatusOK, rs.render())
	})
}

func (s *Server) cancelReport(w http.ResponseWriter, r *http.Request, call *Call) {
	s.withStore(func() {
		rs := s.reportFor(w, r, call)
		if rs == nil {
			return
		}
		if rs.Status != "IN_QUEUE" {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Only reports IN_QUEUE can be cancelled.", "")
			return
		}
		rs.Status = "CANCELLED"
		w.WriteHeader(http.StatusOK)
	})
}

// getReports lists reports. Later pages must send nextToken as their only
// parameter, as Amazon requires.
func (s *Server) getReports(w http.ResponseWriter, r *http.Request, call *Call) {
	q := r.URL.Query()
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()

	offset := 0
	if tok := q.Get("nextToken"); tok != "" {
		if len(q) != 1 {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "nextToken must be the only parameter of a later page.", "")
			return
		}
		pt, ok := st.tokens[tok]
		if !ok || pt.operation != call.Operation || pt.seller != call.SellerID {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "Invalid nextToken.", "")
			return
		}
		q, _ = parseCanonical(pt.query)
		offset = pt.offset
	}
	types := splitList(q.Get("reportTypes"))
	if len(types) == 0 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "reportTypes is required unless nextToken is given.", "")
		return
	}
	mids, statuses := splitList(q.Get("marketplaceIds")), splitList(q.Get("processingStatuses"))
	size := 10
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "pageSize must be between 1 and 100.", "")
			return
		}
		size = n
	}
	since := st.now.Add(-90 * 24 * time.Hour)
	if st.now.IsZero() {
		since = time.Now().Add(-90 * 24 * time.Hour)
	}
	if v := q.Get("createdSince"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			WriteError(w, http.StatusBadRequest, "InvalidInput", "createdSince must follow ISO8601.", "")
			return
		}
		since = t
	}

	var all []*reportState
	for _, rs := range st.reportsOf(call.SellerID) {
		if !slices.Contains(types, rs.Type) || rs.Created.Before(since) {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, rs.Status) {
			continue
		}
		if len(mids) > 0 && !slices.ContainsFunc(rs.MarketplaceIDs, func(m string) bool { return slices.Contains(mids, m) }) {
			continue
		}
		all = append(all, rs)
	}
	offset = min(offset, len(all))
	end := min(offset+size, len(all))
	out := map[string]any{}
	var page []map[string]any
	for _, rs := range all[offset:end] {
		page = append(page, rs.render())
	}
	out["reports"] = page
	if end < len(all) {
		out["nextToken"] = st.issueToken(call.Operation, call.SellerID, end, q, "nextToken")
	}
	WriteJSON(w, http.StatusOK, out)
}

// parseCanonical decodes what canonicalQuery encoded.
func parseCanonical(s string) (map[string][]string, bool) {
	q := map[string][]string{}
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, false
		}
		q[k] = []string{v}
	}
	return q, true
}

func (s *Server) getReportDocument(w http.ResponseWriter, r *http.Request, call *Call) {
	id := r.PathValue("reportDocumentId")
	var gz, found bool
	s.withStore(func() {
		for _, rs := range s.apis().data.reportsOf(call.SellerID) {
			if rs.Document == id {
				gz, found = rs.Gzip, true
			}
		}
	})
	if !found {
		WriteError(w, http.StatusNotFound, "NotFound", "Report document not found.", "")
		return
	}
	m := map[string]any{"reportDocumentId": id, "url": s.DocumentURL(id)}
	if gz {
		m["compressionAlgorithm"] = "GZIP"
	}
	WriteJSON(w, http.StatusOK, m)
}
