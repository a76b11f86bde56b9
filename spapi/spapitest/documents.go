package spapitest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DocumentOperation names document storage in faults and the request log.
const DocumentOperation = "documents"

const documentsPrefix = "/documents/"

// maxUploadBytes bounds a document upload.
const maxUploadBytes = 64 << 20

// DocumentOptions describes a stored document.
type DocumentOptions struct {
	// ContentType is sent with downloads, and for upload documents it is the
	// exact Content-Type the upload must carry. Default: "text/plain".
	ContentType string
	// Gzip stores the content gzip-compressed, as Amazon does for documents
	// whose compressionAlgorithm is GZIP.
	Gzip bool
	// ContentEncodingGzip also sends the compressed bytes with
	// "Content-Encoding: gzip", so that an HTTP client may decompress them
	// before the caller sees them.
	ContentEncodingGzip bool
}

type document struct {
	opts     DocumentOptions
	content  []byte // as served: compressed when opts.Gzip
	upload   bool
	uploaded bool
	urls     map[string]time.Time // signature -> expiry
}

// AddDocument stores content for download and returns its ID and a URL
// valid for Options.DocumentURLTTL.
func (s *Server) AddDocument(content []byte, opts DocumentOptions) (id, url string) {
	if opts.ContentType == "" {
		opts.ContentType = "text/plain"
	}
	stored := content
	if opts.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(content)
		_ = zw.Close()
		stored = buf.Bytes()
	}
	id = "amzn1.tortuga.4." + randomHex(12)
	s.mu.Lock()
	s.docs[id] = &document{opts: opts, content: stored, urls: make(map[string]time.Time)}
	s.mu.Unlock()
	return id, s.DocumentURL(id)
}

// NewUploadDocument creates an empty document for a feed upload with the
// exact content type the upload must carry, and returns its ID and URL.
func (s *Server) NewUploadDocument(contentType string) (id, url string) {
	id = "amzn1.tortuga.3." + randomHex(12)
	s.mu.Lock()
	s.docs[id] = &document{opts: DocumentOptions{ContentType: contentType}, upload: true, urls: make(map[string]time.Time)}
	s.mu.Unlock()
	return id, s.DocumentURL(id)
}

// DocumentURL returns a new presigned URL for a document, valid for
// Options.DocumentURLTTL, or "" for an unknown ID.
func (s *Server) DocumentURL(id string) string {
	sig := randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[id]
	if !ok {
		return ""
	}
	d.urls[sig] = time.Now().Add(s.opts.DocumentURLTTL)
	return s.URL + documentsPrefix + id + "?X-Amz-Expires=" + durationSeconds(s.opts.DocumentURLTTL) + "&X-Amz-Signature=" + sig
}

// DocumentContent returns the content of an uploaded or stored document, as
// stored (compressed when stored with Gzip), and whether it exists and has content.
func (s *Server) DocumentContent(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[id]
	if !ok || (d.upload && !d.uploaded) {
		return nil, false
	}
	return bytes.Clone(d.content), true
}

// ExpireDocumentURLs makes every document URL issued so far fail with 403
// "Request has expired".
func (s *Server) ExpireDocumentURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		for sig := range d.urls {
			d.urls[sig] = time.Time{}
		}
	}
}

// serveDocument implements the storage behind document URLs: GET downloads,
// PUT uploads. Errors are S3's XML bodies.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	entry := Entry{Operation: DocumentOperation, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: redactedHeader(r.Header)}
	status := http.StatusOK
	logged := false
	defer func() {
		if !logged {
			entry.Status = status
			s.logEntry(entry)
		}
	}()
	storageError := func(st int, code, msg string) {
		status = st
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(st)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>`+msg+`</Message></Error>`)
	}

	if f := s.takeFault(DocumentOperation, ""); f != nil {
		entry.Fault = true
		if f.Drop {
			// Log before the connection closes; the client may retry first.
			logged = true
			s.logEntry(entry)
		}
		if s.applyFault(w, r, f) {
			status = f.Status
			return
		}
	}

	id := strings.TrimPrefix(r.URL.Path, documentsPrefix)
	sig := r.URL.Query().Get("X-Amz-Signature")
	s.mu.Lock()
	d, ok := s.docs[id]
	var expiry time.Time
	var signed bool
	if ok {
		expiry, signed = d.urls[sig]
	}
	s.mu.Unlock()
	switch {
	case !ok:
		storageError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case !signed:
		storageError(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	case time.Now().After(expiry):
		storageError(http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}

	switch r.Method {
	case http.MethodGet:
		if d.upload {
			storageError(http.StatusForbidden, "AccessDenied", "Access Denied")
			return
		}
		w.Header().Set("Content-Type", d.opts.ContentType)
		if d.opts.ContentEncodingGzip && d.opts.Gzip {
			w.Header().Set("Content-Encoding", "gzip")
		}
		_, _ = w.Write(d.content)
	case http.MethodPut:
		if !d.upload {
			storageError(http.StatusForbidden, "AccessDenied", "Access Denied")
			return
		}
		// The URL is signed for exactly one Content-Type and no other signed
		// headers, so anything else fails the signature check.
		if r.Header.Get("Content-Type") != d.opts.ContentType || hasSignedHeaders(r.Header) {
			storageError(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUploadBytes+1))
		if err != nil {
			storageError(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
			return
		}
		if len(body) > maxUploadBytes {
			storageError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
			return
		}
		s.mu.Lock()
		d.content, d.uploaded = body, true
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	default:
		storageError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// hasSignedHeaders reports whether a request carries headers that would be
// part of a signature: Authorization or any x-amz- header.
func hasSignedHeaders(h http.Header) bool {
	for k := range h {
		lk := strings.ToLower(k)
		if lk == "authorization" || strings.HasPrefix(lk, "x-amz-") {
			return true
		}
	}
	return false
}

func durationSeconds(d time.Duration) string {
	return strconv.Itoa(int(d / time.Second))
}
