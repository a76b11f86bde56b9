package spapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Restriction describes an operation that returns restricted data and for
// which a Restricted Data Token may be issued.
type Restriction struct {
	// DataElements lists the data elements an RDT may name for the
	// operation; empty for operations that take none.
	DataElements []string
	// SpecificPathOnly rejects RDT requests for the generic path (with
	// parameter names in braces), as Amazon does for getReportDocument.
	SpecificPathOnly bool
}

type route struct {
	operation   string
	method      string
	pattern     string
	grantless   string
	restriction *Restriction
}

// Handle registers h for an operation. pattern is a path below the regional
// prefix in http.ServeMux syntax, with wildcards for path parameters, such as
// "/orders/v0/orders/{orderId}". Around h the server checks the access token
// (or RDT), applies faults, throttles by the operation's plan per seller, sets
// x-amzn-RequestId and x-amzn-RateLimit-Limit, rejects double-encoded page
// tokens and malformed timestamps, and logs the request.
//
// Handle panics if the method and pattern are already registered, like
// http.ServeMux.
func (s *Server) Handle(operation, method, pattern string, h HandlerFunc) {
	s.handle(&route{operation: operation, method: method, pattern: pattern}, h)
}

// HandleRestricted registers h for an operation that returns restricted
// data, and lets createRestrictedDataToken issue tokens for it.
func (s *Server) HandleRestricted(operation, method, pattern string, restriction Restriction, h HandlerFunc) {
	s.handle(&route{operation: operation, method: method, pattern: pattern, restriction: &restriction}, h)
}

// HandleGrantless registers h for a grantless operation, called with a
// client_credentials token of scope and no seller.
func (s *Server) HandleGrantless(operation, method, pattern, scope string, h HandlerFunc) {
	s.handle(&route{operation: operation, method: method, pattern: pattern, grantless: scope}, h)
}

func (s *Server) handle(rt *route, h HandlerFunc) {
	s.mu.Lock()
	s.routes = append(s.routes, rt)
	s.mu.Unlock()
	s.mux.HandleFunc(rt.method+" "+rt.pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serveOperation(w, r, rt, h)
	})
}

// serveOperation runs the checks that every operation shares, then h.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, rt *route, h HandlerFunc) {
	region, _ := r.Context().Value(regionKey{}).(spapi.Region)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	entry := Entry{
		Time:      time.Now(),
		Operation: rt.operation,
		Method:    r.Method,
		Path:      r.URL.EscapedPath(),
		RawQuery:  r.URL.RawQuery,
		Query:     r.URL.Query(),
		Region:    region,
		Header:    redactedHeader(r.Header),
	}
	logged := false
	defer func() {
		if !logged {
			entry.Status = rec.status
			s.logEntry(entry)
		}
	}()
	requestID := s.newRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)

	call := s.authenticate(rec, r, rt, region)
	if call == nil {
		return
	}
	call.RequestID = requestID
	entry.SellerID = call.SellerID
	entry.UsedRDT = call.HasRDT()

	if f := s.takeFault(rt.operation, call.SellerID); f != nil {
		entry.Fault = true
		if f.Drop {
			// Log before the connection closes, because the client may
			// retry and finish before this handler returns.
			entry.Status, logged = 0, true
			s.logEntry(entry)
		}
		if s.applyFault(rec, r, f) {
			return
		}
	}

	plan, allowed := s.take(call.SellerID, region, rt.operation)
	if !allowed {
		if s.opts.RateHeaderOn429 {
			s.setRateHeader(w, rt.operation, plan)
		}
		WriteError(rec, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
		return
	}
	s.setRateHeader(w, rt.operation, plan)

	if msg := checkEncoding(r); msg != "" {
		WriteError(rec, http.StatusBadRequest, "InvalidInput", msg, "")
		return
	}
	h(rec, r, call)
}

// pageTokenParams are the query parameters that carry page tokens.
var pageTokenParams = []string{"NextToken", "nextToken", "paginationToken", "pageToken"}

// percentEscape matches a percent-encoded byte.
var percentEscape = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

// timeParam matches query parameters that hold timestamps.
var timeParam = regexp.MustCompile(`(After|Before|Since|Until|Date|Time)$`)

