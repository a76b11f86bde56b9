package transit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/hashicorp/vault/sdk/helper/consts"
	"github.com/hashicorp/vault/sdk/helper/jsonutil"
	"github.com/hashicorp/vault/sdk/logical"
)

// Messages of Vault's own errors, built as Vault 1.21 builds them.
var (
	msgPermissionDenied = logical.ErrPermissionDenied.Error()
	msgInvalidToken     = multierror.Append(logical.ErrPermissionDenied, logical.ErrInvalidToken).Error()
	msgSealed           = consts.ErrSealed.Error()
)

// msgInjectedFault is the error message of responses failed by FailNext.
const msgInjectedFault = "injected fault"

// ServeHTTP serves Vault's HTTP API under /v1/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		writeErrors(w, http.StatusServiceUnavailable, "transit server is closed")
		return
	}
	defer s.inflight.Done()

	rec := &statusRecorder{ResponseWriter: w}
	call := s.handle(rec, r)
	call.Status = rec.status
	s.record(call)
	s.logger.LogAttrs(r.Context(), slog.LevelDebug, "vault request",
		slog.String("namespace", call.Namespace),
		slog.String("operation", call.Operation),
		slog.String("path", call.Path),
		slog.Int("status", call.Status))
}

// enter registers a request with Close, which waits for it. It returns false
// once Close has begun.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

// handle serves one request and returns its Call without the status, which
// ServeHTTP takes from the response writer.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) Call {
	w.Header().Set("Cache-Control", "no-store")
	call := Call{Operation: r.Method, Path: strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")}

	// Request line and headers.
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		writeErrors(w, http.StatusNotFound)
		return call
	}
	op, ok := operationOf(r)
	if !ok {
		writeErrors(w, http.StatusMethodNotAllowed)
		return call
	}
	call.Operation = operationName(op)
	nsPath, err := cleanNamespace(r.Header.Get("X-Vault-Namespace"))
	call.Namespace = strings.TrimSuffix(nsPath, "/")
	if err != nil {
		call.Namespace = r.Header.Get("X-Vault-Namespace")
		writeErrors(w, http.StatusBadRequest, err.Error())
		return call
	}
	if strings.Contains(path, "//") || strings.HasPrefix(path, "/") || hasDotSegment(path) {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("invalid request path %q", path))
		return call
	}

	// Faults, in the order a client would meet them.
	if !s.wait(r) {
		return call
	}
	if status, ok := s.takeFault(); ok {
		writeErrors(w, status, msgInjectedFault)
		return call
	}
	unauthenticated := path == "sys/health" || path == "sys/seal-status"
	if s.isSealed() && !unauthenticated {
		writeErrors(w, http.StatusServiceUnavailable, msgSealed)
		return call
	}

	// Paths that need no token.
	switch path {
	case "sys/health":
		s.handleHealth(w, r)
		return call
	case "sys/seal-status":
		s.handleSealStatus(w, r)
		return call
	case "auth/approle/login":
		s.handleAppRoleLogin(w, r, op, nsPath)
		return call
	}

	// Everything else. Vault adds "invalid token" when a token was sent
	// but is unknown, expired or revoked.
	clientToken := requestToken(r)
	tok, ok := s.lookupToken(clientToken)
	switch {
	case !ok && clientToken == "":
		writeErrors(w, http.StatusForbidden, msgPermissionDenied)
		return call
	case !ok:
		writeErrors(w, http.StatusForbidden, msgInvalidToken)
		return call
	case !tok.usableIn(nsPath):
		// NOTE: the message Vault sends for a token used outside its
		// namespace was not checked against a Vault Enterprise server.
		writeErrors(w, http.StatusForbidden, msgPermissionDenied)
		return call
	}
	switch {
	case strings.HasPrefix(path, "auth/token/"):
		s.handleToken(w, r, op, nsPath, strings.TrimPrefix(path, "auth/token/"), tok)
	case strings.HasPrefix(path, "sys/"):
		s.handleSys(w, r, op, nsPath, strings.TrimPrefix(path, "sys/"))
	default:
		s.handleLogical(w, r, op, nsPath, path, tok)
	}
	return call
}

// handleLogical sends the request to the Transit backend mounted at the
// start of path and writes its response as Vault's core does.
func (s *Server) handleLogical(w http.ResponseWriter, r *http.Request, op logical.Operation, nsPath, path string, tok *token) {
	m, rel, ok := s.route(nsPath, path)
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", nsPath+path))
		return
	}
	data, status, err := requestData(w, r, op)
	if err != nil {
		writeErrors(w, status, err.Error())
		return
	}
	switch {
	case op == logical.ListOperation && rel != "" && !strings.HasSuffix(rel, "/"):
		rel += "/"
	case (op == logical.UpdateOperation || op == logical.PatchOperation) && strings.HasSuffix(rel, "/"):
		writeErrors(w, http.StatusBadRequest, "cannot write to a path ending in '/'")
		return
	}
	req := &logical.Request{
		ID:                  newUUID(),
		Operation:           op,
		Path:                rel,
		Data:                data,
		Storage:             m.storage,
		ClientToken:         tok.id,
		ClientTokenAccessor: tok.accessor,
		DisplayName:         tok.displayName,
		MountPoint:          m.path,
		MountType:           mountType,
		MountAccessor:       m.accessor,
		Connection:          &logical.Connection{RemoteAddr: remoteHost(r)},
	}
	ctx := r.Context()

	// Vault's core turns an update of a missing item into a create when
	// the path has an existence check; Transit's keys and encrypt paths do.
	if op == logical.UpdateOperation {
		checkFound, exists, err := m.backend.HandleExistenceCheck(ctx, req)
		switch {
		case errors.Is(err, logical.ErrUnsupportedPath):
			// HandleRequest below returns 404 for the unknown path.
		case err != nil:
			s.respondLogical(w, req, nil, err)
			return
		case checkFound && !exists:
			req.Operation = logical.CreateOperation
		}
	}

	resp, err := m.backend.HandleRequest(ctx, req)
	s.respondLogical(w, req, resp, err)
}

