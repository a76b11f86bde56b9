package retentiontest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

// Clock is a fake clock for [retention.Config.Now]. It is safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Recorder is an [audit.Recorder] that keeps events in memory and fails on
// demand. It is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []audit.Event
	err    error
}

// Record stores e, or returns the error set by Fail.
func (r *Recorder) Record(ctx context.Context, e audit.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, e)
	return nil
}

// Fail makes every later Record call return err; nil restores it.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Events returns the recorded events with the given action, or all of them
// when action is empty.
func (r *Recorder) Events(action audit.Action) []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []audit.Event
	for _, e := range r.events {
		if action == "" || e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// Shredder is a [retention.Shredder] that counts shreds per bucket and fails
// on demand. It is safe for concurrent use.
type Shredder struct {
	mu    sync.Mutex
	count map[retention.BucketRef]int
	err   error
}

// Shred counts the bucket as shredded, or returns the error set by Fail.
func (s *Shredder) Shred(ctx context.Context, seller, bucket string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.count == nil {
		s.count = make(map[retention.BucketRef]int)
	}
	s.count[retention.BucketRef{SellerID: seller, Bucket: bucket}]++
	return nil
}

// Fail makes every later Shred call return err; nil restores it.
func (s *Shredder) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Count returns how many times a bucket was shredded.
func (s *Shredder) Count(seller, bucket string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[retention.BucketRef{SellerID: seller, Bucket: bucket}]
}

// Total returns the number of shred calls that succeeded.
func (s *Shredder) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.count {
		n += c
	}
	return n
}

// Notifier is a [retention.Notifier] that keeps alerts in memory. It is safe
// for concurrent use.
type Notifier struct {
	mu     sync.Mutex
	alerts []retention.NoticeAlert
}

// NoticeDeadlineNear stores the alert.
func (n *Notifier) NoticeDeadlineNear(_ context.Context, a retention.NoticeAlert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alerts = append(n.alerts, a)
	return nil
}

// Alerts returns the stored alerts.
func (n *Notifier) Alerts() []retention.NoticeAlert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.alerts)
}

var orderSeq atomic.Int64

// SellerID returns a synthetic selling partner ID.
func SellerID() string {
	return "A" + gofakeit.Regex("[0-9A-Z]{13}")
}

// OrderID returns a unique synthetic Amazon order ID.
func OrderID() string {
	n := orderSeq.Add(1)
	return fmt.Sprintf("%03d-%07d-%07d", gofakeit.Number(100, 999), n%10000000, gofakeit.Number(0, 9999999))
}

// BlindIndex returns a random 32-byte value shaped like a blind index.
func BlindIndex() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(gofakeit.Number(0, 255))
	}
	return b
}
