package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
)

// Reasons a chain breaks. Each *Break's Err matches one of these or
// ErrMACMismatch, ErrUnknownKey, or a *LineError for a malformed line.
var (
	ErrSequence   = errors.New("audit: entry out of sequence")
	ErrBrokenLink = errors.New("audit: entry does not link to the entry before")
	ErrTruncated  = errors.New("audit: chain ends before the expected head")
	ErrMalformed  = errors.New("audit: malformed entry")
)

// Break is a point where verification found a problem.
type Break struct {
	// Index is the position of the entry in the stream, from 0. For a
	// truncated chain it is the number of entries read.
	Index int
	// Seq is the sequence number the entry carried or, for a missing entry,
	// the sequence number expected there.
	Seq uint64
	// KeyID is the entry's key ID, when an entry was read.
	KeyID string
	// Tampered is true when the entries were changed, removed, reordered or
	// cut off, and false when the entry could not be checked because its key
	// is not in the keyring.
	Tampered bool
	// Err is the reason.
	Err error
}

func (b *Break) Error() string {
	what := "unverifiable"
	if b.Tampered {
		what = "tampered"
	}
	return fmt.Sprintf("audit: chain %s at seq %d (entry %d): %v", what, b.Seq, b.Index, b.Err)
}

func (b *Break) Unwrap() error { return b.Err }

// Report is the result of Verify.
type Report struct {
	// Entries is the number of entries read, Skipped of them before
	// VerifyOptions.Start.
	Entries, Skipped int
	// Verified is the number of entries whose MAC was checked and correct.
	Verified int
	// Unverifiable is the number of entries whose key was unknown; their
	// links were still checked.
	Unverifiable int
	// Head is the last entry that verification accepted.
	Head Link
	// Tampered is the first break that shows tampering, or nil. Verification
	// stops there.
	Tampered *Break
	// FirstUnverifiable is the first entry whose key was unknown, or nil.
	FirstUnverifiable *Break
}

// OK reports whether every entry was verified and nothing was tampered with.
func (r *Report) OK() bool { return r.Tampered == nil && r.FirstUnverifiable == nil }

// Err returns the tampering break if any, else the first unverifiable entry,
// else nil.
func (r *Report) Err() error {
	if r.Tampered != nil {
		return r.Tampered
	}
	if r.FirstUnverifiable != nil {
		return r.FirstUnverifiable
	}
	return nil
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Keyring holds the keys that MACed the entries. Required.
	Keyring *Keyring
	// Start is a trusted link that the chain continues from, such as the
	// Link of a verified Checkpoint taken before entries were pruned.
	// Entries at or before Start.Seq are skipped, except that an entry at
	// Start.Seq must carry Start.MAC. The zero Link means the stream starts
	// at the first entry of the chain.
	Start Link
	// End, when set, is the head the chain is known to have reached, for
	// example from the primary sink or a later checkpoint. A stream that
	// stops before it, or disagrees with it, is reported as tampered; this
	// is what detects entries cut off the end.
	End *Link
	// StrictKeyIDs reports an entry whose key ID is neither in the keyring
	// nor retired (Keyring.Retire) as tampered, so that an entry edited
	// together with its key ID cannot pass as unverifiable. Use it when the
	// keyring holds or has retired every key ID the trail ever used.
	StrictKeyIDs bool
}

// Verify reads entries in order and checks the chain: consecutive sequence
// numbers, each Prev equal to the MAC before it, and each MAC under its key.
// It reports the first tampering and stops there, and counts entries whose
// key is unknown as unverifiable while still checking their links.
//
// Without VerifyOptions.End, entries removed from the end of the chain go
// unnoticed; pass the sink's head or a checkpoint. Verify returns an error
// only when the stream cannot be read (other than a malformed line, which is
// reported as tampering) or ctx ends.
func Verify(ctx context.Context, entries iter.Seq2[Entry, error], opts VerifyOptions) (Report, error) {
	if opts.Keyring == nil {
		return Report{}, errors.New("audit: VerifyOptions.Keyring is required")
	}
	var (
		rep     Report
		head    = opts.Start
		started = opts.Start.Seq == 0
	)
	tamper := func(e *Entry, seq uint64, err error) {
		b := &Break{Index: rep.Entries, Seq: seq, Tampered: true, Err: err}
		if e != nil {
			b.KeyID = e.KeyID
		}
		rep.Tampered = b
	}

	for e, err := range entries {
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				tamper(nil, head.Seq+1, fmt.Errorf("%w: %w", ErrMalformed, err))
				rep.Head = head
				return rep, nil
			}
			return rep, err
		}
		if rep.Entries&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}

		if !started {
			switch {
			case e.Seq < opts.Start.Seq:
				rep.Entries++
				rep.Skipped++
				continue
			case e.Seq == opts.Start.Seq:
				if !bytes.Equal(e.MAC, opts.Start.MAC) {
					tamper(&e, e.Seq, fmt.Errorf("%w: MAC differs from the start link", ErrBrokenLink))
					return rep, nil
				}
				rep.Entries++
				rep.Skipped++
				started = true
				continue
			}
			started = true
		}

		switch {
		case e.Seq != head.Seq+1:
			tamper(&e, head.Seq+1, fmt.Errorf("%w: found seq %d", ErrSequence, e.Seq))
		case !bytes.Equal(e.Prev, head.MAC):
			tamper(&e, e.Seq, ErrBrokenLink)
		case opts.End != nil && e.Seq == opts.End.Seq && !bytes.Equal(e.MAC, opts.End.MAC):
			tamper(&e, e.Seq, fmt.Errorf("%w: MAC differs from the expected head", ErrBrokenLink))
		}
		if rep.Tampered != nil {
			rep.Head = head
			return rep, nil
		}

		switch err := opts.Keyring.CheckMAC(&e); {
		case err == nil:
			rep.Verified++
		case errors.Is(err, ErrUnknownKey) && opts.StrictKeyIDs && !opts.Keyring.isRetired(e.KeyID):
			tamper(&e, e.Seq, fmt.Errorf("%w: key ID was never issued", err))
			rep.Head = head
			return rep, nil
		case errors.Is(err, ErrUnknownKey):
			rep.Unverifiable++
			if rep.FirstUnverifiable == nil {
				rep.FirstUnverifiable = &Break{Index: rep.Entries, Seq: e.Seq, KeyID: e.KeyID, Err: err}
			}
		default:
			tamper(&e, e.Seq, err)
			rep.Head = head
			return rep, nil
		}
		rep.Entries++
		head = e.link()
	}

	rep.Head = head
	if opts.End != nil && head.Seq < opts.End.Seq {
		tamper(nil, head.Seq+1, fmt.Errorf("%w: last seq %d, expected %d", ErrTruncated, head.Seq, opts.End.Seq))
	}
	return rep, nil
}
