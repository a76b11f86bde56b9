package spapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"testing"
	"unicode/utf8"
)

func FuzzDecodeErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"errors":[{"code":"InvalidInput","message":null,"details":""}]}`,
		`{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`,
		`[{"code":"A"}]`, `{"code":"A","details":{"x":[1,2]}}`, `<html>502</html>`, ``, `null`, `{"errors":null}`,
	} {
		f.Add([]byte(s), 400)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		details := DecodeErrorBody(body)
		for _, d := range details {
			if len(d.Code) > len(body) || len(d.Message) > len(body) || len(d.Details) > len(body) {
				t.Fatalf("decoded field longer than the body: %+v", d)
			}
		}
		e := newError("fuzz.op", status, http.Header{"X-Amzn-Ratelimit-Limit": {string(body)}}, body)
		_ = e.Error()
		if e.RateLimit < 0 || math.IsNaN(e.RateLimit) || math.IsInf(e.RateLimit, 0) {
			t.Fatalf("RateLimit = %v", e.RateLimit)
		}
	})
}

func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{"0.0167", "1.0", "5", "", "0", "-1", "NaN", "+Inf", "1e400", "0x10", "1_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseRateLimit(s)
		if ok && (r <= 0 || r > maxHeaderRate || math.IsNaN(r) || math.IsInf(r, 0)) {
			t.Fatalf("ParseRateLimit(%q) = %v, true", s, r)
		}
		if !ok && r != 0 {
			t.Fatalf("ParseRateLimit(%q) = %v, false; want 0", s, r)
		}
	})
}

func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"Atza|x","expires_in":3600}`))
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"revoked"}`))
	f.Add(200, []byte(`{"access_token":"a","expires_in":"1e999"}`))
	f.Add(503, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tok, err := parseTokenResponse(status, body, "")
		if err == nil {
			if tok.token == "" || tok.ttl <= 0 {
				t.Fatalf("success with token %q ttl %v", tok.token, tok.ttl)
			}
			return
		}
		_ = err.Error()
	})
}

func FuzzDecodeDocument(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("sku\tprice\nA-1\t12.50\n"))
	_ = zw.Close()
	f.Add(gz.Bytes(), "text/plain; charset=windows-1252", false)
	f.Add([]byte("caf\xe9"), "text/plain;charset=Cp1252", false)
	f.Add([]byte{0x1f, 0x8b, 0x08}, "", true)
	f.Add([]byte("plain"), "text/plain; charset=UTF-8", false)
	f.Add([]byte("x"), "text/plain; charset=shift_jis", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType string, transportDecoded bool) {
		r, err := decodeDocument(bytes.NewReader(body), contentType, transportDecoded, DownloadOptions{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		out, _ := io.ReadAll(io.LimitReader(r, 1<<20))
		if len(out) > 4<<16 {
			t.Fatalf("read %d bytes past a 64 KiB bound", len(out))
		}
		if contentType == "text/plain; charset=windows-1252" && !utf8.Valid(out) {
			t.Fatalf("windows-1252 decoding produced invalid UTF-8")
		}
	})
}