// respondLogical writes resp or err with the status codes and bodies of
// Vault's HTTP layer.
func (s *Server) respondLogical(w http.ResponseWriter, req *logical.Request, resp *logical.Response, err error) {
	status, respErr := logical.RespondErrorCommon(req, resp, err)
	if status != 0 || respErr != nil {
		if status == 0 {
			status = http.StatusInternalServerError
		}
		logical.AdjustErrorStatusCode(&status, respErr)
		if status >= http.StatusInternalServerError {
			s.logger.Warn("transit backend failed", slog.String("mount", req.MountPoint),
				slog.String("path", req.Path), slog.Int("status", status), slog.Any("error", respErr))
		}
		if respErr == nil {
			writeErrors(w, status)
		} else {
			writeErrors(w, status, respErr.Error())
		}
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, ok := resp.Data[logical.HTTPStatusCode]; ok {
		respondRaw(w, resp)
		return
	}
	httpResp := logical.LogicalResponseToHTTPResponse(resp)
	httpResp.RequestID = req.ID
	httpResp.MountType = mountType
	writeJSON(w, http.StatusOK, httpResp)
}

// respondRaw writes a response that the backend built as a raw HTTP body,
// such as Transit's batch results with a non-200 status.
func respondRaw(w http.ResponseWriter, resp *logical.Response) {
	status, ok := resp.Data[logical.HTTPStatusCode].(int)
	if !ok || status < 100 || status > 599 {
		writeErrors(w, http.StatusInternalServerError, "backend returned an invalid raw status code")
		return
	}
	var body []byte
	switch b := resp.Data[logical.HTTPRawBody].(type) {
	case []byte:
		body = b
	case string:
		body = []byte(b)
	}
	if ct, ok := resp.Data[logical.HTTPContentType].(string); ok && ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// operationOf maps the HTTP method to a logical operation as Vault does. HEAD
// is a read whose body net/http drops, which is enough for sys/health.
func operationOf(r *http.Request) (logical.Operation, bool) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if list, err := strconv.ParseBool(r.URL.Query().Get("list")); err == nil && list {
			return logical.ListOperation, true
		}
		return logical.ReadOperation, true
	case http.MethodPost, http.MethodPut:
		return logical.UpdateOperation, true
	case http.MethodDelete:
		return logical.DeleteOperation, true
	case "LIST":
		return logical.ListOperation, true
	case http.MethodPatch:
		return logical.PatchOperation, true
	}
	return "", false
}

// requestData returns the request's parameters: the query for reads and
// lists, the JSON body otherwise. On failure it also returns the status.
func requestData(w http.ResponseWriter, r *http.Request, op logical.Operation) (map[string]any, int, error) {
	switch op {
	case logical.ReadOperation, logical.ListOperation:
		return queryData(r.URL.Query()), 0, nil
	}
	body := http.MaxBytesReader(w, r.Body, maxRequestBytes)
	var data map[string]any
	err := jsonutil.DecodeJSONFromReader(body, &data)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return data, 0, nil
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge,
			fmt.Errorf("request body too large: the limit is %d bytes", maxRequestBytes)
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("error parsing JSON: %w", err)
	}
}

// queryData converts a query string into request data as Vault does: one
// value stays a string, repeated values become a list, "list" and "help"
// are reserved.
func queryData(values url.Values) map[string]any {
	data := make(map[string]any)
	for k, v := range values {
		if k == "list" || k == "help" {
			continue
		}
		switch len(v) {
		case 0:
		case 1:
			data[k] = v[0]
		default:
			data[k] = v
		}
	}
	if len(data) == 0 {
		return nil
	}
	return data
}

// requestToken returns the client token from X-Vault-Token or from an
// "Authorization: Bearer" header, which Vault also accepts.
func requestToken(r *http.Request) string {
	if t := r.Header.Get("X-Vault-Token"); t != "" {
		return t
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func hasDotSegment(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// wait applies the latency set with SetLatency. It returns false when the
// client went away first.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// takeFault consumes one fault set with FailNext.
func (s *Server) takeFault() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCount <= 0 {
		return 0, false
	}
	s.failCount--
	return s.failStatus, true
}

func (s *Server) isSealed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sealed
}

// writeErrors writes Vault's error body, {"errors":[...]}, which is
// {"errors":[]} without messages.
func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, struct {
		Errors []string `json:"errors"`
	}{msgs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"errors":["failed to encode the response"]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// statusRecorder keeps the status written through it for the call log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
