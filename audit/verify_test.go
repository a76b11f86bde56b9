package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
)

// chain returns n entries recorded through a trail and the keyring that
// MACed them.
func chain(t *testing.T, n int, cfg audit.Config) ([]audit.Entry, *audit.Keyring) {
	t.Helper()
	if cfg.Keyring == nil {
		cfg.Keyring = newKeyring(t)
	}
	sink := audit.NewMemorySink()
	cfg.Sink = sink
	tr := newTrail(t, cfg)
	f := gofakeit.New(42)
	actions := audit.Actions()
	for i := range n {
		e := fakeEvent(f, actions[i%len(actions)])
		if e.Action == audit.ActionReveal || e.Action == audit.ActionExport {
			e.Purpose = "fulfillment"
		}
		if i%3 == 0 {
			e.Outcome = audit.OutcomeFailure
			e.Reason = "vault_unavailable"
		}
		if err := tr.Record(context.Background(), e); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	return sink.Entries(), cfg.Keyring
}

func seqOf(entries []audit.Entry) func(func(audit.Entry, error) bool) {
	return func(yield func(audit.Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func verify(t *testing.T, entries []audit.Entry, opts audit.VerifyOptions) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), seqOf(entries), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func cloneEntries(entries []audit.Entry) []audit.Entry {
	out := slices.Clone(entries)
	for i := range out {
		out[i].Prev = slices.Clone(out[i].Prev)
		out[i].MAC = slices.Clone(out[i].MAC)
	}
	return out
}

// editField changes one field of e to a different value and returns the
// field's name.
func editField(r *rand.Rand, e *audit.Entry) string {
	switch r.IntN(15) {
	case 0:
		e.Seq += uint64(r.IntN(5)) + 1
		return "Seq"
	case 1:
		e.Time = e.Time.Add(time.Duration(r.IntN(1e6)+1) * time.Microsecond)
		return "Time"
	case 2:
		e.Actor += "x"
		return "Actor"
	case 3:
		e.Source = "192.0.2.0/24" + e.Source
		return "Source"
	case 4:
		if e.Action == audit.ActionExport {
			e.Action = audit.ActionRead
		} else {
			e.Action = audit.ActionExport
		}
		return "Action"
	case 5:
		if e.Outcome == audit.OutcomeSuccess {
			e.Outcome = audit.OutcomeDenied
		} else {
			e.Outcome = audit.OutcomeSuccess
		}
		return "Outcome"
	case 6:
		e.Reason += "a"
		return "Reason"
	case 7:
		e.SellerID += "1"
		return "SellerID"
	case 8:
		e.OrderID = ""
		if e.OrderID == "" {
			e.OrderID = "x"
		}
		return "OrderID"
	case 9:
		e.Bucket = "open"
		return "Bucket"
	case 10:
		e.Purpose += "s"
		return "Purpose"
	case 11:
		e.Kind = "phone" + e.Kind
		return "Kind"
	case 12:
		e.Count += r.IntN(1000) + 1
		return "Count"
	case 13:
		if len(e.Prev) == 0 {
			e.Prev = []byte{1}
		} else {
			e.Prev[r.IntN(len(e.Prev))] ^= byte(r.IntN(255) + 1)
		}
		return "Prev"
	default:
		e.MAC[r.IntN(len(e.MAC))] ^= byte(r.IntN(255) + 1)
		return "MAC"
	}
}

func TestVerifyDetectsEveryEdit(t *testing.T) {
	t.Parallel()
	orig, kr := chain(t, 40, audit.Config{})
	head := audit.Link{Seq: orig[len(orig)-1].Seq, MAC: orig[len(orig)-1].MAC}
	if rep := verify(t, orig, audit.VerifyOptions{Keyring: kr, End: &head}); !rep.OK() {
		t.Fatalf("untouched chain: %v", rep.Err())
	}

	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		entries := cloneEntries(orig)
		i := r.IntN(len(entries))
		field := editField(r, &entries[i])
		rep := verify(t, entries, audit.VerifyOptions{Keyring: kr, End: &head})
		if rep.Tampered == nil {
			t.Fatalf("trial %d: edit of %s in entry %d not detected", trial, field, i)
		}
		if rep.Tampered.Index > i+1 {
			t.Errorf("trial %d: edit of entry %d reported at entry %d", trial, i, rep.Tampered.Index)
		}
	}
}

func TestVerifyDetectsDeletionReorderTruncation(t *testing.T) {
	t.Parallel()
	orig, kr := chain(t, 40, audit.Config{})
	last := orig[len(orig)-1]
	head := audit.Link{Seq: last.Seq, MAC: last.MAC}

	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 3000 {
		entries := cloneEntries(orig)
		var what string
		switch r.IntN(4) {
		case 0:
			i := r.IntN(len(entries))
			n := 1 + r.IntN(min(5, len(entries)-i))
			entries = slices.Delete(entries, i, i+n)
			what = "delete"
		case 1:
			i, j := r.IntN(len(entries)), r.IntN(len(entries))
			if i == j {
				j = (i + 1) % len(entries)
			}
			entries[i], entries[j] = entries[j], entries[i]
			what = "swap"
		case 2:
			entries = entries[:r.IntN(len(entries))]
			what = "truncate end"
		default:
			entries = entries[1+r.IntN(len(entries)-1):]
			what = "truncate start"
		}
		rep := verify(t, entries, audit.VerifyOptions{Keyring: kr, End: &head})
		if rep.Tampered == nil {
			t.Fatalf("trial %d: %s not detected", trial, what)
		}
	}
}

func TestVerifyReportsBreakKinds(t *testing.T) {
	t.Parallel()
	orig, kr := chain(t, 10, audit.Config{})
	last := orig[len(orig)-1]
	head := audit.Link{Seq: last.Seq, MAC: last.MAC}

	tests := []struct {
		name    string
		mutate  func([]audit.Entry) []audit.Entry
		wantErr error
		wantSeq uint64
	}{
		{"edited actor", func(es []audit.Entry) []audit.Entry { es[4].Actor = "u-1"; return es }, audit.ErrMACMismatch, 5},
		{"deleted entry", func(es []audit.Entry) []audit.Entry { return slices.Delete(es, 3, 4) }, audit.ErrSequence, 4},
		{"renumbered after delete", func(es []audit.Entry) []audit.Entry {
			es = slices.Delete(es, 3, 4)
			for i := 3; i < len(es); i++ {
				es[i].Seq--
			}
			return es
		}, audit.ErrBrokenLink, 4},
		{"cut end", func(es []audit.Entry) []audit.Entry { return es[:7] }, audit.ErrTruncated, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := verify(t, tt.mutate(cloneEntries(orig)), audit.VerifyOptions{Keyring: kr, End: &head})
			if rep.Tampered == nil {
				t.Fatal("not detected")
			}
			if !errors.Is(rep.Tampered, tt.wantErr) {
				t.Errorf("break = %v, want %v", rep.Tampered, tt.wantErr)
			}
			if rep.Tampered.Seq != tt.wantSeq {
				t.Errorf("break at seq %d, want %d", rep.Tampered.Seq, tt.wantSeq)
			}
			if !rep.Tampered.Tampered {
				t.Error("break not marked as tampering")
			}
		})
	}
}

func TestVerifyKeyRotationIsUnverifiableNotTampered(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	kr, err := audit.NewKeyring(k1)
	if err != nil {
		t.Fatal(err)
	}
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink})
	f := gofakeit.New(5)
	recordN(t, tr, f, 10)
	if err := kr.Rotate(k2); err != nil {
		t.Fatal(err)
	}
	recordN(t, tr, f, 10)
	entries := sink.Entries()
	head, _ := sink.Head(context.Background())

	if rep := verify(t, entries, audit.VerifyOptions{Keyring: kr, End: &head}); !rep.OK() || rep.Verified != 20 {
		t.Fatalf("with both keys: verified %d of 20, break %v", rep.Verified, rep.Err())
	}

	onlyNew, err := audit.NewKeyring(k2)
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, entries, audit.VerifyOptions{Keyring: onlyNew, End: &head})
	if rep.Tampered != nil {
		t.Fatalf("without the old key: reported tampering %v, want unverifiable", rep.Tampered)
	}
	if rep.Unverifiable != 10 || rep.Verified != 10 {
		t.Errorf("unverifiable %d and verified %d, want 10 and 10", rep.Unverifiable, rep.Verified)
	}
	if rep.FirstUnverifiable == nil || rep.FirstUnverifiable.Seq != 1 || rep.FirstUnverifiable.KeyID != "k1" {
		t.Errorf("first unverifiable = %+v, want seq 1 with key k1", rep.FirstUnverifiable)
	}
	if !errors.Is(rep.Err(), audit.ErrUnknownKey) {
		t.Errorf("Err() = %v, want ErrUnknownKey", rep.Err())
	}
	if rep.OK() {
		t.Error("OK() is true with unverifiable entries")
	}

	// An unverifiable entry whose MAC was changed breaks the link to the
	// next entry, so that is still tampering.
	entries[3].MAC[0] ^= 1
	if rep := verify(t, entries, audit.VerifyOptions{Keyring: onlyNew, End: &head}); rep.Tampered == nil {
		t.Error("changed MAC of an unverifiable entry not detected")
	}
}

