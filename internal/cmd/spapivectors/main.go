// Command spapivectors extracts the static sandbox examples from Amazon's
// SP-API models into test vectors that spapitest serves and the typed API
// packages replay.
//
// Usage:
//
//	go run ./internal/cmd/spapivectors -models DIR -out spapi/spapitest/testdata/sandbox
//
// DIR holds the OpenAPI models of github.com/amzn/selling-partner-api-models
// under their file names (ordersV0.json and so on). Each model gives one
// output file, named after it, holding every x-amzn-api-sandbox static
// example and, for operations without one, the example responses of the
// model. The models are Apache-2.0; a NOTICE file is written next to the
// vectors.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// apis maps a model file to the prefix of its operation keys, the same
// keys spapi uses for rate plans.
var apis = map[string]string{
	"ordersV0.json":                 "orders",
	"orders_2026-01-01.json":        "orders20260101",
	"merchantFulfillmentV0.json":    "mfn",
	"shippingV2.json":               "shipping",
	"feeds_2021-06-30.json":         "feeds",
	"reports_2021-06-30.json":       "reports",
	"listingsItems_2021-08-01.json": "listings",
	"fbaInventory.json":             "fbainventory",
	"financesV0.json":               "finances",
	"finances_2024-06-19.json":      "finances20240619",
	"notifications.json":            "notifications",
	"tokens_2021-03-01.json":        "tokens",
}

const notice = `The files in this directory are derived from the API models of
github.com/amzn/selling-partner-api-models (models/*/*.json), which are
Copyright Amazon.com, Inc. or its affiliates and licensed under the Apache
License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0).

They hold the static sandbox examples (x-amzn-api-sandbox) and example
responses of those models, reorganised as test vectors by
internal/cmd/spapivectors. The data is otherwise unchanged.
`

// File is one output file: the vectors of one model.
type File struct {
	Model   string   `json:"model"`
	Notice  string   `json:"notice"`
	Vectors []Vector `json:"vectors"`
}

// Vector is one request and the response the sandbox returns for it.
type Vector struct {
	Name      string `json:"name"`      // unique within the file: operation key, status and index
	Operation string `json:"operation"` // operation key, such as orders.getOrders
	Method    string `json:"method"`
	Path      string `json:"path"` // path template, such as /orders/v0/orders/{orderId}
	Status    int    `json:"status"`
	// Kind is "sandbox" for an x-amzn-api-sandbox static example, which is
	// served when a request matches Parameters, or "example" for a model
	// example response, which has no parameters.
	Kind       string               `json:"kind"`
	Parameters map[string]Parameter `json:"parameters,omitempty"`
	Response   json.RawMessage      `json:"response,omitempty"`
}

// Parameter is a request parameter of a vector.
type Parameter struct {
	In    string          `json:"in"` // path, query, header or body
	Value json.RawMessage `json:"value"`
}

type model struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type operation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]struct {
		Sandbox *struct {
			Static []struct {
				Request struct {
					Parameters map[string]struct {
						Value json.RawMessage `json:"value"`
					} `json:"parameters"`
				} `json:"request"`
				Response json.RawMessage `json:"response"`
			} `json:"static"`
		} `json:"x-amzn-api-sandbox"`
		Examples map[string]json.RawMessage `json:"examples"`
	} `json:"responses"`
}

func main() {
	models := flag.String("models", "", "directory holding Amazon's SP-API model files")
	out := flag.String("out", "", "directory to write the vector files and NOTICE into")
	flag.Parse()
	if *models == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: spapivectors -models DIR -out DIR")
		os.Exit(2)
	}
	n, err := run(*models, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spapivectors:", err)
		os.Exit(1)
	}
	fmt.Printf("spapivectors: wrote %d vectors to %s\n", n, *out)
}

func run(modelsDir, outDir string) (int, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return 0, err
	}
	names := make([]string, 0, len(apis))
	for name := range apis {
		names = append(names, name)
	}
	sort.Strings(names)

	total := 0
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(modelsDir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return total, err
		}
		f, err := extract(name, apis[name], data)
		if err != nil {
			return total, fmt.Errorf("%s: %w", name, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(f); err != nil {
			return total, err
		}
		outName := strings.TrimSuffix(name, ".json") + ".vectors.json"
		if err := os.WriteFile(filepath.Join(outDir, outName), buf.Bytes(), 0o644); err != nil {
			return total, err
		}
		total += len(f.Vectors)
	}
	return total, os.WriteFile(filepath.Join(outDir, "NOTICE"), []byte(notice), 0o644)
}

func extract(name, prefix string, data []byte) (*File, error) {
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	f := &File{Model: name, Notice: "Derived from github.com/amzn/selling-partner-api-models, Copyright Amazon.com, Inc. or its affiliates, Apache-2.0. See NOTICE."}

	paths := make([]string, 0, len(m.Paths))
	for p := range m.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		methods := make([]string, 0, len(m.Paths[p]))
		for method := range m.Paths[p] {
			methods = append(methods, method)
		}
		sort.Strings(methods)
		for _, method := range methods {
			var op operation
			if err := json.Unmarshal(m.Paths[p][method], &op); err != nil || op.OperationID == "" {
				continue // "parameters" and other non-operation keys
			}
			f.Vectors = append(f.Vectors, vectors(prefix, strings.ToUpper(method), p, op)...)
		}
	}

	// Amazon's shipping model gives linkCarrierAccount two methods under one
	// operation ID; the method keeps their names unique.
	seen := map[string]bool{}
	for i := range f.Vectors {
		if seen[f.Vectors[i].Name] {
			f.Vectors[i].Name += "/" + f.Vectors[i].Method
		}
		seen[f.Vectors[i].Name] = true
	}
	return f, nil
}

func vectors(prefix, method, path string, op operation) []Vector {
	in := map[string]string{}
	for _, p := range op.Parameters {
		in[p.Name] = p.In
	}
	key := prefix + "." + op.OperationID

	codes := make([]string, 0, len(op.Responses))
	for c := range op.Responses {
		codes = append(codes, c)
	}
	sort.Strings(codes)

	var out []Vector
	hasSandbox := false
	for _, code := range codes {
		r := op.Responses[code]
		status, err := strconv.Atoi(code)
		if err != nil || r.Sandbox == nil {
			continue
		}
		for i, ex := range r.Sandbox.Static {
			hasSandbox = true
			v := Vector{
				Name:      fmt.Sprintf("%s/%d/%d", key, status, i),
				Operation: key, Method: method, Path: path, Status: status, Kind: "sandbox",
				Parameters: map[string]Parameter{},
				Response:   ex.Response,
			}
			for pname, pv := range ex.Request.Parameters {
				loc := in[pname]
				if loc == "" {
					loc = guessLocation(pname, path)
				}
				v.Parameters[pname] = Parameter{In: loc, Value: pv.Value}
			}
			out = append(out, v)
		}
	}
	if hasSandbox {
		return out
	}
	for _, code := range codes {
		status, err := strconv.Atoi(code)
		if err != nil {
			continue
		}
		if ex, ok := op.Responses[code].Examples["application/json"]; ok {
			out = append(out, Vector{
				Name:      fmt.Sprintf("%s/%d/example", key, status),
				Operation: key, Method: method, Path: path, Status: status, Kind: "example",
				Response: ex,
			})
		}
	}
	return out
}

// guessLocation places a sandbox parameter that the operation does not
// declare, which happens when a model's examples drift from its parameters.
func guessLocation(name, path string) string {
	switch {
	case name == "body":
		return "body"
	case strings.Contains(path, "{"+name+"}"):
		return "path"
	}
	return "query"
}
