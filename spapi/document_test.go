package spapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"golang.org/x/text/encoding/charmap"

	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/spapitest"
)

func fakeReport(rows int) []byte {
	f := gofakeit.New(7)
	var b strings.Builder
	b.WriteString("settlement-id\tsku\tamount\n")
	for range rows {
		b.WriteString(f.Numerify("##########") + "\t" + f.LetterN(8) + " /+," + "\t" + strconv.FormatFloat(f.Price(1, 500), 'f', 2, 64) + "\n")
	}
	return []byte(b.String())
}

func readAll(t *testing.T, c *spapi.Client, doc spapi.Document, opts spapi.DownloadOptions) ([]byte, error) {
	t.Helper()
	r, err := c.OpenDocument(ctxTimeout(t, 10*time.Second), doc, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func TestUploadExactContentType(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	const ct = "text/tab-separated-values; charset=UTF-8"
	id, u := b.srv.NewUploadDocument(ct)
	content := fakeReport(20)
	if err := b.client.UploadDocument(ctxTimeout(t, 10*time.Second), u, ct, content); err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	got, ok := b.srv.DocumentContent(id)
	if !ok || !bytes.Equal(got, content) {
		t.Errorf("stored %d bytes (ok %v), want the %d uploaded", len(got), ok, len(content))
	}
	e := b.srv.RequestsFor(spapitest.DocumentOperation)[0]
	if e.Header.Get("x-amz-access-token") != "" || e.Header.Get("Authorization") != "" {
		t.Error("upload carried an access token or Authorization header")
	}
}

func TestUploadOtherContentTypeRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	id, u := b.srv.NewUploadDocument("application/json; charset=UTF-8")
	err := b.client.UploadDocument(ctxTimeout(t, 10*time.Second), u, "application/json", []byte(`{}`))
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want *spapi.Error", err)
	}
	if apiErr.StatusCode != 403 || !apiErr.HasCode("SignatureDoesNotMatch") {
		t.Errorf("error = %v, want 403 SignatureDoesNotMatch", err)
	}
	if n := b.srv.Count(spapitest.DocumentOperation, 0); n != 1 {
		t.Errorf("%d upload attempts, want 1", n)
	}
	if _, ok := b.srv.DocumentContent(id); ok {
		t.Error("rejected upload was stored")
	}
	if err := b.client.UploadDocument(ctxTimeout(t, 10*time.Second), u, "", nil); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("empty content type: error = %v, want ErrInvalidRequest", err)
	}
}

func TestUploadExtraSignedHeaderRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	_, u := b.srv.NewUploadDocument("text/xml")
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, u, strings.NewReader("<a/>"))
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("x-amz-meta-source", "erp")
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload with x-amz-meta header: status %d, want 403", resp.StatusCode)
	}
}

func TestUploadRetriesServerError(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	id, u := b.srv.NewUploadDocument("text/plain")
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 503})
	if err := b.client.UploadDocument(ctxTimeout(t, 10*time.Second), u, "text/plain", []byte("x")); err != nil {
		t.Fatalf("UploadDocument after a 503: %v", err)
	}
	if _, ok := b.srv.DocumentContent(id); !ok {
		t.Error("document not stored after the retry")
	}
}

func TestDownloadCompression(t *testing.T) {
	t.Parallel()
	content := fakeReport(200)
	tests := []struct {
		name        string
		opts        spapitest.DocumentOptions
		compression string
	}{
		{"gzip by metadata", spapitest.DocumentOptions{Gzip: true}, "GZIP"},
		{"gzip by magic bytes only", spapitest.DocumentOptions{Gzip: true}, ""},
		{"decoded by the transport", spapitest.DocumentOptions{Gzip: true, ContentEncodingGzip: true}, "GZIP"},
		{"plain", spapitest.DocumentOptions{}, ""},
		{"plain although metadata says gzip", spapitest.DocumentOptions{}, "GZIP"},
	}
	b := setup(t, spapitest.Options{}, nil)
	for _, tt := range tests {
		_, u := b.srv.AddDocument(content, tt.opts)
		got, err := readAll(t, b.client, spapi.Document{URL: u, CompressionAlgorithm: tt.compression}, spapi.DownloadOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s: got %d bytes, want the %d-byte report", tt.name, len(got), len(content))
		}
	}
}

