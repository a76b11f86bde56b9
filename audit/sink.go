package audit

import (
	"context"
	"iter"
	"slices"
	"sync"
)

// Sink is the primary store of a trail. It owns the chain head: Append
// places each entry after the stored head with kr.Chain, in order, while no
// other append can move that head, and makes the entries durable before it
// returns nil. When Append fails, a Trail fails the Record calls of the
// batch; some of the entries may still have been stored.
//
// Implementations must be safe for concurrent use.
type Sink interface {
	Append(ctx context.Context, kr *Keyring, entries []Entry) error
	// Head returns the link of the last stored entry, the value to pass as
	// VerifyOptions.End.
	Head(ctx context.Context) (Link, error)
}

// Secondary receives copies of entries already stored by the primary sink,
// for example a log shipper. A Trail calls Write from one goroutine per
// secondary, through a bounded queue, so a slow Write delays no caller.
type Secondary interface {
	Write(ctx context.Context, entries []Entry) error
}

// MemorySink keeps entries in memory. It serves tests and examples as a
// primary Sink, and as a Secondary that stores what it is given. It is safe
// for concurrent use; its zero value is an empty sink.
type MemorySink struct {
	mu      sync.Mutex
	entries []Entry
	head    Link
}

// NewMemorySink returns an empty MemorySink.
func NewMemorySink() *MemorySink { return &MemorySink{} }

// Append chains the entries after the sink's head and stores them.
func (s *MemorySink) Append(ctx context.Context, kr *Keyring, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	head := s.head
	for i := range entries {
		var err error
		if head, err = kr.Chain(head, &entries[i]); err != nil {
			return err
		}
	}
	s.entries = append(s.entries, entries...)
	s.head = head
	return nil
}

// Write stores entries as given, without chaining them.
func (s *MemorySink) Write(ctx context.Context, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, entries...)
	if n := len(entries); n > 0 {
		s.head = entries[n-1].link()
	}
	return nil
}

// Head returns the link of the last entry.
func (s *MemorySink) Head(ctx context.Context) (Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head, nil
}

// Entries returns a copy of the stored entries.
func (s *MemorySink) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries)
}

// All returns the stored entries as a sequence for Verify.
func (s *MemorySink) All() iter.Seq2[Entry, error] {
	entries := s.Entries()
	return func(yield func(Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Len returns the number of stored entries.
func (s *MemorySink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// DeleteThrough deletes entries with Seq <= seq. Use Prune, which checks the
// retention period, rather than calling it directly.
func (s *MemorySink) DeleteThrough(ctx context.Context, seq uint64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	for i < len(s.entries) && s.entries[i].Seq <= seq {
		i++
	}
	s.entries = slices.Delete(s.entries, 0, i)
	return int64(i), nil
}