func TestVerifyWrongSecretIsTampered(t *testing.T) {
	t.Parallel()
	entries, _ := chain(t, 5, audit.Config{})
	other, err := audit.NewKeyring(newKey(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, entries, audit.VerifyOptions{Keyring: other})
	if rep.Tampered == nil || !errors.Is(rep.Tampered, audit.ErrMACMismatch) {
		t.Fatalf("same key ID with another secret: %v, want ErrMACMismatch", rep.Err())
	}
}

func TestVerifyRequiresKeyring(t *testing.T) {
	t.Parallel()
	if _, err := audit.Verify(context.Background(), seqOf(nil), audit.VerifyOptions{}); err == nil {
		t.Fatal("Verify without a keyring succeeded")
	}
}

func TestVerifyStopsOnContext(t *testing.T) {
	t.Parallel()
	entries, kr := chain(t, 3, audit.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := audit.Verify(ctx, seqOf(entries), audit.VerifyOptions{Keyring: kr}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify with canceled context = %v, want context.Canceled", err)
	}
}

func TestCheckpointPruneAndVerify(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	sink := audit.NewMemorySink()
	tr := newTrail(t, audit.Config{Keyring: kr, Sink: sink})
	f := gofakeit.New(6)
	recordN(t, tr, f, 20)

	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	mid := sink.Entries()[11]
	signedAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cp, err := audit.SignCheckpoint(priv, "cp1", audit.Link{Seq: mid.Seq, MAC: mid.MAC}, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Verify(pub); err != nil {
		t.Fatalf("checkpoint Verify: %v", err)
	}

	now := signedAt.Add(audit.MinRetention + time.Hour)
	var re *audit.RetentionError
	if _, err := audit.Prune(context.Background(), sink, cp, pub, 364*24*time.Hour, now); !errors.As(err, &re) {
		t.Fatalf("Prune with 364 days = %v, want *RetentionError", err)
	}
	if _, err := audit.Prune(context.Background(), sink, cp, pub, audit.MinRetention, signedAt.Add(time.Hour)); err == nil {
		t.Fatal("Prune with a checkpoint inside the retention period succeeded")
	}
	forged := cp
	forged.Seq++
	if _, err := audit.Prune(context.Background(), sink, forged, pub, audit.MinRetention, now); !errors.Is(err, audit.ErrBadSignature) {
		t.Fatalf("Prune with a forged checkpoint = %v, want ErrBadSignature", err)
	}
	if sink.Len() != 20 {
		t.Fatalf("rejected prunes deleted entries: %d left", sink.Len())
	}

	n, err := audit.Prune(context.Background(), sink, cp, pub, audit.MinRetention, now)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != 12 || sink.Len() != 8 {
		t.Fatalf("pruned %d, %d left; want 12 and 8", n, sink.Len())
	}

	head, _ := sink.Head(context.Background())
	if rep, _ := audit.Verify(context.Background(), sink.All(), audit.VerifyOptions{Keyring: kr, End: &head}); rep.Tampered == nil {
		t.Error("pruned chain verified without its checkpoint")
	}
	rep, err := audit.Verify(context.Background(), sink.All(), audit.VerifyOptions{Keyring: kr, Start: cp.Link(), End: &head})
	if err != nil || !rep.OK() || rep.Verified != 8 {
		t.Fatalf("verify from checkpoint: verified %d of 8, err %v, break %v", rep.Verified, err, rep.Err())
	}

	// Dropping the first entry after the checkpoint is still detected.
	rest := sink.Entries()[1:]
	if rep := verify(t, rest, audit.VerifyOptions{Keyring: kr, Start: cp.Link(), End: &head}); rep.Tampered == nil {
		t.Error("deleted entry after the checkpoint not detected")
	}
}

func TestCheckpointRejectsTampering(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(nil)
	cp, err := audit.SignCheckpoint(priv, "cp1", audit.Link{Seq: 9, MAC: bytes.Repeat([]byte{7}, 32)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(c *audit.Checkpoint){
		"seq":    func(c *audit.Checkpoint) { c.Seq = 8 },
		"mac":    func(c *audit.Checkpoint) { c.MAC = bytes.Repeat([]byte{8}, 32) },
		"time":   func(c *audit.Checkpoint) { c.Time = c.Time.Add(-time.Hour) },
		"signer": func(c *audit.Checkpoint) { c.SignerID = "cp2" },
	} {
		c := cp
		mutate(&c)
		if err := c.Verify(pub); !errors.Is(err, audit.ErrBadSignature) {
			t.Errorf("checkpoint with changed %s: Verify = %v, want ErrBadSignature", name, err)
		}
	}
	if _, err := audit.SignCheckpoint(priv, "cp1", audit.Link{}, time.Now()); err == nil {
		t.Error("SignCheckpoint of an empty chain succeeded")
	}
}

func TestVerifyEditedKeyID(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	kr, err := audit.NewKeyring(k1, k2)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := chain(t, 6, audit.Config{Keyring: kr})
	last := orig[len(orig)-1]
	head := audit.Link{Seq: last.Seq, MAC: last.MAC}

	toKnown := cloneEntries(orig)
	toKnown[2].KeyID = "k2"
	if rep := verify(t, toKnown, audit.VerifyOptions{Keyring: kr, End: &head}); rep.Tampered == nil {
		t.Error("key ID changed to another known key not reported as tampering")
	}

	toUnknown := cloneEntries(orig)
	toUnknown[2].KeyID = "k9"
	toUnknown[2].Actor = "u-1"
	rep := verify(t, toUnknown, audit.VerifyOptions{Keyring: kr, End: &head})
	if rep.OK() || rep.FirstUnverifiable == nil {
		t.Errorf("edit hidden behind an unknown key ID: report %+v, want unverifiable", rep)
	}
	rep = verify(t, toUnknown, audit.VerifyOptions{Keyring: kr, End: &head, StrictKeyIDs: true})
	if rep.Tampered == nil || !errors.Is(rep.Tampered, audit.ErrUnknownKey) {
		t.Errorf("strict: break %v, want tampering with an unknown key ID", rep.Err())
	}

	// A key removed from the ring stays known as retired.
	if err := kr.Rotate(newKey(t, "k3")); err != nil {
		t.Fatal(err)
	}
	if err := kr.Remove("k1"); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, orig, audit.VerifyOptions{Keyring: kr, End: &head, StrictKeyIDs: true})
	if rep.Tampered != nil || rep.Unverifiable != len(orig) {
		t.Errorf("strict with k1 retired: tampered %v, unverifiable %d; want none and %d", rep.Tampered, rep.Unverifiable, len(orig))
	}
}

func TestKeyringErrors(t *testing.T) {
	t.Parallel()
	short := audit.Key{ID: "k1", Secret: make([]byte, audit.MinKeySize-1)}
	if _, err := audit.NewKeyring(short); err == nil {
		t.Error("NewKeyring accepted a short secret")
	}
	if _, err := audit.NewKeyring(audit.Key{ID: "K 1", Secret: make([]byte, 32)}); err == nil {
		t.Error("NewKeyring accepted an invalid key ID")
	}
	if _, err := audit.NewKeyring(newKey(t, "k1"), newKey(t, "k1")); err == nil {
		t.Error("NewKeyring accepted a duplicate key ID")
	}
	kr := newKeyring(t)
	if err := kr.Rotate(newKey(t, "k1")); err == nil {
		t.Error("Rotate reused the active key ID")
	}
	if err := kr.Remove("k1"); err == nil {
		t.Error("Remove dropped the active key")
	}
	if err := kr.Remove("nope"); !errors.Is(err, audit.ErrUnknownKey) {
		t.Errorf("Remove of an unknown key = %v, want ErrUnknownKey", err)
	}
	if _, err := kr.Pseudonym("nope", "x"); !errors.Is(err, audit.ErrUnknownKey) {
		t.Errorf("Pseudonym under an unknown key = %v, want ErrUnknownKey", err)
	}
	if err := kr.Retire("k1"); err == nil {
		t.Error("Retire accepted a key still in the ring")
	}

	if err := kr.Rotate(newKey(t, "k2")); err != nil {
		t.Fatal(err)
	}
	if err := kr.Remove("k1"); err != nil {
		t.Fatal(err)
	}
	if err := kr.Rotate(newKey(t, "k1")); err == nil {
		t.Error("Rotate reused a retired key ID")
	}
	if got := kr.IDs(); len(got) != 1 || got[0] != "k2" || kr.ActiveID() != "k2" {
		t.Errorf("IDs = %v, active %s; want [k2], k2", got, kr.ActiveID())
	}
}

func TestPseudonymStableAndKeyed(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	a, _ := kr.Pseudonym("", "111-2222222-3333333")
	b, _ := kr.Pseudonym("k1", "111-2222222-3333333")
	c, _ := kr.Pseudonym("k1", "111-2222222-3333334")
	other, _ := newKeyring(t).Pseudonym("", "111-2222222-3333333")
	if a != b {
		t.Errorf("pseudonym differs between calls: %s, %s", a, b)
	}
	if a == c {
		t.Error("different values share a pseudonym")
	}
	if a == other {
		t.Error("different secrets give the same pseudonym")
	}
	if len(a) != len("hmac:k1:")+22 {
		t.Errorf("pseudonym %q has length %d", a, len(a))
	}
}
