package piitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// MinClearLen is the shortest clear text a Case accepts. Shorter texts would
// match random ciphertext or unrelated output by chance.
const MinClearLen = 6

// DefaultPlaceholder is the text Check looks for where a value was printed
// when Case.Placeholder is empty. Every placeholder of package pii starts
// with it.
const DefaultPlaceholder = "[pii:"

// T is the part of *testing.T that Run uses.
type T interface {
	Helper()
	Errorf(format string, args ...any)
}

// Case is one value to check.
type Case struct {
	// Name labels the case in findings. It defaults to the type of Value.
	Name string
	// Value is the value under test: a PII value, or a struct of your own
	// that holds PII values.
	Value any
	// Clear lists the clear texts Value holds. None of them, in any form
	// (quoted, hexadecimal, base64), may appear in any output. Each needs at
	// least MinClearLen bytes.
	Clear []string
	// Placeholder is the text that must appear where Value was printed, so
	// that printing nothing cannot pass. It defaults to DefaultPlaceholder.
	Placeholder string
}

// Finding is one failed check.
type Finding struct {
	Case    string
	Vector  string // the printer, logger or encoder, for example "slog JSONHandler With"
	Nesting string // position of the value, for example "unexported field"
	Problem string
	// Output is the output with each leaked form replaced by a marker such
	// as «hex», quoted and shortened. It never contains the clear text.
	Output string
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s: %s, value in %s: %s", f.Case, f.Vector, f.Nesting, f.Problem)
	if f.Output != "" {
		s += "; output " + f.Output
	}
	return s
}

// Check runs every vector against c.Value alone and nested in each position
// (pointer, exported and unexported struct field, slice element, map value,
// field of type any) and returns what failed. It returns an error, and no
// findings, when the case itself is invalid.
func Check(c Case) ([]Finding, error) {
	if c.Value == nil {
		return nil, errors.New("piitest: Case.Value is nil")
	}
	if len(c.Clear) == 0 {
		return nil, errors.New("piitest: Case.Clear is missing; list the clear texts the value holds")
	}
	for i, s := range c.Clear {
		if len(s) < MinClearLen {
			return nil, fmt.Errorf("piitest: Case.Clear[%d] has %d bytes, need at least %d; use a longer synthetic value", i, len(s), MinClearLen)
		}
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("%T", c.Value)
	}
	if c.Placeholder == "" {
		c.Placeholder = DefaultPlaceholder
	}
	var forms []leakForm
	for _, s := range c.Clear {
		forms = append(forms, leakForms(s)...)
	}

	var findings []Finding
	value := reflect.ValueOf(c.Value)
	for _, n := range nestings() {
		x := n.wrap(value)
		for _, v := range vectors() {
			if f, failed := checkOne(c, forms, v, n, x); failed {
				findings = append(findings, f)
			}
		}
	}
	if f, failed := checkPlaceholderDecode(c, value); failed {
		findings = append(findings, f)
	}
	return findings, nil
}

// checkPlaceholderDecode checks that JSON output which is a placeholder does
// not decode back into the type, so redacted output cannot be stored as data.
// It applies only to types with an UnmarshalJSON method.
func checkPlaceholderDecode(c Case, value reflect.Value) (Finding, bool) {
	target := reflect.New(value.Type())
	unmarshaler, ok := target.Interface().(json.Unmarshaler)
	if !ok {
		return Finding{}, false
	}
	out, err := json.Marshal(value.Interface())
	if err != nil || !strings.Contains(string(out), c.Placeholder) {
		return Finding{}, false // the JSON vectors report these
	}
	if err := unmarshaler.UnmarshalJSON(out); err == nil {
		return Finding{Case: c.Name, Vector: "json.Unmarshal of the placeholder", Nesting: "alone",
			Problem: "the placeholder decoded back into a value"}, true
	}
	return Finding{}, false
}

// checkOne runs one vector on one nested value.
func checkOne(c Case, forms []leakForm, v vector, n nesting, x any) (Finding, bool) {
	out, err := runSafely(v, x, n)
	if errors.Is(err, errNotApplicable) {
		return Finding{}, false
	}
	finding := Finding{Case: c.Name, Vector: v.name, Nesting: n.name}
	all := out
	if err != nil {
		all += "\n" + err.Error()
	}

	if form, leaked := findLeak(all, forms); leaked {
		finding.Problem = "clear text leaked as " + form
		finding.Output = redact(all, forms)
		return finding, true
	}

	expect := v.expect
	if v.expectFor != nil {
		expect = v.expectFor(x)
	}
	shows := strings.Contains(out, c.Placeholder)
	switch {
	case expect == opaque || !n.visible:
		if strings.TrimSpace(all) == "" {
			finding.Problem = "no output at all, so the check proves nothing"
			return finding, true
		}
	case expect == showPlaceholder && err != nil:
		finding.Problem = "failed instead of printing the placeholder: " + err.Error()
		return finding, true
	case expect == showPlaceholder && !shows:
		finding.Problem = fmt.Sprintf("placeholder %q missing where the value was", c.Placeholder)
		finding.Output = redact(out, forms)
		return finding, true
	case expect == refuseOrShow && err == nil && !shows:
		finding.Problem = fmt.Sprintf("neither failed nor printed placeholder %q", c.Placeholder)
		finding.Output = redact(out, forms)
		return finding, true
	}
	return Finding{}, false
}

// runSafely runs a vector, turning a panic into an error so that its message
// is checked for leaks too.
func runSafely(v vector, x any, n nesting) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return v.run(x, n)
}

// MaxReported is the number of findings Run reports one by one for each
// case. Run summarises the rest in one line, because a leaky type fails
// hundreds of checks.
const MaxReported = 25

// Run checks each case with Check and reports its findings through t.
func Run(t T, cases ...Case) {
	t.Helper()
	for _, c := range cases {
		findings, err := Check(c)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for i, f := range findings {
			if i == MaxReported {
				t.Errorf("%s: %d more findings not shown; call Check to list them all", f.Case, len(findings)-MaxReported)
				break
			}
			t.Errorf("%s", f)
		}
	}
}

// CheckNoLeak runs Run with a single Case made of value and its clear texts.
func CheckNoLeak(t T, value any, clear []string) {
	t.Helper()
	Run(t, Case{Value: value, Clear: clear})
}
