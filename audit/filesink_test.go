package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

func openFileSink(t *testing.T, cfg audit.FileConfig) *audit.FileSink {
	t.Helper()
	s, err := audit.OpenFile(cfg)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// appendN appends n synthetic entries straight to the sink.
func appendN(t *testing.T, s audit.Sink, kr *audit.Keyring, f *gofakeit.Faker, n int) {
	t.Helper()
	entries := make([]audit.Entry, n)
	for i := range entries {
		e := fakeEvent(f, audit.ActionRead)
		entries[i] = audit.Entry{Time: e.Time, Actor: e.Actor, Action: e.Action, Outcome: e.Outcome, SellerID: e.SellerID, Count: e.Count}
	}
	if err := s.Append(context.Background(), kr, entries); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

func verifyFiles(t *testing.T, kr *audit.Keyring, start audit.Link, end audit.Link, paths ...string) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), audit.ReadFiles(paths...), audit.VerifyOptions{Keyring: kr, Start: start, End: &end})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestFileSinkTrailRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	kr := newKeyring(t)
	s := openFileSink(t, audit.FileConfig{Path: path})
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: s})
	recordN(t, tr, gofakeit.New(1), 30)

	head, _ := s.Head(context.Background())
	rep, err := audit.Verify(context.Background(), s.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil || !rep.OK() || rep.Verified != 30 {
		t.Fatalf("verified %d of 30, err %v, break %v", rep.Verified, err, rep.Err())
	}
}

func TestFileSinkReopenContinuesChain(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	kr := newKeyring(t)
	f := gofakeit.New(2)

	s, err := audit.OpenFile(audit.FileConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, s, kr, f, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openFileSink(t, audit.FileConfig{Path: path})
	head, _ := s2.Head(context.Background())
	if head.Seq != 10 {
		t.Fatalf("reopened head seq = %d, want 10", head.Seq)
	}
	appendN(t, s2, kr, f, 10)
	head, _ = s2.Head(context.Background())
	if rep := verifyFiles(t, kr, audit.Link{}, head, path); !rep.OK() || rep.Verified != 20 {
		t.Fatalf("verified %d of 20, break %v", rep.Verified, rep.Err())
	}
}

func TestFileSinkSecondOpenFails(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	openFileSink(t, audit.FileConfig{Path: path})
	if s, err := audit.OpenFile(audit.FileConfig{Path: path}); err == nil {
		s.Close()
		t.Fatal("second OpenFile on the same path succeeded")
	}
}

func TestFileSinkSurvivesRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	kr := newKeyring(t)
	f := gofakeit.New(3)
	s := openFileSink(t, audit.FileConfig{Path: path})
	appendN(t, s, kr, f, 5)

	moved := filepath.Join(dir, "audit.jsonl.1")
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	// The sink looks at the path at most every DefaultCheckInterval.
	time.Sleep(2 * audit.DefaultCheckInterval)
	appendN(t, s, kr, f, 5)

	head, _ := s.Head(context.Background())
	if head.Seq != 10 {
		t.Fatalf("head seq = %d, want 10", head.Seq)
	}
	if n := countEntries(t, path); n != 5 {
		t.Errorf("new file holds %d entries, want 5", n)
	}
	if n := countEntries(t, moved); n != 5 {
		t.Errorf("renamed file holds %d entries, want 5", n)
	}
	if rep := verifyFiles(t, kr, audit.Link{}, head, moved, path); !rep.OK() || rep.Verified != 10 {
		t.Fatalf("verified %d of 10 across the rename, break %v", rep.Verified, rep.Err())
	}
}

func TestFileSinkSurvivesDelete(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	kr := newKeyring(t)
	f := gofakeit.New(4)
	s := openFileSink(t, audit.FileConfig{Path: path, CheckInterval: -1})
	appendN(t, s, kr, f, 5)
	before, _ := s.Head(context.Background())

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, kr, f, 5)
	head, _ := s.Head(context.Background())
	if head.Seq != 10 {
		t.Fatalf("head seq = %d, want 10", head.Seq)
	}

	// The deleted entries are missing, which verification reports...
	if rep := verifyFiles(t, kr, audit.Link{}, head, path); rep.Tampered == nil {
		t.Error("deleted file not reported as tampering")
	}
	// ...while the new file continues the chain from where it stopped.
	if rep := verifyFiles(t, kr, before, head, path); !rep.OK() || rep.Verified != 5 {
		t.Fatalf("new file: verified %d of 5, break %v", rep.Verified, rep.Err())
	}
}

func TestFileSinkRepairsPartialLastLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	kr := newKeyring(t)
	f := gofakeit.New(5)
	s, err := audit.OpenFile(audit.FileConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, s, kr, f, 3)
	s.Close()

	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(`{"seq":4,"time":"2026-`)
	fh.Close()

	s2 := openFileSink(t, audit.FileConfig{Path: path})
	head, _ := s2.Head(context.Background())
	if head.Seq != 3 {
		t.Fatalf("head seq after repair = %d, want 3", head.Seq)
	}
	appendN(t, s2, kr, f, 2)
	head, _ = s2.Head(context.Background())
	if rep := verifyFiles(t, kr, audit.Link{}, head, path); !rep.OK() || rep.Verified != 5 {
		t.Fatalf("verified %d of 5, break %v", rep.Verified, rep.Err())
	}
}

func TestFileSinkRejectsMalformedLastLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte("{\"seq\":1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := audit.OpenFile(audit.FileConfig{Path: path})
	if err == nil {
		s.Close()
		t.Fatal("OpenFile on a file ending with a malformed entry succeeded")
	}
	if !strings.Contains(err.Error(), "move the file aside") {
		t.Errorf("error %q does not say what to do", err)
	}
}

func TestFileSinkRotationAndPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	kr := newKeyring(t)
	f := gofakeit.New(6)
	s := openFileSink(t, audit.FileConfig{Path: path, MaxSize: 2000, Sync: audit.SyncNone})
	for range 20 {
		appendN(t, s, kr, f, 3)
	}
	files, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("%d files after 60 entries with MaxSize 2000, want rotation", len(files))
	}
	for _, name := range files[:len(files)-1] {
		if st, _ := os.Stat(name); st.Size() > 2000 {
			t.Errorf("rotated file %s has %d bytes, over MaxSize", filepath.Base(name), st.Size())
		}
	}
	head, _ := s.Head(context.Background())
	rep, err := audit.Verify(context.Background(), s.All(), audit.VerifyOptions{Keyring: kr, End: &head})
	if err != nil || !rep.OK() || rep.Verified != 60 {
		t.Fatalf("verified %d of 60 across rotations, err %v, break %v", rep.Verified, err, rep.Err())
	}

	// Delete through an entry in the middle of a file: only whole files go.
	all := collect(t, s)
	cut := all[30]
	deleted, err := s.DeleteThrough(context.Background(), cut.Seq)
	if err != nil {
		t.Fatal(err)
	}
	rest := collect(t, s)
	if int(deleted)+len(rest) != 60 || deleted == 0 || deleted > 31 {
		t.Fatalf("deleted %d entries, %d left", deleted, len(rest))
	}
	start := audit.Link{Seq: cut.Seq, MAC: cut.MAC}
	rep, err = audit.Verify(context.Background(), s.All(), audit.VerifyOptions{Keyring: kr, Start: start, End: &head})
	if err != nil || !rep.OK() || rep.Verified != 60-int(cut.Seq) {
		t.Fatalf("verified %d of %d after pruning, err %v, break %v", rep.Verified, 60-int(cut.Seq), err, rep.Err())
	}
}

func TestFileSinkSyncInterval(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	kr := newKeyring(t)
	s, err := audit.OpenFile(audit.FileConfig{Path: path, Sync: audit.SyncInterval, SyncInterval: 10})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, s, kr, gofakeit.New(7), 4)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countEntries(t, path); n != 4 {
		t.Fatalf("file holds %d entries, want 4", n)
	}
	if err := s.Append(context.Background(), kr, []audit.Entry{{}}); err == nil {
		t.Error("Append after Close succeeded")
	}
}

func TestFileSinkConfigErrors(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]audit.FileConfig{
		"no path":        {},
		"bad sync":       {Path: filepath.Join(t.TempDir(), "a"), Sync: 9},
		"negative size":  {Path: filepath.Join(t.TempDir(), "a"), MaxSize: -1},
		"missing parent": {Path: filepath.Join(t.TempDir(), "no", "such", "dir", "a")},
	} {
		if s, err := audit.OpenFile(cfg); err == nil {
			s.Close()
			t.Errorf("%s: OpenFile succeeded", name)
		}
	}
}

func collect(t *testing.T, s *audit.FileSink) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for e, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func countEntries(t *testing.T, path string) int {
	t.Helper()
	n := 0
	for _, err := range audit.ReadFiles(path) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func TestFileSinkAsSecondary(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mirror.jsonl")
	mirror := openFileSink(t, audit.FileConfig{Path: path})
	kr := newKeyring(t)
	primary := audit.NewMemorySink()
	tr, err := audit.New(audit.Config{Keyring: kr, Sink: primary, Secondaries: []audit.Secondary{mirror}})
	if err != nil {
		t.Fatal(err)
	}
	recordN(t, tr, gofakeit.New(8), 25)
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	head, _ := primary.Head(context.Background())
	if got, _ := mirror.Head(context.Background()); got.Seq != head.Seq {
		t.Fatalf("mirror head seq = %d, want %d", got.Seq, head.Seq)
	}
	if rep := verifyFiles(t, kr, audit.Link{}, head, path); !rep.OK() || rep.Verified != 25 {
		t.Fatalf("mirror verified %d of 25, break %v", rep.Verified, rep.Err())
	}
}
