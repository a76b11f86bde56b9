package spapitest

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// Entry is one request in the server's log.
type Entry struct {
	Time time.Time
	// Operation is the operation name, [LWAOperation] or [DocumentOperation];
	// "" for paths that match nothing.
	Operation string
	Method    string
	// Path is the escaped path below the regional prefix.
	Path     string
	RawQuery string
	Query    url.Values
	SellerID string
	Region   spapi.Region
	// Status is the response status, or 0 when a fault dropped the connection.
	Status int
	// Header holds the request headers with token values replaced by "REDACTED".
	Header http.Header
	// UsedRDT reports whether the call carried a Restricted Data Token.
	UsedRDT bool
	// Fault reports whether an injected fault matched the request.
	Fault bool
}

func (s *Server) logEntry(e Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, e)
	// Trim a quarter beyond the bound at a time, so that appending stays
	// cheap on average.
	if limit := s.opts.MaxLogEntries; len(s.log) > limit+limit/4 {
		s.log = append([]Entry(nil), s.log[len(s.log)-limit:]...)
	}
}

// Requests returns a copy of the log, oldest first.
func (s *Server) Requests() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// RequestsFor returns the logged requests of one operation.
func (s *Server) RequestsFor(operation string) []Entry {
	var out []Entry
	for _, e := range s.Requests() {
		if e.Operation == operation {
			out = append(out, e)
		}
	}
	return out
}

// Count returns how many requests of an operation got the status; status 0
// counts them all.
func (s *Server) Count(operation string, status int) int {
	n := 0
	for _, e := range s.Requests() {
		if e.Operation == operation && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func redactedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"X-Amz-Access-Token", "Authorization"} {
		if out.Get(k) != "" {
			out.Set(k, "REDACTED")
		}
	}
	return out
}
