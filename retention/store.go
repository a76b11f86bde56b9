package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hidemont/spkit/audit"
)

// Limits on the values a store accepts.
const (
	// MaxIDLength is the maximum length in bytes of seller, order, bucket,
	// hold and notice IDs.
	MaxIDLength = 128
	// MaxBlindIndexes is the maximum number of blind indexes on one record.
	MaxBlindIndexes = 16
	// MaxBlindIndexLength is the maximum length in bytes of one blind index.
	MaxBlindIndexLength = 64
	// MaxBatchSize is the maximum number of records purged in one batch.
	MaxBatchSize = 10000
	// MaxOrderIDs is the maximum number of order IDs in one hold or notice.
	MaxOrderIDs = 10000
)

// Record is one retained piece of data: the data of one class for one order
// (or, for classes that are not per order, another stable ID) of one seller.
// Its key is (SellerID, Class, OrderID).
//
// Stores keep anchors in UTC truncated to the microsecond, the precision of
// PostgreSQL timestamps, so that every store compares them the same way.
type Record struct {
	// SellerID is the selling partner ID. Required.
	SellerID string
	// OrderID is the Amazon order ID, or for classes that are not per order a
	// stable ID chosen by the owner of the data. Required.
	OrderID string
	// Class is the retention class. Required.
	Class Class
	// Bucket is the retention bucket whose data key seals the record's data,
	// such as the shipment day. The bucket's key is shredded once no record
	// is in it and either one was purged in it or all that were ever in it
	// are due; see Store.Shred. Empty means the data is not sealed under
	// a bucket key (non-PII, typically), so its purge shreds nothing and it
	// cannot keep a bucket's key alive.
	Bucket string
	// Anchor is the time the record's age is measured from; see [Anchor].
	// Required.
	Anchor time.Time
	// BlindIndexes are blind indexes of the buyer (pii.Indexer output), so
	// that a deletion notice naming the buyer finds the record. Optional.
	BlindIndexes [][]byte
}

// Reanchor moves the unpurged records of one order to a new anchor and, if
// Bucket is set, those that have a bucket to the new bucket. Fulfillment calls it when an order ships
// (anchor = shipment time, bucket = the shipment-day bucket) or is cancelled
// (anchor = cancellation time).
type Reanchor struct {
	SellerID string
	OrderID  string
	// Classes are the classes to move; empty means [OrderClasses].
	Classes []Class
	// Anchor is the new anchor. Required.
	Anchor time.Time
	// Bucket is the new bucket of records that have one; empty keeps the
	// current one. Records registered without a bucket keep none.
	Bucket string
}

// Selector chooses unpurged records. Class is required; the other fields
// narrow the choice and are combined with AND.
type Selector struct {
	Class Class
	// Cutoff selects records anchored at or before it. The zero value selects
	// any anchor.
	Cutoff time.Time
	// SellerID selects one seller's records.
	SellerID string
	// OrderIDs selects these orders; SellerID is then required.
	OrderIDs []string
	// BlindIndex selects records carrying this blind index; SellerID is then
	// required.
	BlindIndex []byte
}

// Batch is the set of records one purge call removed.
type Batch struct {
	Class Class
	// Records are the purged records, without their blind indexes.
	Records []Record
}

// PurgeFunc removes the data of a batch of records from wherever its owner
// keeps it. A store calls it while it holds the batch, before it removes the
// records, and removes nothing when it fails. It must be idempotent,
// because a crash between it and the store's commit repeats it.
type PurgeFunc func(ctx context.Context, b Batch) error

// BucketRef names one retention bucket of one seller.
type BucketRef struct {
	SellerID string
	Bucket   string
}

// ShredFunc destroys the data key of a bucket. It must return nil for a
// bucket whose key is already gone, because a crash after it and before the
// store's commit repeats it.
type ShredFunc func(ctx context.Context, b BucketRef) error

// Cutoffs maps each class to its cutoff at one time: the latest anchor of a
// record of the class that is due then, as [Rule.Cutoff] computes it.
// [Policy.Cutoffs] builds it from a policy.
type Cutoffs map[Class]time.Time

// Pending counts unpurged records matching a selector.
type Pending struct {
	// Due is the number that a purge at that time would remove.
	Due int
	// Held is the number kept back by legal holds.
	Held int
}

// PlanDay is the number of records of one class that become due on one UTC
// day.
type PlanDay struct {
	// Day is midnight UTC of the day. Records already overdue count on the
	// first day of the plan.
	Day   time.Time
	Class Class
	// Count is the number of records that would be purged that day.
	Count int
	// Held is the number that are due that day but under a legal hold now.
	Held int
}

// Evidence is a purge, shred, hold or notice that a store recorded together
// with the change itself, waiting to be delivered to the audit trail. Keeping
// it in the store's own transaction means a purge is never left without
// evidence, even if the audit trail is down when it happens.
type Evidence struct {
	ID       int64
	Time     time.Time
	Actor    string
	Action   audit.Action
	Outcome  audit.Outcome
	Reason   string
	SellerID string
	Bucket   string
	Class    Class
	// OrderIDs are the orders acted on, if the records are per order.
	OrderIDs []string
	// Count is the number of records acted on.
	Count int
}

