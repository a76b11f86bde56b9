package spapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Sentinel errors for the classes of failure that callers branch on. An
// [*Error] or [*TokenError] matches them with errors.Is; the local sentinels
// (no credential, unknown marketplace, invalid request) are wrapped directly.
var (
	// ErrThrottled: Amazon responded 429 after the retries allowed.
	ErrThrottled = errors.New("spapi: throttled")
	// ErrUnauthorized: the access token or RDT was not accepted (401, or 403 Unauthorized).
	ErrUnauthorized = errors.New("spapi: unauthorized")
	// ErrForbidden: Amazon responded 403 for a reason other than the token.
	ErrForbidden = errors.New("spapi: forbidden")
	// ErrNotFound: Amazon responded 404.
	ErrNotFound = errors.New("spapi: not found")
	// ErrInvalidInput: Amazon rejected the request as invalid (400, 413, 415, 422).
	ErrInvalidInput = errors.New("spapi: invalid input")
	// ErrServerUnavailable: Amazon responded 500, 502, 503 or 504 after the retries allowed.
	ErrServerUnavailable = errors.New("spapi: server unavailable")
	// ErrCredentialRevoked: LWA returned invalid_grant, so the seller withdrew
	// consent or the refresh token is wrong. The seller must authorise again.
	ErrCredentialRevoked = errors.New("spapi: refresh token revoked or invalid")
	// ErrInvalidClient: LWA returned invalid_client, so the client ID or secret is wrong.
	ErrInvalidClient = errors.New("spapi: LWA client ID or secret invalid")
	// ErrClientSecretExpired: the LWA client secret has expired and must be
	// rotated in Seller Central or the developer console.
	ErrClientSecretExpired = errors.New("spapi: LWA client secret expired")
	// ErrAccessTokenExpired: Amazon reported the access token or RDT as expired
	// or revoked again after one refresh.
	ErrAccessTokenExpired = errors.New("spapi: access token expired or revoked")
	// ErrMissingRole: the application lacks the role or data element that a
	// Restricted Data Token request asked for.
	ErrMissingRole = errors.New("spapi: application lacks the required role or data element")
	// ErrNoCredential: no credential is configured for the seller and region.
	// It is returned before any network call.
	ErrNoCredential = errors.New("spapi: no credential for seller and region")
	// ErrUnknownMarketplace: the marketplace ID is not in [Marketplaces].
	ErrUnknownMarketplace = errors.New("spapi: unknown marketplace")
	// ErrInvalidRequest: the [Request] is incomplete or inconsistent; nothing was sent.
	ErrInvalidRequest = errors.New("spapi: invalid request")
	// ErrDocumentTooLarge: a document exceeded the configured size limit.
	ErrDocumentTooLarge = errors.New("spapi: document too large")
	// ErrEmptyResponse: a 2xx response other than 204 No Content had an empty
	// body or a JSON null where the caller expected a result.
	ErrEmptyResponse = errors.New("spapi: empty response body")
	// ErrDocumentURLExpired: a document URL had expired and no fresh URL could be used.
	ErrDocumentURLExpired = errors.New("spapi: document URL expired")
)

// ErrorDetail is one entry of the errors array of an SP-API error body.
// Amazon sends "message": null and omits details at times; both decode to "".
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details string `json:"details"`
}

// Error is a failed SP-API call: a non-2xx response after any retries.
// It matches the sentinel of its class with errors.Is, for example
// errors.Is(err, spapi.ErrThrottled) for a 429.
type Error struct {
	Operation  string
	StatusCode int
	// Errors is Amazon's errors array; empty when the body was not JSON.
	// NOTE: Message and Details are Amazon's text, which may echo values of
	// the request, such as an invalid address line. Error includes them;
	// LogValue leaves them out.
	Errors []ErrorDetail
	// RequestID is the x-amzn-RequestId header, for support cases.
	RequestID string
	// RateLimit is the parsed x-amzn-RateLimit-Limit header, or 0 when absent or invalid.
	RateLimit float64
	// Attempts is the number of HTTP requests made for the call.
	Attempts int
	kind     error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "spapi: %s: status %d", e.Operation, e.StatusCode)
	for i, d := range e.Errors {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Errors)-3)
			break
		}
		b.WriteString(": ")
		b.WriteString(d.Code)
		if d.Message != "" {
			b.WriteString(" ")
			b.WriteString(d.Message)
		}
		if d.Details != "" {
			b.WriteString(" (")
			b.WriteString(d.Details)
			b.WriteString(")")
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request ID %s]", e.RequestID)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's class.
func (e *Error) Is(target error) bool {
	return e.kind != nil && target == e.kind
}

// LogValue returns the operation, status, error codes, request ID, rate
// header and attempts for log/slog, without Amazon's messages.
func (e *Error) LogValue() slog.Value {
	codes := make([]string, 0, len(e.Errors))
	for _, d := range e.Errors {
		codes = append(codes, d.Code)
	}
	return slog.GroupValue(
		slog.String("operation", e.Operation),
		slog.Int("status", e.StatusCode),
		slog.String("codes", strings.Join(codes, ",")),
		slog.String("request_id", e.RequestID),
		slog.Float64("rate_limit", e.RateLimit),
		slog.Int("attempts", e.Attempts),
	)
}

// HasCode reports whether any entry of Errors carries the code.
func (e *Error) HasCode(code string) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// maxErrorBodyBytes bounds how much of an error body is read and decoded.
const maxErrorBodyBytes = 64 << 10

