package spapitest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/big"
	"net/http"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// sandboxFiles holds the vectors generated from Amazon's models by
// internal/cmd/spapivectors. See testdata/sandbox/NOTICE for their licence.
//
//go:embed testdata/sandbox/*.vectors.json
var sandboxFiles embed.FS

// Vector is one of Amazon's static sandbox examples: a request, given by
// its parameters, and the response the sandbox returns for it.
type Vector struct {
	Name      string `json:"name"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	// Kind is "sandbox" for an x-amzn-api-sandbox example, matched by its
	// parameters, or "example" for a model's example response, which has
	// none and is served only when selected with [Server.SelectExample].
	Kind       string                     `json:"kind"`
	Parameters map[string]VectorParameter `json:"parameters,omitempty"`
	Response   json.RawMessage            `json:"response,omitempty"`
}

// VectorParameter is a request parameter of a vector.
type VectorParameter struct {
	In    string          `json:"in"` // path, query, header or body
	Value json.RawMessage `json:"value"`
}

// HasValue reports whether the parameter carries a value. Some of Amazon's
// examples name a parameter without one; it then matches anything.
func (p VectorParameter) HasValue() bool { return len(p.Value) > 0 && string(p.Value) != "null" }

var (
	vectorsOnce sync.Once
	vectorsAll  []Vector
	vectorsErr  error
)

// SandboxVectors returns every vector, in file and model order. The slice
// is shared: do not modify it.
func SandboxVectors() ([]Vector, error) {
	vectorsOnce.Do(func() {
		entries, err := sandboxFiles.ReadDir("testdata/sandbox")
		if err != nil {
			vectorsErr = err
			return
		}
		for _, e := range entries {
			data, err := sandboxFiles.ReadFile(path.Join("testdata/sandbox", e.Name()))
			if err != nil {
				vectorsErr = err
				return
			}
			var f struct {
				Vectors []Vector `json:"vectors"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				vectorsErr = fmt.Errorf("spapitest: %s: %w", e.Name(), err)
				return
			}
			vectorsAll = append(vectorsAll, f.Vectors...)
		}
	})
	return vectorsAll, vectorsErr
}

// SandboxVectorsFor returns the vectors of one operation, such as
// "orders.getOrders".
func SandboxVectorsFor(operation string) []Vector {
	all, _ := SandboxVectors()
	var out []Vector
	for _, v := range all {
		if v.Operation == operation {
			out = append(out, v)
		}
	}
	return out
}

// SandboxTime returns the instant that replaces a sandbox value in a
// timestamp parameter. Amazon's examples put markers such as TEST_CASE_200
// or 02/21/2022 where a timestamp goes, which a typed client cannot send.
// The server maps each such value to a fixed instant in 2001, distinct per
// value, and a client sends that instant instead. Values that are already
// RFC 3339 timestamps or dates (2006-01-02) map to themselves, dates at
// midnight UTC.
func SandboxTime(value string) time.Time {
	if t, ok := parseInstant(value); ok {
		return t
	}
	h := fnv.New32a()
	_, _ = io.WriteString(h, value)
	base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(h.Sum32()%(365*24*3600)) * time.Second)
}

