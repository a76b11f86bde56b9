package audit_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

func sampleLines(t testing.TB, n int) ([]byte, *audit.Keyring, audit.Link) {
	t.Helper()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink})
	f := gofakeit.New(11)
	for i := range n {
		e := fakeEvent(f, audit.ActionExport)
		e.Purpose = "returns"
		e.Kind = "address"
		if i%2 == 1 {
			e.Outcome, e.Reason = audit.OutcomeDenied, "purpose_not_allowed"
		}
		if err := tr.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	var buf []byte
	for _, e := range sink.Entries() {
		buf = audit.AppendJSONLine(buf, &e)
	}
	head, _ := sink.Head(context.Background())
	return buf, kr, head
}

func TestJSONLineRoundTrip(t *testing.T) {
	t.Parallel()
	data, _, _ := sampleLines(t, 5)
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		e, err := audit.ParseJSONLine(line)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got := audit.AppendJSONLine(nil, &e); !bytes.Equal(got, line) {
			t.Errorf("line %d re-encoded as\n%s\nwant\n%s", i, got, line)
		}
	}
}

func TestJSONLineEscapesStrings(t *testing.T) {
	t.Parallel()
	e := audit.Entry{
		Seq: 1, Time: time.Unix(0, 0).UTC(), Actor: "a\"b\\c\n\x01\u2028\xff", Action: "read", Outcome: "success",
		KeyID: "k1", MAC: []byte{1, 2, 3},
	}
	line := audit.AppendJSONLine(nil, &e)
	if bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("encoded line has a raw newline inside: %q", line)
	}
	got, err := audit.ParseJSONLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\"b\\c\n\x01\u2028\ufffd"; got.Actor != want {
		t.Errorf("actor = %q, want %q", got.Actor, want)
	}
}

func TestParseJSONLineRejects(t *testing.T) {
	t.Parallel()
	data, _, _ := sampleLines(t, 1)
	valid := strings.TrimSuffix(string(data), "\n")
	tests := map[string]string{
		"unknown field":       strings.Replace(valid, `{"seq"`, `{"note":"x","seq"`, 1),
		"missing mac":         valid[:strings.Index(valid, `,"mac"`)] + "}",
		"trailing data":       valid + ` {}`,
		"time with nanos":     strings.Replace(valid, `Z"`, `001Z"`, 1),
		"time with offset":    strings.Replace(valid, `Z"`, `+00:00"`, 1),
		"invalid base64":      strings.Replace(valid, `"mac":"`, `"mac":"A`, 1),
		"noncanonical base64": valid[:strings.Index(valid, `"mac":"`)] + `"mac":"AB=="}`,
		"not json":            "hello",
		"empty":               "",
		"array":               "[]",
		"null mac":            strings.Replace(valid, `"mac":"`, `"mac":null,"x":"`, 1),
		"huge":                `{"seq":1,"actor":"` + strings.Repeat("a", audit.MaxLineSize) + `"}`,
		"repeated key":        strings.Replace(valid, `"actor":"`, `"actor":"jane.doe@example.com","actor":"`, 1),
		"upper-case key":      strings.Replace(valid, `"actor":`, `"ACTOR":`, 1),
		"space after colon":   strings.Replace(valid, `"actor":`, `"actor": `, 1),
		"escaped letter":      strings.Replace(valid, `"actor":"u`, `"actor":"\u0075`, 1),
		"reordered keys":      reorderSeqAndTime(valid),
	}
	for name, line := range tests {
		if _, err := audit.ParseJSONLine([]byte(line)); err == nil {
			t.Errorf("%s: ParseJSONLine accepted %.80q", name, line)
		} else {
			var le *audit.LineError
			if !errors.As(err, &le) {
				t.Errorf("%s: error %T is not a *LineError", name, err)
			}
		}
	}
}

func TestReadEntriesReportsLineNumbers(t *testing.T) {
	t.Parallel()
	data, _, _ := sampleLines(t, 3)
	data = append(data, "garbage\n"...)
	n := 0
	var gotErr error
	for _, err := range audit.ReadEntries(bytes.NewReader(data)) {
		if err != nil {
			gotErr = err
			break
		}
		n++
	}
	var le *audit.LineError
	if !errors.As(gotErr, &le) || le.Line != 4 {
		t.Fatalf("error = %v, want a *LineError on line 4", gotErr)
	}
	if n != 3 {
		t.Errorf("read %d entries before the error, want 3", n)
	}
}