func TestDownloadCorruptGzip(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	_, u := b.srv.AddDocument([]byte{0x1f, 0x8b, 0x08, 0x00, 0x00}, spapitest.DocumentOptions{})
	got, err := readAll(t, b.client, spapi.Document{URL: u, CompressionAlgorithm: "GZIP"}, spapi.DownloadOptions{})
	if err == nil {
		t.Errorf("truncated gzip read %d bytes without error", len(got))
	}
}

func TestDownloadSizeBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	// 8 MiB of zeros compresses to a few KiB: a small gzip bomb.
	_, u := b.srv.AddDocument(make([]byte, 8<<20), spapitest.DocumentOptions{Gzip: true})
	got, err := readAll(t, b.client, spapi.Document{URL: u, CompressionAlgorithm: "GZIP"}, spapi.DownloadOptions{MaxBytes: 1 << 20, Raw: true})
	if !errors.Is(err, spapi.ErrDocumentTooLarge) {
		t.Errorf("error = %v, want ErrDocumentTooLarge", err)
	}
	if len(got) > 1<<20 {
		t.Errorf("read %d bytes, want at most the 1 MiB limit", len(got))
	}

	_, u = b.srv.AddDocument(make([]byte, 1000), spapitest.DocumentOptions{})
	got, err = readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{MaxBytes: 1000, Raw: true})
	if err != nil || len(got) != 1000 {
		t.Errorf("document at the limit: %d bytes, error %v; want 1000 bytes", len(got), err)
	}
}

func TestDownloadExpiredURLRefetchedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	content := fakeReport(10)
	id, u := b.srv.AddDocument(content, spapitest.DocumentOptions{})
	b.srv.ExpireDocumentURLs()

	refreshes := 0
	opts := spapi.DownloadOptions{Refresh: func(ctx context.Context) (spapi.Document, error) {
		refreshes++
		return spapi.Document{URL: b.srv.DocumentURL(id)}, nil
	}}
	got, err := readAll(t, b.client, spapi.Document{URL: u}, opts)
	if err != nil {
		t.Fatalf("download with an expired URL: %v", err)
	}
	if !bytes.Equal(got, content) {
		t.Error("content differs after refreshing the URL")
	}
	if refreshes != 1 {
		t.Errorf("refreshes = %d, want 1", refreshes)
	}

	// A refresh that returns another expired URL fails after one try.
	refreshes = 0
	opts.Refresh = func(ctx context.Context) (spapi.Document, error) {
		refreshes++
		return spapi.Document{URL: u}, nil
	}
	if _, err := readAll(t, b.client, spapi.Document{URL: u}, opts); !errors.Is(err, spapi.ErrDocumentURLExpired) {
		t.Errorf("error = %v, want ErrDocumentURLExpired", err)
	}
	if refreshes != 1 {
		t.Errorf("refreshes = %d, want 1", refreshes)
	}

	if _, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); !errors.Is(err, spapi.ErrDocumentURLExpired) {
		t.Errorf("without Refresh: error = %v, want ErrDocumentURLExpired", err)
	}
}

func TestDownloadCharsets(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	f := gofakeit.New(3)
	text := "sku\tname\n" + f.LetterN(6) + "\tMüller Geldbörse – 25 €\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"text/plain;charset=Cp1252", "text/tab-separated-values; charset=windows-1252", `text/plain; charset="ISO-8859-1"`} {
		_, u := b.srv.AddDocument([]byte(cp1252), spapitest.DocumentOptions{ContentType: ct, Gzip: true})
		got, err := readAll(t, b.client, spapi.Document{URL: u, CompressionAlgorithm: "GZIP"}, spapi.DownloadOptions{})
		if err != nil {
			t.Errorf("%s: %v", ct, err)
			continue
		}
		if string(got) != text {
			t.Errorf("%s: decoded %q, want %q", ct, got, text)
		}
	}

	_, u := b.srv.AddDocument([]byte(text), spapitest.DocumentOptions{ContentType: "text/plain; charset=UTF-8"})
	if got, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); err != nil || string(got) != text {
		t.Errorf("UTF-8: %q, %v", got, err)
	}

	_, u = b.srv.AddDocument([]byte(text), spapitest.DocumentOptions{ContentType: "text/plain; charset=x-unknown-42"})
	if _, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); err == nil || !strings.Contains(err.Error(), "x-unknown-42") {
		t.Errorf("unknown charset: error = %v, want one naming it", err)
	}
}

