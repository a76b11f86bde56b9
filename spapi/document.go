package spapi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	neturl "net/url"
	"strings"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// Operation names used in errors from document storage.
const (
	opDocumentUpload   = "document upload"
	opDocumentDownload = "document download"
)

// DefaultMaxDocumentBytes is the default bound on a downloaded document,
// counted after decompression.
const DefaultMaxDocumentBytes = 512 << 20

// UploadDocument sends content to a feed document URL from
// createFeedDocument. The PUT carries exactly contentType, the one given to
// createFeedDocument, and no authentication or x-amz- headers, because the
// URL's signature covers them and storage rejects anything else with 403
// SignatureDoesNotMatch. Network errors and 5xx are retried under
// [Config.Retry]. A failure returns an [*Error] whose Errors hold storage's
// code and message.
func (c *Client) UploadDocument(ctx context.Context, url, contentType string, content []byte) error {
	if contentType == "" {
		return fmt.Errorf("spapi: %s: content type is required (the one given to createFeedDocument): %w", opDocumentUpload, ErrInvalidRequest)
	}
	if err := checkDocumentURL(opDocumentUpload, url); err != nil {
		return err
	}
	op := func() (struct{}, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(content))
		if err != nil {
			return struct{}{}, backoff.Permanent(fmt.Errorf("spapi: %s: %v: %w", opDocumentUpload, err, ErrInvalidRequest))
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := c.cfg.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return struct{}{}, backoff.Permanent(ctx.Err())
			}
			return struct{}{}, newNetworkError(opDocumentUpload, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		if resp.StatusCode/100 == 2 {
			return struct{}{}, nil
		}
		e := storageError(opDocumentUpload, resp, body)
		if !retryableStatus(resp.StatusCode) {
			return struct{}{}, backoff.Permanent(e)
		}
		return struct{}{}, e
	}
	_, err := backoff.Retry(ctx, op, c.retryOptions()...)
	return err
}

// Document is the part of a feed or report document's metadata needed to
// download it: the fields of getReportDocument and getFeedDocument responses.
type Document struct {
	DocumentID string `json:"reportDocumentId,omitempty"`
	URL        string `json:"url"`
	// CompressionAlgorithm is "GZIP" or empty.
	CompressionAlgorithm string `json:"compressionAlgorithm,omitempty"`
}

// DownloadOptions adjusts [Client.OpenDocument].
type DownloadOptions struct {
	// MaxBytes bounds the decompressed document; reading past it fails with
	// [ErrDocumentTooLarge]. Default: [DefaultMaxDocumentBytes].
	MaxBytes int64
	// Refresh fetches the document's metadata again. When set and the URL
	// has expired (403 from storage), OpenDocument calls it once and
	// downloads from the new URL.
	Refresh func(ctx context.Context) (Document, error)
	// Charset overrides the charset declared in the response's Content-Type.
	Charset string
	// Raw skips charset decoding and returns the bytes as stored (after decompression).
	Raw bool
}

// OpenDocument downloads a document and returns a stream of its content,
// decompressed and decoded to UTF-8. The caller must close it.
//
// The content is gunzipped when it starts with the gzip magic bytes, whatever
// CompressionAlgorithm states, unless the HTTP transport has already
// decompressed it (Content-Encoding: gzip), so nothing is gunzipped twice.
// A document bigger than DownloadOptions.MaxBytes fails while it is read,
// with [ErrDocumentTooLarge]. The charset comes from the response's
// Content-Type (windows-1252, ISO-8859-1, Shift_JIS, UTF-8 and the other
// WHATWG labels). An expired URL is refreshed once through
// DownloadOptions.Refresh; network errors and 5xx are retried under
// [Config.Retry].
func (c *Client) OpenDocument(ctx context.Context, doc Document, opts DownloadOptions) (io.ReadCloser, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxDocumentBytes
	}
	resp, err := c.getDocument(ctx, doc.URL)
	if errors.Is(err, ErrDocumentURLExpired) && opts.Refresh != nil {
		c.cfg.Logger.DebugContext(ctx, "spapi: document URL expired, fetching a new one")
		fresh, rerr := opts.Refresh(ctx)
		if rerr != nil {
			return nil, fmt.Errorf("spapi: %s: refreshing expired URL: %w", opDocumentDownload, rerr)
		}
		resp, err = c.getDocument(ctx, fresh.URL)
	}
	if err != nil {
		return nil, err
	}

	r, err := decodeDocument(resp.Body, resp.Header.Get("Content-Type"), resp.Uncompressed, opts)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	return &documentReader{Reader: r, closer: resp.Body}, nil
}

