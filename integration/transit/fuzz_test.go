package transit_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hidemont/spkit/integration/transit"
)

// FuzzServeHTTP sends arbitrary methods, paths, namespaces and bodies to the
// handler and checks that every response is a valid Vault response: a known
// status, and a JSON body unless the status is 204.
func FuzzServeHTTP(f *testing.F) {
	srv := transit.Start(f, transit.Options{Mounts: []string{"transit", "teams/billing/transit"}, Namespaces: []string{"team-a"}})
	seeds := []struct{ method, path, namespace, body string }{
		{"POST", "/v1/transit/encrypt/kek", "", `{"plaintext":"aGVsbG8="}`},
		{"PUT", "/v1/teams/billing/transit/decrypt/kek", "team-a", `{"ciphertext":"vault:v1:AAAA"}`},
		{"GET", "/v1/transit/keys/kek", "", ""},
		{"LIST", "/v1/transit/keys", "team-a/", ""},
		{"GET", "/v1/transit/keys?list=true", "", ""},
		{"DELETE", "/v1/transit/keys/kek", "", ""},
		{"POST", "/v1/transit/encrypt/kek", "", `{"batch_input":[{"plaintext":"aGVsbG8="},{"plaintext":7}]}`},
		{"POST", "/v1/auth/token/renew-self", "", `{"increment":"1h"}`},
		{"POST", "/v1/auth/approle/login", "", `{"role_id":"x","secret_id":"y"}`},
		{"POST", "/v1/sys/mounts/a/b", "", `{"type":"transit"}`},
		{"POST", "/v1/sys/namespaces/x", "team-a", ""},
		{"GET", "/v1/sys/health?sealedcode=299", "", ""},
		{"PATCH", "/v1/transit/../sys/x", "..", `{`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.namespace, s.body)
	}

	f.Fuzz(func(t *testing.T, method, path, namespace, body string) {
		req, err := http.NewRequest(method, "http://127.0.0.1", strings.NewReader(body))
		if err != nil {
			return // not an HTTP request a client could send
		}
		req.URL.Path, req.URL.RawQuery, _ = strings.Cut(path, "?")
		req.Header.Set("X-Vault-Token", srv.RootToken())
		req.Header.Set("X-Vault-Namespace", namespace)
		rec := httptest.NewRecorder()

		srv.ServeHTTP(rec, req)

		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("%s %q: status %d is not a valid HTTP status", method, path, rec.Code)
		}
		if rec.Code == http.StatusNoContent {
			if rec.Body.Len() != 0 {
				t.Fatalf("%s %q: 204 with a body %q", method, path, rec.Body.String())
			}
			return
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: status %d with a body that is not JSON: %q", method, path, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 {
			var e struct{ Errors []string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Errors == nil {
				t.Fatalf("%s %q: status %d without an errors list: %q", method, path, rec.Code, rec.Body.String())
			}
		}
	})
}
