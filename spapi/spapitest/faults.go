package spapitest

import (
	"net/http"
	"time"
)

// Fault changes how the server responds to matching requests.
type Fault struct {
	// Operation selects the operation, [LWAOperation] or
	// [DocumentOperation]; "" matches every operation call (not the token
	// endpoint or document storage).
	Operation string
	// SellerID selects the seller; "" matches every seller.
	SellerID string
	// Times is how many matching requests the fault applies to. 0 means
	// once; a negative value means until [Server.ClearFaults].
	Times int

	// Latency delays the response, or the normal handling when nothing else is set.
	Latency time.Duration
	// Drop closes the connection without a response.
	Drop bool
	// ExpiredToken answers 403 Unauthorized with details saying the access
	// token has expired.
	ExpiredToken bool
	// Status, with Body, ContentType and Header, replaces the answer. An empty
	// Body with a 5xx status sends an HTML error page, as a load balancer does.
	Status      int
	Body        string
	ContentType string
	Header      http.Header
}

type faultState struct {
	Fault
	left int
}

// InjectFault adds a fault. Faults match in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the operation and seller and
// counts one use of it.
func (s *Server) takeFault(operation, sellerID string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Operation != operation && !(f.Operation == "" && operation != LWAOperation && operation != DocumentOperation) {
			continue
		}
		if f.SellerID != "" && f.SellerID != sellerID {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		fault := f.Fault
		return &fault
	}
	return nil
}

// applyFault carries out f. It returns true when it answered the request and
// false when normal handling should continue (a pure latency fault).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Drop:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		} else {
			panic(http.ErrAbortHandler)
		}
		return true
	case f.ExpiredToken:
		WriteError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.",
			"The access token you provided has expired.")
		return true
	case f.Status != 0:
		for k, vs := range f.Header {
			w.Header()[k] = vs
		}
		body, ct := f.Body, f.ContentType
		if body == "" && f.Status >= 500 {
			body = "<html><head><title>" + http.StatusText(f.Status) + "</title></head><body><h1>" +
				http.StatusText(f.Status) + "</h1></body></html>"
			ct = "text/html"
		}
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(body))
		return true
	}
	return false
}
