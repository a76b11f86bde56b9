package piitest_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/pii/piitest"
)

// leakyString is a secret type of string kind: every path prints it.
type leakyString string

// redactedWithClearField hides itself in String but keeps a clear field, so
// %d, JSON and a parent's %+v print it.
type redactedWithClearField struct{ Name string }

func (redactedWithClearField) String() string { return "[pii:name]" }

// pointerStringer redacts only through a pointer receiver, so printing a
// value leaks.
type pointerStringer struct{ name string }

func (p *pointerStringer) String() string { return "[pii:name]" }

// hexLeak prints its value in hexadecimal.
type hexLeak struct{ name string }

func (h hexLeak) String() string { return fmt.Sprintf("%x", h.name) }

// upperLeak prints its value in upper case.
type upperLeak struct{ name string }

func (u upperLeak) String() string { return "[pii:" + strings.ToUpper(u.name) + "]" }

// base64Leak encodes its value as base64 in JSON and prints the placeholder
// elsewhere.
type base64Leak struct{ name string }

func (b base64Leak) String() string { return "[pii:name]" }
func (b base64Leak) MarshalJSON() ([]byte, error) {
	return []byte(`"x` + base64.URLEncoding.EncodeToString([]byte(b.name)) + `"`), nil
}

// silent prints and encodes as nothing: it leaks nothing but shows no
// placeholder either.
type silent struct{ ct string }

func (silent) String() string                 { return "" }
func (silent) Format(fmt.State, rune)         {}
func (silent) MarshalJSON() ([]byte, error)   { return []byte(`""`), nil }
func (silent) MarshalText() ([]byte, error)   { return nil, nil }
func (silent) MarshalBinary() ([]byte, error) { return nil, nil }

// acceptsPlaceholder prints and encodes the placeholder but decodes it back
// as if it were data.
type acceptsPlaceholder struct{ ct string }

func (acceptsPlaceholder) String() string                { return "[pii:name]" }
func (acceptsPlaceholder) Format(f fmt.State, _ rune)    { fmt.Fprint(f, "[pii:name]") }
func (acceptsPlaceholder) GoString() string              { return "[pii:name]" }
func (acceptsPlaceholder) MarshalJSON() ([]byte, error)  { return []byte(`"[pii:name]"`), nil }
func (*acceptsPlaceholder) UnmarshalJSON(b []byte) error { return nil }

func TestCheckCatchesPlaceholderDecode(t *testing.T) {
	t.Parallel()
	findings, err := piitest.Check(piitest.Case{Value: acceptsPlaceholder{"opaque-bytes"}, Clear: []string{"never present"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range findings {
		found = found || f.Vector == "json.Unmarshal of the placeholder"
	}
	if !found {
		t.Error("a type that decodes its placeholder passed")
	}
}

func TestCheckCatchesLeakyTypes(t *testing.T) {
	t.Parallel()
	name := gofakeit.New(1).Name()

	tests := []struct {
		name    string
		value   any
		problem string // a substring every reported problem set must contain
	}{
		{"string kind", leakyString(name), "leaked as clear text"},
		{"clear exported field", redactedWithClearField{name}, "leaked as clear text"},
		{"pointer receiver", pointerStringer{name}, "leaked as clear text"},
		{"hex", hexLeak{name}, "leaked as hex"},
		{"upper case", upperLeak{name}, "leaked as clear text in another case"},
		{"base64", base64Leak{name}, "leaked as base64"},
		{"silent", silent{"opaque-bytes"}, "placeholder \"[pii:\" missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			findings, err := piitest.Check(piitest.Case{Value: tt.value, Clear: []string{name}})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(findings) == 0 {
				t.Fatal("Check found nothing")
			}
			var problems []string
			for _, f := range findings {
				problems = append(problems, f.String())
				if strings.Contains(f.String(), name) {
					t.Errorf("finding quotes the clear text: %s", f.Vector)
				}
			}
			if !strings.Contains(strings.Join(problems, "\n"), tt.problem) {
				t.Errorf("no finding mentions %q; got:\n%s", tt.problem, strings.Join(problems, "\n"))
			}
		})
	}
}

// recordingT records what Run reports.
type recordingT struct{ errors []string }

func (r *recordingT) Helper() {}
func (r *recordingT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestRunReportsFindings(t *testing.T) {
	t.Parallel()
	name := gofakeit.New(2).Name()
	rec := &recordingT{}
	piitest.Run(rec, piitest.Case{Name: "leaky", Value: leakyString(name), Clear: []string{name}})
	if len(rec.errors) == 0 {
		t.Fatal("Run reported nothing for a leaky type")
	}
	if !strings.HasPrefix(rec.errors[0], "leaky: ") {
		t.Errorf("report %q does not start with the case name", rec.errors[0])
	}
	if len(rec.errors) != piitest.MaxReported+1 {
		t.Errorf("Run reported %d lines, want %d findings and a summary", len(rec.errors), piitest.MaxReported+1)
	}
	if last := rec.errors[len(rec.errors)-1]; !strings.Contains(last, "more findings not shown") {
		t.Errorf("last line %q is not the summary", last)
	}
}

func TestCheckRejectsInvalidCase(t *testing.T) {
	t.Parallel()
	v, err := pii.NewBuyerName(gofakeit.New(3).Name())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    piitest.Case
	}{
		{"nil value", piitest.Case{Clear: []string{"long enough"}}},
		{"no clear texts", piitest.Case{Value: v}},
		{"short clear text", piitest.Case{Value: v, Clear: []string{"abc"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			findings, err := piitest.Check(tt.c)
			if err == nil {
				t.Errorf("Check returned no error and %d findings", len(findings))
			}
		})
	}
}

func TestCheckFindsBase64AtAnyAlignment(t *testing.T) {
	t.Parallel()
	name := gofakeit.New(4).Name()
	for offset := range 3 {
		t.Run(fmt.Sprint(offset), func(t *testing.T) {
			t.Parallel()
			v := base64Leak{strings.Repeat("x", offset) + name}
			findings, err := piitest.Check(piitest.Case{Value: v, Clear: []string{name}})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range findings {
				found = found || strings.Contains(f.Problem, "base64")
			}
			if !found {
				t.Errorf("base64 after %d filler bytes not found", offset)
			}
		})
	}
}

func TestRunPassesSealedValue(t *testing.T) {
	t.Parallel()
	name := gofakeit.New(5).Name()
	v, err := pii.NewBuyerName(name)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingT{}
	piitest.CheckNoLeak(rec, v, []string{name})
	for _, e := range rec.errors {
		t.Error(e)
	}
}
