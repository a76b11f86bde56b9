package retention

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/hidemont/spkit/audit"
)

// MemoryStore is a [Store] kept in process memory, for tests and single-process
// development. It has no purge target of its own: the data lives wherever the
// [PurgeFunc] passed to Purge removes it from. The zero value is not usable;
// call [NewMemoryStore]. It is safe for concurrent use.
type MemoryStore struct {
	mu       sync.Mutex
	records  map[recordKey]*memRecord
	buckets  map[BucketRef]*memBucket
	holds    map[string]Hold
	notices  map[string]Notice
	evidence []memEvidence
	nextID   int64
}

type recordKey struct {
	seller, order string
	class         Class
}

type memRecord struct {
	rec     Record
	claimed bool // a purge in progress holds the record
}

type memBucket struct {
	purged   bool // at least one record was purged
	shredded bool
	claimed  bool
	// lastAnchor is the latest anchor per class of any record that was
	// ever in the bucket.
	lastAnchor map[Class]time.Time
}

// track creates the bucket of r if needed and raises its latest anchor of
// r's class to r's anchor. Records without a bucket are not tracked. The
// caller holds s.mu.
func (s *MemoryStore) track(r Record) {
	if r.Bucket == "" {
		return
	}
	ref := BucketRef{r.SellerID, r.Bucket}
	b := s.buckets[ref]
	if b == nil {
		b = &memBucket{lastAnchor: make(map[Class]time.Time)}
		s.buckets[ref] = b
	}
	if last, ok := b.lastAnchor[r.Class]; !ok || r.Anchor.After(last) {
		b.lastAnchor[r.Class] = r.Anchor
	}
}

// expired reports whether every record that was ever in b is due at
// cutoffs.
func (b *memBucket) expired(cutoffs Cutoffs) bool {
	if len(b.lastAnchor) == 0 {
		return false
	}
	for c, last := range b.lastAnchor {
		cutoff, ok := cutoffs[c]
		if !ok || last.After(StoredTime(cutoff)) {
			return false
		}
	}
	return true
}

type memEvidence struct {
	ev      Evidence
	claimed bool
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		records: make(map[recordKey]*memRecord),
		buckets: make(map[BucketRef]*memBucket),
		holds:   make(map[string]Hold),
		notices: make(map[string]Notice),
	}
}

var _ Store = (*MemoryStore)(nil)

func copyRecord(r Record) Record {
	r.Anchor = StoredTime(r.Anchor)
	r.BlindIndexes = slices.Clone(r.BlindIndexes)
	for i, b := range r.BlindIndexes {
		r.BlindIndexes[i] = slices.Clone(b)
	}
	return r
}

// Register implements [Store].
func (s *MemoryStore) Register(ctx context.Context, recs []Record) error {
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		if b := s.buckets[BucketRef{r.SellerID, r.Bucket}]; b != nil && b.shredded {
			return &BucketShreddedError{SellerID: r.SellerID, Bucket: r.Bucket}
		}
	}
	for _, r := range recs {
		k := recordKey{r.SellerID, r.OrderID, r.Class}
		if _, ok := s.records[k]; ok {
			continue
		}
		m := &memRecord{rec: copyRecord(r)}
		s.records[k] = m
		s.track(m.rec)
	}
	return nil
}

// Reanchor implements [Store].
func (s *MemoryStore) Reanchor(ctx context.Context, r Reanchor) (int, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Bucket != "" {
		ref := BucketRef{r.SellerID, r.Bucket}
		if b := s.buckets[ref]; b != nil && b.shredded {
			return 0, &BucketShreddedError{SellerID: r.SellerID, Bucket: r.Bucket}
		}
	}
	n := 0
	for _, c := range r.ClassesOrDefault() {
		m := s.records[recordKey{r.SellerID, r.OrderID, c}]
		if m == nil || m.claimed {
			continue
		}
		m.rec.Anchor = StoredTime(r.Anchor)
		if r.Bucket != "" && m.rec.Bucket != "" {
			m.rec.Bucket = r.Bucket
		}
		s.track(m.rec)
		n++
	}
	return n, nil
}

// held reports whether an active hold covers r. The caller holds s.mu.
func (s *MemoryStore) held(r Record, now time.Time) bool {
	for _, h := range s.holds {
		if h.Active(now) && h.Covers(r) {
			return true
		}
	}
	return false
}