func TestDownloadRetriesAndFails(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, func(c *spapi.Config) { c.Retry.MaxAttempts = 3 })
	content := fakeReport(5)
	_, u := b.srv.AddDocument(content, spapitest.DocumentOptions{})
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 500})
	if got, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); err != nil || !bytes.Equal(got, content) {
		t.Errorf("after one 500: %d bytes, %v", len(got), err)
	}

	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 503, Times: -1})
	_, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{})
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("error = %v, want ErrServerUnavailable", err)
	}
	b.srv.ClearFaults()

	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 404,
		Body: `<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`})
	_, err = readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{})
	var apiErr *spapi.Error
	if !errors.As(err, &apiErr) || !apiErr.HasCode("NoSuchKey") || !errors.Is(err, spapi.ErrNotFound) {
		t.Errorf("error = %v, want NotFound with code NoSuchKey", err)
	}
}

func TestDownloadSendsNoToken(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	_, u := b.srv.AddDocument([]byte("x"), spapitest.DocumentOptions{})
	if _, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	e := b.srv.RequestsFor(spapitest.DocumentOperation)[0]
	if e.Header.Get("x-amz-access-token") != "" || e.Header.Get("Authorization") != "" {
		t.Error("download carried an access token")
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestDownloadNotGunzippedTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	// A document whose content is itself a gzip file, stored compressed:
	// one layer comes off, the inner gzip file stays.
	inner := gzipBytes([]byte("inner"))
	_, u := b.srv.AddDocument(inner, spapitest.DocumentOptions{Gzip: true, ContentEncodingGzip: true})
	got, err := readAll(t, b.client, spapi.Document{URL: u, CompressionAlgorithm: "GZIP"}, spapi.DownloadOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, inner) {
		t.Errorf("got %q, want the inner gzip file unchanged", got)
	}
}

func TestDocumentTransferTimeouts(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	_, u := b.srv.AddDocument([]byte("x"), spapitest.DocumentOptions{})
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Latency: 2 * time.Second, Times: 2})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := b.client.OpenDocument(ctx, spapi.Document{URL: u}, spapi.DownloadOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("download: error = %v, want context.DeadlineExceeded", err)
	}

	_, up := b.srv.NewUploadDocument("text/plain")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if err := b.client.UploadDocument(ctx2, up, "text/plain", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("upload: error = %v, want context.DeadlineExceeded", err)
	}
}

func TestDocumentDroppedConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	content := fakeReport(3)
	_, u := b.srv.AddDocument(content, spapitest.DocumentOptions{})
	b.srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Drop: true})
	if got, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{}); err != nil || !bytes.Equal(got, content) {
		t.Errorf("download after a dropped connection: %d bytes, %v", len(got), err)
	}
	b.srv.Close()
	_, err := readAll(t, b.client, spapi.Document{URL: u}, spapi.DownloadOptions{})
	if err == nil {
		t.Fatal("download from a closed server succeeded")
	}
	if strings.Contains(err.Error(), "Signature") {
		t.Errorf("error %q shows the URL's signature", err)
	}
}

func TestDocumentURLValidated(t *testing.T) {
	t.Parallel()
	b := setup(t, spapitest.Options{}, nil)
	for _, u := range []string{"", "ftp://example.invalid/doc", "/documents/x", "::"} {
		if _, err := b.client.OpenDocument(ctxTimeout(t, 5*time.Second), spapi.Document{URL: u}, spapi.DownloadOptions{}); !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("download %q: error = %v, want ErrInvalidRequest", u, err)
		}
		if err := b.client.UploadDocument(ctxTimeout(t, 5*time.Second), u, "text/plain", nil); !errors.Is(err, spapi.ErrInvalidRequest) {
			t.Errorf("upload %q: error = %v, want ErrInvalidRequest", u, err)
		}
	}
}
