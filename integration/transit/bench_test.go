package transit_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/integration/transit"
)

// BenchmarkEncryptOverhead measures one Transit encrypt through vault/api
// over loopback HTTP against the baseline of the same request given to the
// handler in-process, in the same loop. "api/handler" is the ratio.
func BenchmarkEncryptOverhead(b *testing.B) {
	srv := transit.Start(b, transit.Options{})
	client := srv.Client(b)
	ctx := context.Background()
	plaintext := base64.StdEncoding.EncodeToString([]byte(gofakeit.Name()))
	body := `{"plaintext":"` + plaintext + `"}`
	if _, err := client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil); err != nil {
		b.Fatal(err)
	}

	var handlerTime, apiTime time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/v1/transit/encrypt/kek", strings.NewReader(body))
		req.Header.Set("X-Vault-Token", srv.RootToken())
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("in-process encrypt: status %d: %s", rec.Code, rec.Body)
		}
		handlerTime += time.Since(start)

		start = time.Now()
		if _, err := client.Logical().WriteWithContext(ctx, "transit/encrypt/kek", map[string]any{"plaintext": plaintext}); err != nil {
			b.Fatal(err)
		}
		apiTime += time.Since(start)
		n++
	}
	b.ReportMetric(float64(handlerTime.Nanoseconds())/float64(n), "handler-ns/encrypt")
	b.ReportMetric(float64(apiTime.Nanoseconds())/float64(n), "api-ns/encrypt")
	b.ReportMetric(float64(apiTime)/float64(handlerTime), "api/handler")
}

// BenchmarkEncryptBatch compares 100 single encrypt calls (the baseline)
// with one batch_input call of 100 items, both through vault/api.
// "single/batch" is how many times faster the batch is.
func BenchmarkEncryptBatch(b *testing.B) {
	const items = 100
	srv := transit.Start(b, transit.Options{})
	client := srv.Client(b)
	ctx := context.Background()
	plaintexts := make([]string, items)
	batch := make([]map[string]any, items)
	for i := range plaintexts {
		plaintexts[i] = base64.StdEncoding.EncodeToString([]byte(gofakeit.Street()))
		batch[i] = map[string]any{"plaintext": plaintexts[i]}
	}
	if _, err := client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil); err != nil {
		b.Fatal(err)
	}

	var singleTime, batchTime time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		for _, p := range plaintexts {
			if _, err := client.Logical().WriteWithContext(ctx, "transit/encrypt/kek", map[string]any{"plaintext": p}); err != nil {
				b.Fatal(err)
			}
		}
		singleTime += time.Since(start)

		start = time.Now()
		if _, err := client.Logical().WriteWithContext(ctx, "transit/encrypt/kek", map[string]any{"batch_input": batch}); err != nil {
			b.Fatal(err)
		}
		batchTime += time.Since(start)
		n++
	}
	b.ReportMetric(float64(singleTime.Nanoseconds())/float64(n*items), "single-ns/item")
	b.ReportMetric(float64(batchTime.Nanoseconds())/float64(n*items), "batch-ns/item")
	b.ReportMetric(float64(singleTime)/float64(batchTime), "single/batch")
}