// getDocument GETs a document URL, retrying transient failures.
func (c *Client) getDocument(ctx context.Context, url string) (*http.Response, error) {
	if err := checkDocumentURL(opDocumentDownload, url); err != nil {
		return nil, err
	}
	op := func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, backoff.Permanent(fmt.Errorf("spapi: %s: %v: %w", opDocumentDownload, err, ErrInvalidRequest))
		}
		resp, err := c.cfg.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, backoff.Permanent(ctx.Err())
			}
			return nil, newNetworkError(opDocumentDownload, err)
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		resp.Body.Close()
		e := storageError(opDocumentDownload, resp, body)
		if !retryableStatus(resp.StatusCode) {
			return nil, backoff.Permanent(e)
		}
		return nil, e
	}
	return backoff.Retry(ctx, op, c.retryOptions()...)
}

// storageError builds the error for a failed document storage request from
// S3's XML error body.
func storageError(operation string, resp *http.Response, body []byte) *Error {
	e := &Error{Operation: operation, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("x-amz-request-id")}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(body, &x) == nil && x.Code != "" {
		e.Errors = []ErrorDetail{{Code: x.Code, Message: x.Message}}
	}
	e.kind = classify(e)
	if resp.StatusCode == http.StatusForbidden && (e.mentions("expired") || e.HasCode("ExpiredToken")) {
		e.kind = ErrDocumentURLExpired
	}
	return e
}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// decodeDocument wraps body with decompression, a size bound and charset
// decoding. A body that the transport has already decompressed
// (http.Response.Uncompressed) is not gunzipped again, even when its
// content starts with the gzip magic bytes.
func decodeDocument(body io.Reader, contentType string, transportDecoded bool, opts DownloadOptions) (io.Reader, error) {
	br := bufio.NewReader(body)
	var r io.Reader = br
	if head, _ := br.Peek(2); !transportDecoded && bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("spapi: %s: invalid gzip stream: %w", opDocumentDownload, err)
		}
		// A document is one gzip member; trailing members are not expected.
		r = zr
	}
	r = &boundedReader{r: r, left: opts.MaxBytes}
	if opts.Raw {
		return r, nil
	}

	charset := opts.Charset
	if charset == "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			charset = params["charset"]
		}
	}
	enc, err := lookupCharset(charset)
	if err != nil {
		return nil, err
	}
	if enc == nil {
		return r, nil
	}
	return enc.NewDecoder().Reader(r), nil
}

// lookupCharset returns the decoder for a charset label, or nil for UTF-8
// and an empty label.
func lookupCharset(label string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"`)) {
	case "", "utf-8", "utf8":
		return nil, nil
	case "windows-1252", "cp1252", "x-cp1252":
		return charmap.Windows1252, nil
	case "iso-8859-1", "iso8859-1", "latin1", "iso_8859-1":
		// Amazon's Latin-1 reports can hold Windows-1252 characters (€, curly
		// quotes), and Windows-1252 decodes every ISO-8859-1 letter the same way.
		return charmap.Windows1252, nil
	case "shift_jis", "shift-jis", "sjis", "windows-31j", "ms932", "cp932":
		return japanese.ShiftJIS, nil
	case "utf-16":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("spapi: %s: unsupported charset %q; set DownloadOptions.Charset or Raw", opDocumentDownload, label)
	}
	return enc, nil
}

// boundedReader fails with ErrDocumentTooLarge once more than left bytes are read.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("spapi: %s: %w", opDocumentDownload, ErrDocumentTooLarge)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - 1, fmt.Errorf("spapi: %s: more than the size limit: %w", opDocumentDownload, ErrDocumentTooLarge)
	}
	return n, err
}

type documentReader struct {
	io.Reader
	closer io.Closer
}

func (d *documentReader) Close() error { return d.closer.Close() }

// checkDocumentURL rejects a document URL that is not absolute http or https,
// before any request. The error leaves the URL out, because its query holds
// the signature.
func checkDocumentURL(operation, raw string) error {
	u, err := neturl.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("spapi: %s: document URL must be an absolute http or https URL: %w", operation, ErrInvalidRequest)
	}
	return nil
}