func TestReadEntriesRejectsUnterminatedLine(t *testing.T) {
	t.Parallel()
	data, _, _ := sampleLines(t, 2)
	data = data[:len(data)-1]
	var gotErr error
	for _, err := range audit.ReadEntries(bytes.NewReader(data)) {
		if err != nil {
			gotErr = err
		}
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "no newline") {
		t.Fatalf("error = %v, want a missing-newline error", gotErr)
	}
}

func TestVerifyReportsMalformedLineAsTampering(t *testing.T) {
	t.Parallel()
	data, kr, head := sampleLines(t, 4)
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines[2] = []byte("{\"seq\":3}\n")
	rep, err := audit.Verify(context.Background(), audit.ReadEntries(bytes.NewReader(bytes.Join(lines, nil))),
		audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tampered == nil || !errors.Is(rep.Tampered, audit.ErrMalformed) {
		t.Fatalf("break = %v, want ErrMalformed", rep.Err())
	}
}

func TestVerifyReportsRepeatedKeyAsTampering(t *testing.T) {
	t.Parallel()
	data, kr, head := sampleLines(t, 3)
	crafted := bytes.Replace(data, []byte(`"actor":"`), []byte(`"actor":"jane.doe@example.com","actor":"`), 1)
	rep, err := audit.Verify(context.Background(), audit.ReadEntries(bytes.NewReader(crafted)),
		audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tampered == nil || !errors.Is(rep.Tampered, audit.ErrMalformed) {
		t.Fatalf("break = %v, want ErrMalformed for a line with a repeated key", rep.Err())
	}
}

func FuzzParseJSONLine(f *testing.F) {
	data, _, _ := sampleLines(f, 3)
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		f.Add(line)
	}
	f.Add([]byte(`{"seq":1,"time":"2026-01-01T00:00:00.000000Z","actor":"","action":"","outcome":"","key":"","mac":"AA=="}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := audit.ParseJSONLine(line)
		if err != nil {
			return
		}
		again, err := audit.ParseJSONLine(audit.AppendJSONLine(nil, &e))
		if err != nil {
			t.Fatalf("re-encoded entry does not parse: %v", err)
		}
		if !reflect.DeepEqual(normalize(e), normalize(again)) {
			t.Fatalf("round trip changed the entry:\n%+v\n%+v", e, again)
		}
	})
}

// normalize makes empty and nil byte slices compare equal.
func normalize(e audit.Entry) audit.Entry {
	if len(e.Prev) == 0 {
		e.Prev = nil
	}
	return e
}

// FuzzVerifyDetectsChanges changes bytes of a valid chain file and requires
// that Verify reports tampering whenever the decoded entries differ. With
// StrictKeyIDs, an edited key ID is tampering too.
func FuzzVerifyDetectsChanges(f *testing.F) {
	data, kr, head := sampleLines(f, 4)
	orig := decodeAll(data)
	f.Add(uint16(10), []byte("x"))
	f.Add(uint16(100), []byte("1"))
	f.Add(uint16(len(data)/2), []byte("\n"))
	f.Add(uint16(5), []byte{})
	f.Fuzz(func(t *testing.T, at uint16, patch []byte) {
		pos := int(at) % len(data)
		mutated := append(append(append([]byte(nil), data[:pos]...), patch...), data[min(len(data), pos+max(len(patch), 1)):]...)
		rep, err := audit.Verify(context.Background(), audit.ReadEntries(bytes.NewReader(mutated)),
			audit.VerifyOptions{Keyring: kr, End: &head, StrictKeyIDs: true})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if rep.Tampered != nil {
			return
		}
		if got := decodeAll(mutated); !reflect.DeepEqual(got, orig) {
			t.Fatalf("changed entries verified: %s", mutated)
		}
	})
}

func decodeAll(data []byte) []audit.Entry {
	var out []audit.Entry
	for e, err := range audit.ReadEntries(bytes.NewReader(data)) {
		if err != nil {
			return nil
		}
		out = append(out, normalize(e))
	}
	return out
}

// reorderSeqAndTime swaps the first two fields of a line.
func reorderSeqAndTime(line string) string {
	seqEnd := strings.Index(line, `,"time":`)
	timeEnd := strings.Index(line, `,"actor":`)
	seq, tm := line[1:seqEnd], line[seqEnd+1:timeEnd]
	return "{" + tm + "," + seq + line[timeEnd:]
}