// checkEncoding rejects the encodings Amazon rejects: a page token that still
// holds percent escapes after one decoding (it was encoded twice), and a
// timestamp that is not RFC 3339 (a "+" sent unencoded arrives as a space).
func checkEncoding(r *http.Request) string {
	q := r.URL.Query()
	for _, name := range pageTokenParams {
		for _, v := range q[name] {
			if percentEscape.MatchString(v) {
				return "We could not decode your " + name + ". Make sure it is percent-encoded exactly once."
			}
		}
	}
	for name, vs := range q {
		if !timeParam.MatchString(name) {
			continue
		}
		for _, v := range vs {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return name + " timestamp must follow ISO8601"
			}
		}
	}
	return ""
}

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, for dropped-connection faults.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// registerCore registers the operations the server implements itself.
func (s *Server) registerCore() {
	s.Handle("tokens.createRestrictedDataToken", http.MethodPost, "/tokens/2021-03-01/restrictedDataToken", s.createRDT)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		region, _ := r.Context().Value(regionKey{}).(spapi.Region)
		s.logEntry(Entry{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
			Region: region, Status: http.StatusNotFound, Header: redactedHeader(r.Header)})
		WriteError(w, http.StatusNotFound, "NotFound", "Resource "+r.URL.Path+" is not found; no operation is registered for it.", "")
	})
}

// createRDT implements createRestrictedDataToken.
func (s *Server) createRDT(w http.ResponseWriter, r *http.Request, call *Call) {
	if call.HasRDT() {
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "")
		return
	}
	var in struct {
		RestrictedResources []spapi.RestrictedResource `json:"restrictedResources"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &in) != nil {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "Could not parse the request body.", "")
		return
	}
	n := len(in.RestrictedResources)
	if n == 0 || n > spapi.MaxRestrictedResources {
		WriteError(w, http.StatusBadRequest, "InvalidInput",
			"restrictedResources must hold 1 to "+strconv.Itoa(spapi.MaxRestrictedResources)+" resources, got "+strconv.Itoa(n)+".", "")
		return
	}

	s.mu.Lock()
	seller := s.sellers[call.SellerID]
	var denied []string
	var noRole bool
	if seller != nil {
		denied, noRole = seller.DeniedDataElements, seller.NoRestrictedRole
	}
	routes := slices.Clone(s.routes)
	s.mu.Unlock()

	if noRole {
		WriteError(w, http.StatusForbidden, "Unauthorized",
			"The application does not have the role required to access restricted resources.", "")
		return
	}
	for _, res := range in.RestrictedResources {
		rt := restrictedRoute(routes, res)
		switch {
		case rt == nil:
			WriteError(w, http.StatusBadRequest, "InvalidInput",
				"Restricted resource "+res.Method+" "+res.Path+" is not a restricted operation.", "")
			return
		case rt.restriction.SpecificPathOnly && strings.Contains(res.Path, "{"):
			WriteError(w, http.StatusBadRequest, "InvalidInput",
				"Restricted resource "+res.Path+" must be a specific path; generic paths are not allowed for this operation.", "")
			return
		}
		for _, el := range res.DataElements {
			if !slices.Contains(rt.restriction.DataElements, el) {
				WriteError(w, http.StatusBadRequest, "InvalidInput",
					"Data element "+el+" is not valid for "+res.Method+" "+res.Path+".", "")
				return
			}
			if slices.Contains(denied, el) {
				WriteError(w, http.StatusBadRequest, "InvalidInput",
					"Application does not have access to one or more requested data elements: ["+el+"]", "")
				return
			}
		}
	}

	token := "Atz.sprdt|" + randomHex(32)
	s.mu.Lock()
	s.tokens[token] = &tokenState{
		sellerID:  call.SellerID,
		region:    call.Region,
		expires:   time.Now().Add(s.opts.RDTTTL),
		resources: in.RestrictedResources,
	}
	s.mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{
		"restrictedDataToken": token,
		"expiresIn":           int(s.opts.RDTTTL / time.Second),
	})
}

// restrictedRoute returns the restricted route that a resource names, or nil.
func restrictedRoute(routes []*route, res spapi.RestrictedResource) *route {
	for _, rt := range routes {
		if rt.restriction != nil && strings.EqualFold(rt.method, res.Method) && pathMatches(rt.pattern, res.Path) {
			return rt
		}
	}
	return nil
}