// Store keeps retention records until they are purged, legal holds,
// deletion notices and pending audit evidence. Implementations must be safe for concurrent use by several
// processes: two concurrent purges never return the same record, and a purge
// never returns a record that an earlier purge returned. The conformance
// suite in retention/retentiontest checks these rules.
//
// Every time a Store returns is in UTC.
type Store interface {
	// Register adds records. A record whose key exists already is left as it
	// is, so registering twice changes nothing. Purged records are removed,
	// so registering one again after its purge adds it anew, and the next
	// run purges it again if it is due: data stored again after a purge is
	// purged again. Register returns a *BucketShreddedError if a record
	// names a bucket whose key is already shredded, and registers none of
	// the records then.
	Register(ctx context.Context, recs []Record) error
	// Reanchor moves an order's unpurged records; it returns how many moved.
	Reanchor(ctx context.Context, r Reanchor) (int, error)

	// Purge takes up to limit unpurged records matching sel that no legal
	// hold active at now covers, skipping records that a concurrent purge
	// holds, and orders them by anchor. A store may first choose a few
	// buckets and take records from those only, so a batch can be smaller
	// than limit while more is due. Purge calls fn (if not nil) with the
	// batch, clears the store's own copy of their data if it has one,
	// removes the records and records purge evidence by actor at now, all
	// or nothing. An empty batch means that nothing more is due apart from
	// records that concurrent purges hold.
	Purge(ctx context.Context, sel Selector, now time.Time, limit int, actor string, fn PurgeFunc) (Batch, error)
	// Pending counts unpurged records matching sel, split by whether a legal
	// hold active at now covers them.
	Pending(ctx context.Context, sel Selector, now time.Time) (Pending, error)
	// Oldest returns the earliest anchor of an unpurged record of class c
	// not covered by a hold active at now. The result ok is false when there
	// is none.
	Oldest(ctx context.Context, c Class, now time.Time) (anchor time.Time, ok bool, err error)
	// Plan counts, per UTC day, the unpurged records of class c that become
	// due (anchor + age) before until. Records due before now count on the
	// day of now. Days without records are left out.
	Plan(ctx context.Context, c Class, age time.Duration, now, until time.Time) ([]PlanDay, error)

	// Shred finds up to limit buckets that are shreddable at now and whose
	// key is not yet shredded. A bucket is shreddable when no unpurged record
	// is in it and either at least one record was purged in it or every
	// record that was ever in it is due. The second case covers a bucket
	// emptied by Reanchor alone, such as an open bucket whose orders all
	// shipped: backups taken before the move still hold their data under its
	// key. A record counts as due when the latest anchor the bucket tracks
	// for its class is at or before cutoffs[class]; a class without a cutoff
	// is never due, and a bucket with no tracked anchor is shreddable only
	// by the first case. Stores track, per bucket and class, the latest
	// anchor of every record registered into the bucket or re-anchored
	// while in it or into it. The empty bucket is never shredded. For each
	// bucket Shred calls fn, then marks the bucket shredded and records
	// shred evidence by actor. A bucket whose fn fails stays unshredded and
	// Shred returns the error after trying the others.
	Shred(ctx context.Context, now time.Time, cutoffs Cutoffs, limit int, actor string, fn ShredFunc) ([]BucketRef, error)

	// PlaceHold stores a legal hold and records hold evidence. Placing a hold
	// with an ID that exists returns the stored hold unchanged.
	PlaceHold(ctx context.Context, h Hold) (Hold, error)
	// ReleaseHold ends a hold at the given time and records hold evidence by
	// actor. Releasing a released hold returns it unchanged. It returns
	// ErrNotFound for an unknown ID.
	ReleaseHold(ctx context.Context, id string, at time.Time, actor string) (Hold, error)
	// Holds returns the holds active at now.
	Holds(ctx context.Context, now time.Time) ([]Hold, error)

	// SubmitNotice stores a deletion notice and records notice evidence.
	// Submitting a notice with an ID that exists returns the stored notice
	// unchanged.
	SubmitNotice(ctx context.Context, n Notice) (Notice, error)
	// Notice returns a notice by ID, or ErrNotFound.
	Notice(ctx context.Context, id string) (Notice, error)
	// OpenNotices returns the notices not yet carried out, earliest deadline
	// first.
	OpenNotices(ctx context.Context) ([]Notice, error)
	// CompleteNotice marks a notice carried out at the given time and records
	// notice evidence by actor, with count the number of records purged for
	// it. Completing a completed notice returns it unchanged.
	CompleteNotice(ctx context.Context, id string, at time.Time, count int, actor string) (Notice, error)

	// DeliverEvidence passes up to limit pending evidence records, oldest
	// first, to fn and deletes them when fn succeeds. Evidence that a
	// concurrent delivery holds is skipped. If fn fails, the evidence stays
	// pending and the error is returned.
	DeliverEvidence(ctx context.Context, limit int, fn func(ctx context.Context, ev []Evidence) error) (int, error)
}

// ErrNotFound is returned for an unknown hold or notice ID.
var ErrNotFound = errors.New("retention: not found")

// BucketShreddedError reports a record registered into a bucket whose key has
// been shredded. The data must be sealed under another bucket.
type BucketShreddedError struct {
	SellerID string
	Bucket   string
}

func (e *BucketShreddedError) Error() string {
	return fmt.Sprintf("retention: bucket %q of seller %q is shredded; seal the data under a new bucket", e.Bucket, e.SellerID)
}

// InvalidError reports an argument that a store or runner rejects.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("retention: invalid %s: %s", e.Field, e.Reason)
}
