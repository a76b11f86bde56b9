package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

const testModel = `{
  "paths": {
    "/orders/v0/orders/{orderId}": {
      "parameters": [],
      "get": {
        "operationId": "getOrder",
        "parameters": [{"name": "orderId", "in": "path"}],
        "responses": {
          "200": {"x-amzn-api-sandbox": {"static": [{"request": {"parameters": {"orderId": {"value": "TEST_CASE_200"}}}, "response": {"payload": {"AmazonOrderId": "1"}}}]}},
          "400": {"x-amzn-api-sandbox": {"static": [{"request": {"parameters": {"orderId": {"value": "TEST_CASE_400"}, "body": {"value": {}}}}, "response": {"errors": []}}]}}
        }
      }
    },
    "/shipping/v2/tracking": {
      "get": {
        "operationId": "getTracking",
        "responses": {"200": {"examples": {"application/json": {"trackingId": "T"}}}, "default": {}}
      }
    }
  }
}`

func TestRunWritesVectors(t *testing.T) {
	t.Parallel()
	in, out := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "ordersV0.json"), []byte(testModel), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := run(in, out)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if n != 3 {
		t.Errorf("vectors = %d, want 3 (two sandbox examples, one example response)", n)
	}
	data, err := os.ReadFile(filepath.Join(out, "ordersV0.vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Notice == "" {
		t.Error("no licence notice in the vector file")
	}
	v := f.Vectors[0]
	if v.Operation != "orders.getOrder" || v.Method != "GET" || v.Status != 200 || v.Kind != "sandbox" {
		t.Errorf("vector = %+v", v)
	}
	if p := v.Parameters["orderId"]; p.In != "path" || string(p.Value) != `"TEST_CASE_200"` {
		t.Errorf("orderId parameter = %+v", p)
	}
	if p := f.Vectors[1].Parameters["body"]; p.In != "body" {
		t.Errorf("undeclared body parameter placed in %q", p.In)
	}
	if _, err := os.Stat(filepath.Join(out, "NOTICE")); err != nil {
		t.Errorf("NOTICE: %v", err)
	}
}

func TestVectorsExampleKind(t *testing.T) {
	t.Parallel()
	f, err := extract("shippingV2.json", "shipping", []byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, v := range f.Vectors {
		if v.Operation == "shipping.getTracking" {
			found = true
			if v.Kind != "example" || v.Status != 200 || len(v.Parameters) != 0 {
				t.Errorf("example vector = %+v", v)
			}
		}
	}
	if !found {
		t.Error("no example vector for getTracking")
	}
}