// Purge implements [Store].
func (s *MemoryStore) Purge(ctx context.Context, sel Selector, now time.Time, limit int, actor string, fn PurgeFunc) (Batch, error) {
	if err := sel.Validate(); err != nil {
		return Batch{}, err
	}
	if err := checkLimit(limit); err != nil {
		return Batch{}, err
	}
	if err := ctx.Err(); err != nil {
		return Batch{}, err
	}
	now = StoredTime(now)

	// Claim a batch, then release the lock while fn runs, as a database
	// would with row locks.
	s.mu.Lock()
	var claimed []*memRecord
	for _, m := range s.records {
		if m.claimed || !sel.Matches(m.rec) || s.held(m.rec, now) {
			continue
		}
		claimed = append(claimed, m)
	}
	sort.Slice(claimed, func(i, j int) bool { return lessRecord(claimed[i].rec, claimed[j].rec) })
	if len(claimed) > limit {
		claimed = claimed[:limit]
	}
	b := Batch{Class: sel.Class, Records: make([]Record, len(claimed))}
	for i, m := range claimed {
		m.claimed = true
		b.Records[i] = m.rec
		b.Records[i].BlindIndexes = nil
	}
	s.mu.Unlock()
	if len(claimed) == 0 {
		return Batch{Class: sel.Class}, nil
	}

	var err error
	if fn != nil {
		err = fn(ctx, b)
	}
	if err == nil {
		err = ctx.Err()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range claimed {
		m.claimed = false
		if err == nil {
			delete(s.records, recordKey{m.rec.SellerID, m.rec.OrderID, m.rec.Class})
			if b := s.buckets[BucketRef{m.rec.SellerID, m.rec.Bucket}]; b != nil {
				b.purged = true
			}
		}
	}
	if err != nil {
		return Batch{Class: sel.Class}, err
	}
	for _, ev := range groupEvidence(b, now, actor) {
		s.addEvidence(ev)
	}
	return b, nil
}

func lessRecord(a, b Record) bool {
	if !a.Anchor.Equal(b.Anchor) {
		return a.Anchor.Before(b.Anchor)
	}
	if a.SellerID != b.SellerID {
		return a.SellerID < b.SellerID
	}
	return a.OrderID < b.OrderID
}

// groupEvidence makes one purge evidence record per seller and bucket of a
// batch.
func groupEvidence(b Batch, now time.Time, actor string) []Evidence {
	var out []Evidence
	index := make(map[BucketRef]int)
	for _, r := range b.Records {
		ref := BucketRef{r.SellerID, r.Bucket}
		i, ok := index[ref]
		if !ok {
			i = len(out)
			index[ref] = i
			out = append(out, Evidence{
				Time: now, Actor: actor, Action: audit.ActionPurge, Outcome: audit.OutcomeSuccess,
				Reason: string(b.Class), SellerID: r.SellerID, Bucket: r.Bucket, Class: b.Class,
			})
		}
		out[i].OrderIDs = append(out[i].OrderIDs, r.OrderID)
		out[i].Count++
	}
	return out
}

func checkLimit(limit int) error {
	if limit < 1 || limit > MaxBatchSize {
		return &InvalidError{Field: "limit", Reason: "must be between 1 and " + itoa(MaxBatchSize)}
	}
	return nil
}

// addEvidence appends ev with a new ID. The caller holds s.mu.
func (s *MemoryStore) addEvidence(ev Evidence) {
	s.nextID++
	ev.ID = s.nextID
	s.evidence = append(s.evidence, memEvidence{ev: ev})
}

// Pending implements [Store].
func (s *MemoryStore) Pending(ctx context.Context, sel Selector, now time.Time) (Pending, error) {
	if err := sel.Validate(); err != nil {
		return Pending{}, err
	}
	if err := ctx.Err(); err != nil {
		return Pending{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p Pending
	for _, m := range s.records {
		if !sel.Matches(m.rec) {
			continue
		}
		if s.held(m.rec, now) {
			p.Held++
		} else {
			p.Due++
		}
	}
	return p, nil
}

// Oldest implements [Store].
func (s *MemoryStore) Oldest(ctx context.Context, c Class, now time.Time) (time.Time, bool, error) {
	if !c.Valid() {
		return time.Time{}, false, &InvalidError{Field: "class", Reason: "unknown class " + string(c)}
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest time.Time
	for _, m := range s.records {
		if m.rec.Class != c || s.held(m.rec, now) {
			continue
		}
		if oldest.IsZero() || m.rec.Anchor.Before(oldest) {
			oldest = m.rec.Anchor
		}
	}
	return oldest, !oldest.IsZero(), nil
}

// Plan implements [Store].
func (s *MemoryStore) Plan(ctx context.Context, c Class, age time.Duration, now, until time.Time) ([]PlanDay, error) {
	if !c.Valid() {
		return nil, &InvalidError{Field: "class", Reason: "unknown class " + string(c)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now, until = StoredTime(now), StoredTime(until)
	s.mu.Lock()
	defer s.mu.Unlock()
	days := make(map[time.Time]*PlanDay)
	for _, m := range s.records {
		if m.rec.Class != c {
			continue
		}
		due := m.rec.Anchor.Add(age)
		if !due.Before(until) {
			continue
		}
		if due.Before(now) {
			due = now
		}
		day := due.Truncate(24 * time.Hour)
		d := days[day]
		if d == nil {
			d = &PlanDay{Day: day, Class: c}
			days[day] = d
		}
		if s.held(m.rec, now) {
			d.Held++
		} else {
			d.Count++
		}
	}
	out := make([]PlanDay, 0, len(days))
	for _, d := range days {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

// Shred implements [Store].
func (s *MemoryStore) Shred(ctx context.Context, now time.Time, cutoffs Cutoffs, limit int, actor string, fn ShredFunc) ([]BucketRef, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now = StoredTime(now)

	s.mu.Lock()
	live := make(map[BucketRef]bool)
	for _, m := range s.records {
		live[BucketRef{m.rec.SellerID, m.rec.Bucket}] = true
	}
	var refs []BucketRef
	for ref, b := range s.buckets {
		if b.shredded || b.claimed || live[ref] || !(b.purged || b.expired(cutoffs)) {
			continue
		}
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].SellerID != refs[j].SellerID {
			return refs[i].SellerID < refs[j].SellerID
		}
		return refs[i].Bucket < refs[j].Bucket
	})
	if len(refs) > limit {
		refs = refs[:limit]
	}
	for _, ref := range refs {
		s.buckets[ref].claimed = true
	}
	s.mu.Unlock()

	var done []BucketRef
	var errs []error
	for _, ref := range refs {
		err := ctx.Err()
		if err == nil && fn != nil {
			err = fn(ctx, ref)
		}
		s.mu.Lock()
		b := s.buckets[ref]
		b.claimed = false
		if err == nil {
			b.shredded = true
			s.addEvidence(Evidence{
				Time: now, Actor: actor, Action: audit.ActionShred, Outcome: audit.OutcomeSuccess,
				SellerID: ref.SellerID, Bucket: ref.Bucket,
			})
			done = append(done, ref)
		} else {
			errs = append(errs, err)
		}
		s.mu.Unlock()
	}
	return done, errors.Join(errs...)
}

// PlaceHold implements [Store].
func (s *MemoryStore) PlaceHold(ctx context.Context, h Hold) (Hold, error) {
	if err := h.Validate(); err != nil {
		return Hold{}, err
	}
	if err := ctx.Err(); err != nil {
		return Hold{}, err
	}
	h = copyHold(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.holds[h.ID]; ok {
		return copyHold(old), nil
	}
	s.holds[h.ID] = h
	s.addEvidence(holdEvidence(h, h.PlacedAt, h.Actor, h.Reason))
	return copyHold(h), nil
}

func copyHold(h Hold) Hold {
	h.OrderIDs = slices.Clone(h.OrderIDs)
	h.Classes = slices.Clone(h.Classes)
	h.PlacedAt = StoredTime(h.PlacedAt)
	if !h.Expires.IsZero() {
		h.Expires = StoredTime(h.Expires)
	}
	if !h.ReleasedAt.IsZero() {
		h.ReleasedAt = StoredTime(h.ReleasedAt)
	}
	return h
}

// holdEvidence is the evidence of placing (reason = the hold's reason) or
// releasing (reason "released") a hold.
func holdEvidence(h Hold, at time.Time, actor, reason string) Evidence {
	return Evidence{
		Time: StoredTime(at), Actor: actor, Action: audit.ActionLegalHold, Outcome: audit.OutcomeSuccess,
		Reason: reason, SellerID: h.SellerID, OrderIDs: slices.Clone(h.OrderIDs), Count: len(h.OrderIDs),
	}
}

// ReleaseHold implements [Store].
func (s *MemoryStore) ReleaseHold(ctx context.Context, id string, at time.Time, actor string) (Hold, error) {
	if err := checkID("actor", actor); err != nil {
		return Hold{}, err
	}
	if err := ctx.Err(); err != nil {
		return Hold{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.holds[id]
	if !ok {
		return Hold{}, ErrNotFound
	}
	if !h.ReleasedAt.IsZero() {
		return copyHold(h), nil
	}
	h.ReleasedAt = StoredTime(at)
	s.holds[id] = h
	s.addEvidence(holdEvidence(h, at, actor, HoldReleased))
	return copyHold(h), nil
}

// HoldReleased is the reason code of the evidence of releasing a hold.
const HoldReleased = "released"

// Holds implements [Store].
func (s *MemoryStore) Holds(ctx context.Context, now time.Time) ([]Hold, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Hold
	for _, h := range s.holds {
		if h.Active(now) {
			out = append(out, copyHold(h))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// The reason codes of deletion notice evidence.
const (
	NoticeReceived  = "received"
	NoticeCompleted = "completed"
)

// SubmitNotice implements [Store].
func (s *MemoryStore) SubmitNotice(ctx context.Context, n Notice) (Notice, error) {
	if err := n.Validate(); err != nil {
		return Notice{}, err
	}
	if err := ctx.Err(); err != nil {
		return Notice{}, err
	}
	n = copyNotice(n)
	n.Status, n.CompletedAt, n.Purged = NoticeOpen, time.Time{}, 0
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.notices[n.ID]; ok {
		return copyNotice(old), nil
	}
	s.notices[n.ID] = n
	s.addEvidence(Evidence{
		Time: n.ReceivedAt, Actor: n.Actor, Action: audit.ActionDeletionNotice, Outcome: audit.OutcomeSuccess,
		Reason: NoticeReceived, SellerID: n.SellerID, OrderIDs: slices.Clone(n.OrderIDs), Count: len(n.OrderIDs),
	})
	return copyNotice(n), nil
}

func copyNotice(n Notice) Notice {
	n.OrderIDs = slices.Clone(n.OrderIDs)
	n.BlindIndex = slices.Clone(n.BlindIndex)
	n.Classes = slices.Clone(n.Classes)
	n.ReceivedAt = StoredTime(n.ReceivedAt)
	n.Deadline = StoredTime(n.Deadline)
	if !n.CompletedAt.IsZero() {
		n.CompletedAt = StoredTime(n.CompletedAt)
	}
	return n
}

// Notice implements [Store].
func (s *MemoryStore) Notice(ctx context.Context, id string) (Notice, error) {
	if err := ctx.Err(); err != nil {
		return Notice{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notices[id]
	if !ok {
		return Notice{}, ErrNotFound
	}
	return copyNotice(n), nil
}

// OpenNotices implements [Store].
func (s *MemoryStore) OpenNotices(ctx context.Context) ([]Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Notice
	for _, n := range s.notices {
		if n.Status == NoticeOpen {
			out = append(out, copyNotice(n))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Deadline.Equal(out[j].Deadline) {
			return out[i].Deadline.Before(out[j].Deadline)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// CompleteNotice implements [Store].
func (s *MemoryStore) CompleteNotice(ctx context.Context, id string, at time.Time, count int, actor string) (Notice, error) {
	if err := checkID("actor", actor); err != nil {
		return Notice{}, err
	}
	if err := ctx.Err(); err != nil {
		return Notice{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notices[id]
	if !ok {
		return Notice{}, ErrNotFound
	}
	if n.Status == NoticeDone {
		return copyNotice(n), nil
	}
	n.Status, n.CompletedAt, n.Purged = NoticeDone, StoredTime(at), count
	s.notices[id] = n
	s.addEvidence(Evidence{
		Time: n.CompletedAt, Actor: actor, Action: audit.ActionDeletionNotice, Outcome: audit.OutcomeSuccess,
		Reason: NoticeCompleted, SellerID: n.SellerID, Count: count,
	})
	return copyNotice(n), nil
}

// DeliverEvidence implements [Store].
func (s *MemoryStore) DeliverEvidence(ctx context.Context, limit int, fn func(ctx context.Context, ev []Evidence) error) (int, error) {
	if err := checkLimit(limit); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	var ids []int64
	var batch []Evidence
	for i := range s.evidence {
		e := &s.evidence[i]
		if e.claimed {
			continue
		}
		e.claimed = true
		ids = append(ids, e.ev.ID)
		ev := e.ev
		ev.OrderIDs = slices.Clone(ev.OrderIDs)
		batch = append(batch, ev)
		if len(batch) == limit {
			break
		}
	}
	s.mu.Unlock()
	if len(batch) == 0 {
		return 0, nil
	}

	err := fn(ctx, batch)

	s.mu.Lock()
	defer s.mu.Unlock()
	taken := make(map[int64]bool, len(ids))
	for _, id := range ids {
		taken[id] = true
	}
	kept := s.evidence[:0]
	for _, e := range s.evidence {
		if taken[e.ev.ID] {
			if err == nil {
				continue
			}
			e.claimed = false
		}
		kept = append(kept, e)
	}
	s.evidence = kept
	if err != nil {
		return 0, err
	}
	return len(batch), nil
}