func parseInstant(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// sandboxState is the sandbox part of the typed API state.
type sandboxState struct {
	enabled  bool
	selected map[string]string // operation -> vector name of a selected example
}

// EnableSandbox makes the server serve every typed operation from
// Amazon's sandbox vectors. A request that matches a vector's parameters
// gets its status and response, and one that matches none gets 400 with
// the code [SandboxNoMatch]. Data sets loaded into the server are
// not consulted while the sandbox is enabled.
func (s *Server) EnableSandbox() {
	s.registerTypedAPIs()
	st := s.apis()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sandbox.enabled = true
}

// SelectExample makes the server answer operation with the example vector
// of that name, for operations whose model has example responses but no
// sandbox parameters (Shipping API v2). It enables the sandbox.
func (s *Server) SelectExample(operation, vectorName string) {
	s.registerTypedAPIs()
	st := s.apis()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sandbox.enabled = true
	if st.sandbox.selected == nil {
		st.sandbox.selected = map[string]string{}
	}
	st.sandbox.selected[operation] = vectorName
}

// serveSandbox serves r from the vectors when the sandbox is enabled, and
// reports whether it did.
func (s *Server) serveSandbox(w http.ResponseWriter, r *http.Request, operation string) bool {
	st := s.apis()
	st.mu.Lock()
	enabled := st.sandbox.enabled
	selected := st.sandbox.selected[operation]
	st.mu.Unlock()
	if !enabled {
		return false
	}

	vectors := SandboxVectorsFor(operation)
	if selected != "" {
		for _, v := range vectors {
			if v.Name == selected {
				writeVector(w, v)
				return true
			}
		}
	}

	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	// More specific vectors first, so that an example with no parameters
	// only serves requests that no other example matches.
	candidates := make([]Vector, 0, len(vectors))
	for _, v := range vectors {
		if v.Kind == "sandbox" {
			candidates = append(candidates, v)
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		return valuedParams(candidates[i]) > valuedParams(candidates[j])
	})
	for _, v := range candidates {
		if vectorMatches(v, r, body) {
			writeVector(w, v)
			return true
		}
	}
	WriteError(w, http.StatusBadRequest, SandboxNoMatch, "No sandbox example of "+operation+" matches the request parameters.", "")
	return true
}

func valuedParams(v Vector) int {
	n := 0
	for _, p := range v.Parameters {
		if p.HasValue() {
			n++
		}
	}
	return n
}

func writeVector(w http.ResponseWriter, v Vector) {
	if len(v.Response) == 0 || v.Status == http.StatusNoContent {
		w.WriteHeader(v.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(v.Status)
	_, _ = w.Write(v.Response)
}

// vectorMatches reports whether the request carries every valued parameter
// of v. Other parameters are allowed, as in Amazon's sandbox; the caller
// tries the vectors with more parameters first.
func vectorMatches(v Vector, r *http.Request, body []byte) bool {
	q := r.URL.Query()
	for name, p := range v.Parameters {
		if !p.HasValue() {
			continue
		}
		switch p.In {
		case "path":
			if !scalarMatches(p.Value, r.PathValue(name)) {
				return false
			}
		case "query":
			if !q.Has(name) || !queryMatches(p.Value, q.Get(name)) {
				return false
			}
		case "header":
			if !scalarMatches(p.Value, r.Header.Get(name)) {
				return false
			}
		case "body":
			if !bodyMatches(p.Value, body) {
				return false
			}
		}
	}
	return true
}

// scalarMatches compares a JSON string, number or boolean with the text of
// a request parameter; timestamps compare as instants.
func scalarMatches(want json.RawMessage, got string) bool {
	var s string
	if json.Unmarshal(want, &s) == nil {
		return s == got || timesMatch(s, got)
	}
	return strings.TrimSpace(string(want)) == got
}

// queryMatches compares a vector value with a query parameter; arrays are
// sent comma-separated.
func queryMatches(want json.RawMessage, got string) bool {
	var list []json.RawMessage
	if json.Unmarshal(want, &list) == nil {
		parts := strings.Split(got, ",")
		if len(parts) != len(list) {
			return false
		}
		for i := range list {
			if !scalarMatches(list[i], parts[i]) {
				return false
			}
		}
		return true
	}
	return scalarMatches(want, got)
}

// timesMatch reports whether got is a timestamp equal to SandboxTime(want).
func timesMatch(want, got string) bool {
	g, ok := parseInstant(got)
	return ok && g.Equal(SandboxTime(want))
}

// bodyMatches compares a vector body with a request body as JSON values.
func bodyMatches(want json.RawMessage, got []byte) bool {
	var w, g any
	dw := json.NewDecoder(bytes.NewReader(want))
	dw.UseNumber()
	dg := json.NewDecoder(bytes.NewReader(got))
	dg.UseNumber()
	if dw.Decode(&w) != nil || dg.Decode(&g) != nil {
		return false
	}
	return jsonEqual(w, g)
}

// jsonEqual compares decoded JSON: numbers by value, timestamps as
// instants (with SandboxTime for markers), objects ignoring null members.
func jsonEqual(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if wv == nil {
				continue
			}
			if !jsonEqual(wv, g[k]) {
				return false
			}
		}
		for k, gv := range g {
			if _, ok := w[k]; !ok && gv != nil {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !jsonEqual(w[i], g[i]) {
				return false
			}
		}
		return true
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		a, okA := new(big.Float).SetString(w.String())
		b, okB := new(big.Float).SetString(g.String())
		return okA && okB && a.Cmp(b) == 0
	case string:
		g, ok := got.(string)
		return ok && (w == g || timesMatch(w, g))
	}
	return reflect.DeepEqual(want, got)
}

// SandboxNoMatch is the error code of the 400 response to a request that
// matches no sandbox vector. Amazon's sandbox returns InvalidInput for such
// requests, and a distinct code lets conformance tests tell a wrong request
// from an expected 400.
const SandboxNoMatch = "SandboxNoMatch"