// newError builds the error for a non-2xx response from its status, headers
// and body. Bodies that are empty, HTML, truncated or otherwise not Amazon's
// JSON leave Errors empty.
func newError(operation string, status int, header http.Header, body []byte) *Error {
	e := &Error{
		Operation:  operation,
		StatusCode: status,
		Errors:     DecodeErrorBody(body),
		RequestID:  header.Get("x-amzn-RequestId"),
	}
	e.RateLimit, _ = ParseRateLimit(header.Get("x-amzn-RateLimit-Limit"))
	e.kind = classify(e)
	return e
}

// DecodeErrorBody returns the errors array of an SP-API error body. It accepts
// {"errors":[...]}, a bare array and a single error object, ignores unknown
// fields, and returns nil for anything else (empty, HTML, invalid JSON).
func DecodeErrorBody(body []byte) []ErrorDetail {
	if len(body) > maxErrorBodyBytes {
		body = body[:maxErrorBodyBytes]
	}
	var wrapped struct {
		Errors []errorDetailJSON `json:"errors"`
	}
	if err := json.Unmarshal(body, &wrapped); err == nil && len(wrapped.Errors) > 0 {
		return convertDetails(wrapped.Errors)
	}
	var list []errorDetailJSON
	if err := json.Unmarshal(body, &list); err == nil && len(list) > 0 {
		return convertDetails(list)
	}
	var single errorDetailJSON
	if err := json.Unmarshal(body, &single); err == nil && jsonText(single.Code) != "" {
		return convertDetails([]errorDetailJSON{single})
	}
	return nil
}

// errorDetailJSON accepts any JSON type in each field, because Amazon has sent
// null messages and, in older APIs, details as objects.
type errorDetailJSON struct {
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
	Details json.RawMessage `json:"details"`
}

func convertDetails(in []errorDetailJSON) []ErrorDetail {
	out := make([]ErrorDetail, 0, len(in))
	for _, d := range in {
		out = append(out, ErrorDetail{
			Code:    jsonText(d.Code),
			Message: jsonText(d.Message),
			Details: jsonText(d.Details),
		})
	}
	return out
}

// jsonText returns a JSON string's value, "" for null or absent, and the
// compact JSON text of any other value.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

func classify(e *Error) error {
	switch {
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrThrottled
	case e.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.StatusCode == http.StatusForbidden:
		switch {
		case e.mentions("secret") && e.mentions("expired"):
			return ErrClientSecretExpired
		case e.tokenExpired():
			return ErrAccessTokenExpired
		case e.HasCode("Unauthorized") || e.HasCode("InvalidInput") && e.mentions("access token"):
			return ErrUnauthorized
		}
		return ErrForbidden
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusBadRequest, e.StatusCode == http.StatusRequestEntityTooLarge,
		e.StatusCode == http.StatusUnsupportedMediaType, e.StatusCode == http.StatusUnprocessableEntity:
		return ErrInvalidInput
	case e.StatusCode >= 500:
		return ErrServerUnavailable
	}
	return nil
}

// tokenExpired reports whether a 403 reports that the access token or RDT was
// revoked or expired. Only the details field counts: a 403 with empty details
// is an authorisation failure that a new token would not fix.
func (e *Error) tokenExpired() bool {
	for _, d := range e.Errors {
		t := strings.ToLower(d.Details)
		if strings.Contains(t, "token") && (strings.Contains(t, "expired") || strings.Contains(t, "revoked")) &&
			!strings.Contains(t, "secret") {
			return true
		}
	}
	return false
}

func (e *Error) mentions(word string) bool {
	for _, d := range e.Errors {
		if strings.Contains(strings.ToLower(d.Message), word) || strings.Contains(strings.ToLower(d.Details), word) {
			return true
		}
	}
	return false
}

// TokenError is a failed Login with Amazon token request. It matches
// [ErrCredentialRevoked] for invalid_grant, [ErrClientSecretExpired] for an
// expired client secret, [ErrInvalidClient] for other invalid_client answers,
// and [ErrServerUnavailable] for server_error, temporarily_unavailable and 5xx.
type TokenError struct {
	StatusCode int
	// Code is the OAuth error code, such as "invalid_grant".
	Code        string
	Description string
	// Grantless is the scope of a grantless request, or "" for a refresh token grant.
	Grantless string
}

func (e *TokenError) Error() string {
	kind := "refresh_token grant"
	if e.Grantless != "" {
		kind = "client_credentials grant for scope " + e.Grantless
	}
	msg := fmt.Sprintf("spapi: LWA %s failed: status %d", kind, e.StatusCode)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is reports whether target is the sentinel of e's class.
func (e *TokenError) Is(target error) bool {
	return target != nil && target == e.kind()
}

func (e *TokenError) kind() error {
	desc := strings.ToLower(e.Description)
	switch {
	case e.Code == "invalid_grant":
		return ErrCredentialRevoked
	case e.Code == "invalid_client" && strings.Contains(desc, "expired"):
		return ErrClientSecretExpired
	case strings.Contains(desc, "secret") && strings.Contains(desc, "expired"):
		return ErrClientSecretExpired
	case e.Code == "invalid_client", e.Code == "unauthorized_client":
		return ErrInvalidClient
	case e.transient():
		return ErrServerUnavailable
	}
	return nil
}

// transient reports whether the request may succeed when repeated: LWA's
// transient codes, 429, 5xx, and a 2xx whose body had no token (a truncated
// or garbled response).
func (e *TokenError) transient() bool {
	return e.Code == "server_error" || e.Code == "temporarily_unavailable" ||
		e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode/100 == 2
}
