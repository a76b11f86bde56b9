package pgstore

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

// Options configures a [Store]. The zero value is valid: a store that deletes
// purged records and leaves clearing the data to a retention.Purger.
type Options struct {
	// Targets are tables whose columns the store clears when it purges.
	Targets []Target
}

// Store is a [retention.Store] in PostgreSQL. Purges lock the claims of the
// buckets they take records from, and shreds and evidence deliveries lock
// their rows, all with FOR UPDATE SKIP LOCKED. Runners in several processes
// therefore never take the same record, and skip work another runner holds
// instead of waiting for it. Call [Migrate]
// once before use. A Store is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	targets []compiledTarget
}

var _ retention.Store = (*Store)(nil)

// New returns a store on pool. It returns a *ConfigError for an invalid
// target.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, &ConfigError{Field: "pool", Value: "nil", Reason: "missing"}
	}
	s := &Store{pool: pool}
	for _, t := range opts.Targets {
		ct, err := compileTarget(t)
		if err != nil {
			return nil, err
		}
		s.targets = append(s.targets, ct)
	}
	return s, nil
}

// inTx runs fn in a transaction and commits it unless fn fails.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// ctxErr returns ctx.Err() unchanged when ctx has ended, so that callers can
// test for context.Canceled, and err wrapped otherwise.
func ctxErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = retention.StoredTime(t)
	return &t
}

func fromOpt(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func classStrings(cs []retention.Class) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func toClasses(ss []string) []retention.Class {
	if len(ss) == 0 {
		return nil
	}
	out := make([]retention.Class, len(ss))
	for i, s := range ss {
		out[i] = retention.Class(s)
	}
	return out
}

func emptyToNil(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// lockBuckets upserts bucket rows in key order, which locks them until the
// transaction ends, and fails if one is shredded. Holding these locks keeps a
// concurrent Shred from destroying a key the transaction is adding data to.
// Records without a bucket get the row of the empty bucket, which purges
// lock like any other and which is never shredded.
func lockBuckets(ctx context.Context, tx pgx.Tx, refs []retention.BucketRef) error {
	slices.SortFunc(refs, func(a, b retention.BucketRef) int {
		if c := strings.Compare(a.SellerID, b.SellerID); c != 0 {
			return c
		}
		return strings.Compare(a.Bucket, b.Bucket)
	})
	refs = slices.Compact(refs)
	sellers := make([]string, len(refs))
	buckets := make([]string, len(refs))
	for i, r := range refs {
		sellers[i], buckets[i] = r.SellerID, r.Bucket
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO retention_buckets (seller_id, bucket)
		SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1, 2
		ON CONFLICT (seller_id, bucket) DO UPDATE SET seller_id = EXCLUDED.seller_id
		RETURNING seller_id, bucket, shredded_at IS NOT NULL`, sellers, buckets)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref retention.BucketRef
		var shredded bool
		if err := rows.Scan(&ref.SellerID, &ref.Bucket, &shredded); err != nil {
			return err
		}
		if shredded {
			return &retention.BucketShreddedError{SellerID: ref.SellerID, Bucket: ref.Bucket}
		}
	}
	return rows.Err()
}

// trackAnchors completes a statement whose CTE "added" returns (seller_id,
// bucket, class, anchor) rows: it raises each bucket's latest anchor of each
// class to the latest of those rows. Rows go in key order, so that
// concurrent statements lock the rows of one bucket in the same order.
const trackAnchors = `
	INSERT INTO retention_bucket_anchors (seller_id, bucket, class, last_anchor)
	SELECT seller_id, bucket, class, max(anchor) FROM added
	WHERE bucket <> ''
	GROUP BY seller_id, bucket, class
	ORDER BY seller_id, bucket, class
	ON CONFLICT (seller_id, bucket, class) DO UPDATE
	SET last_anchor = greatest(retention_bucket_anchors.last_anchor, EXCLUDED.last_anchor)`

// addClaims adds the purge claims of (seller, class, bucket) triples.
func addClaims(ctx context.Context, tx pgx.Tx, sellers, classes, buckets []string) error {
	if len(sellers) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO retention_claims (seller_id, class, bucket)
		SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[])
		ON CONFLICT DO NOTHING`, sellers, classes, buckets)
	return err
}

// Register implements [retention.Store].
func (s *Store) Register(ctx context.Context, recs []retention.Record) error {
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	sellers, orders, classes, buckets, indexes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	anchors := make([]time.Time, n)
	refs := make([]retention.BucketRef, n)
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			return err
		}
		sellers[i], orders[i], classes[i], buckets[i] = r.SellerID, r.OrderID, string(r.Class), r.Bucket
		anchors[i] = retention.StoredTime(r.Anchor)
		refs[i] = retention.BucketRef{SellerID: r.SellerID, Bucket: r.Bucket}
		// Blind indexes travel as comma-separated hex, so that one
		// statement can insert records with different numbers of them.
		hs := make([]string, len(r.BlindIndexes))
		for j, b := range r.BlindIndexes {
			hs[j] = hex.EncodeToString(b)
		}
		indexes[i] = strings.Join(hs, ",")
	}

	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockBuckets(ctx, tx, refs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			WITH added AS (
				INSERT INTO retention_items (seller_id, order_id, class, bucket, anchor, blind_indexes)
				SELECT r.seller_id, r.order_id, r.class, r.bucket, r.anchor,
				       coalesce((SELECT array_agg(decode(x, 'hex')) FROM unnest(string_to_array(nullif(r.idx, ''), ',')) AS x), '{}')
				FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
				     AS r(seller_id, order_id, class, bucket, anchor, idx)
				ON CONFLICT (seller_id, class, order_id) DO NOTHING
				RETURNING seller_id, bucket, class, anchor
			)
			`+trackAnchors,
			sellers, orders, classes, buckets, anchors, indexes)
		if err != nil {
			return err
		}
		return addClaims(ctx, tx, sellers, classes, buckets)
	})
	var bse *retention.BucketShreddedError
	if errors.As(err, &bse) {
		return err
	}
	if err != nil {
		return ctxErr(ctx, "register", err)
	}
	return nil
}

// Reanchor implements [retention.Store].
func (s *Store) Reanchor(ctx context.Context, r retention.Reanchor) (int, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	var n int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if r.Bucket != "" {
			if err := lockBuckets(ctx, tx, []retention.BucketRef{{SellerID: r.SellerID, Bucket: r.Bucket}}); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `
			UPDATE retention_items SET anchor = $4, bucket = CASE WHEN $5 = '' OR bucket = '' THEN bucket ELSE $5 END
			WHERE seller_id = $1 AND order_id = $2 AND class = ANY($3)
			RETURNING seller_id, class, bucket`,
			r.SellerID, r.OrderID, classStrings(r.ClassesOrDefault()), retention.StoredTime(r.Anchor), r.Bucket)
		if err != nil {
			return err
		}
		var sellers, classes, buckets []string
		for rows.Next() {
			var seller, class, bucket string
			if err := rows.Scan(&seller, &class, &bucket); err != nil {
				rows.Close()
				return err
			}
			sellers, classes, buckets = append(sellers, seller), append(classes, class), append(buckets, bucket)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = int64(len(sellers))
		if n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `
			WITH added AS (
				SELECT r.seller_id, r.bucket, r.class, $4::timestamptz AS anchor
				FROM unnest($1::text[], $2::text[], $3::text[]) AS r(seller_id, bucket, class)
			)
			`+trackAnchors, sellers, buckets, classes, retention.StoredTime(r.Anchor))
		if err != nil {
			return err
		}
		return addClaims(ctx, tx, sellers, classes, buckets)
	})
	var bse *retention.BucketShreddedError
	if errors.As(err, &bse) {
		return 0, err
	}
	if err != nil {
		return 0, ctxErr(ctx, "reanchor", err)
	}
	return int(n), nil
}

// holdActive is the condition on a hold row "h" being active at now,
// matching retention.Hold.Active.
func holdActive(now string) string {
	return `h.placed_at <= ` + now + ` AND (h.released_at IS NULL OR h.released_at > ` + now + `) AND (h.expires_at IS NULL OR h.expires_at > ` + now + `)`
}

// heldBy is true for an item row "i" covered by a hold active at now,
// matching retention.Hold.Covers.
func heldBy(now string) string {
	return `EXISTS (SELECT 1 FROM retention_holds h WHERE h.seller_id = i.seller_id AND ` + holdActive(now) + `
		AND (cardinality(h.order_ids) = 0 OR i.order_id = ANY(h.order_ids))
		AND (cardinality(h.classes) = 0 OR i.class = ANY(h.classes)))`
}

// where builds the condition on rows "i" that selects the records of sel. The
// arguments it adds start at len(args)+1.
func where(sel retention.Selector, args []any) (string, []any) {
	args = append(args, string(sel.Class))
	conds := []string{fmt.Sprintf("i.class = $%d", len(args))}
	if !sel.Cutoff.IsZero() {
		args = append(args, retention.StoredTime(sel.Cutoff))
		conds = append(conds, fmt.Sprintf("i.anchor <= $%d", len(args)))
	}
	if sel.SellerID != "" {
		args = append(args, sel.SellerID)
		conds = append(conds, fmt.Sprintf("i.seller_id = $%d", len(args)))
	}
	if len(sel.OrderIDs) > 0 {
		args = append(args, sel.OrderIDs)
		conds = append(conds, fmt.Sprintf("i.order_id = ANY($%d::text[])", len(args)))
	}
	if sel.BlindIndex != nil {
		args = append(args, [][]byte{sel.BlindIndex})
		conds = append(conds, fmt.Sprintf("i.blind_indexes @> $%d::bytea[]", len(args)))
	}
	return strings.Join(conds, " AND "), args
}

// Purge implements [retention.Store]. In one transaction it claims buckets,
// deletes a batch of their records with its evidence, clears the targets'
// columns, calls fn and commits. A failure at any step rolls all of it back.
func (s *Store) Purge(ctx context.Context, sel retention.Selector, now time.Time, limit int, actor string, fn retention.PurgeFunc) (retention.Batch, error) {
	empty := retention.Batch{Class: sel.Class}
	if err := sel.Validate(); err != nil {
		return empty, err
	}
	if limit < 1 || limit > retention.MaxBatchSize {
		return empty, &retention.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not between 1 and %d", limit, retention.MaxBatchSize)}
	}
	now = retention.StoredTime(now)

	var b retention.Batch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		b, err = s.purgeBatch(ctx, tx, sel, now, limit, actor)
		if err != nil {
			return err
		}
		if len(b.Records) > 0 && fn != nil {
			if err := fn(ctx, b); err != nil {
				return &purgeFuncError{err}
			}
		}
		return ctx.Err()
	})
	var pfe *purgeFuncError
	if errors.As(err, &pfe) {
		return empty, pfe.err
	}
	if err != nil {
		return empty, ctxErr(ctx, "purge "+string(sel.Class), err)
	}
	return b, nil
}

// claimBuckets is the number of buckets one purge batch locks at most.
const claimBuckets = 8

// purgeBatch claims buckets that hold due records and deletes up to limit of
// their records, writing the evidence.
//
// Concurrent purges are kept apart by locking the claim rows of (class,
// seller, bucket) with FOR UPDATE SKIP LOCKED rather than record rows,
// because locking every record would cost a second write per row. The
// records are selected by a second statement, whose snapshot is taken after
// the locks are held, so that it includes every purge that an earlier holder
// of the claims committed. The delete re-checks the selection on the latest
// row version, so a record moved by a concurrent Reanchor is left alone.
func (s *Store) purgeBatch(ctx context.Context, tx pgx.Tx, sel retention.Selector, now time.Time, limit int, actor string) (retention.Batch, error) {
	claimCond, claimArgs := where(sel, []any{now, claimBuckets})
	claimArgs = append(claimArgs, string(sel.Class))
	claimConds := []string{fmt.Sprintf("c.class = $%d", len(claimArgs))}
	if sel.SellerID != "" {
		claimArgs = append(claimArgs, sel.SellerID)
		claimConds = append(claimConds, fmt.Sprintf("c.seller_id = $%d", len(claimArgs)))
	}
	// The test for a due record reads the newest first: purges take the
	// oldest first, so the oldest index entries are those of records that
	// earlier batches deleted, and reading them first would cost a heap
	// visit each.
	claim := fmt.Sprintf(`
		SELECT c.seller_id, c.bucket FROM retention_claims c
		WHERE %s AND (
			SELECT i.anchor FROM retention_items i
			WHERE i.seller_id = c.seller_id AND i.bucket = c.bucket AND %s AND NOT %s
			ORDER BY i.anchor DESC LIMIT 1) IS NOT NULL
		ORDER BY c.seller_id, c.bucket
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, strings.Join(claimConds, " AND "), claimCond, heldBy("$1"))

	// The planner cannot estimate how many rows the delete returns, and for
	// the few it assumes it would join a target by scanning it whole. A
	// batch is a small part of a target, so index lookups are always the
	// better plan.
	//
	// The commit need not wait for its WAL flush: a batch lost in a crash
	// is lost whole (records, cleared columns and evidence), so the next
	// run purges it again. The synchronous commit of the evidence delivery
	// flushes the WAL of every batch before it. A crash between recording
	// the audit events and that commit can lose a batch whose events were
	// recorded. The next run then purges it and records it again.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL synchronous_commit = off`); err != nil {
		return retention.Batch{}, err
	}
	for range 3 {
		var sellers, buckets []string
		rows, err := tx.Query(ctx, claim, claimArgs...)
		if err != nil {
			return retention.Batch{}, err
		}
		for rows.Next() {
			var seller, bucket string
			if err := rows.Scan(&seller, &bucket); err != nil {
				rows.Close()
				return retention.Batch{}, err
			}
			sellers, buckets = append(sellers, seller), append(buckets, bucket)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return retention.Batch{}, err
		}
		if len(sellers) == 0 {
			return retention.Batch{Class: sel.Class}, nil
		}

		cond, args := where(sel, []any{now, limit, actor, sellers, buckets})
		args = append(args, string(sel.Class))
		// The bucket flags, the evidence and the result all read one
		// grouping of the purged records by bucket. The batch is therefore
		// aggregated once, and its seller and bucket travel once per bucket.
		mark := fmt.Sprintf(`WITH candidates AS (
			SELECT i.ctid AS row FROM retention_items i
			WHERE (i.seller_id, i.bucket) IN (SELECT * FROM unnest($4::text[], $5::text[])) AND %[1]s AND NOT %[2]s
			ORDER BY i.anchor
			LIMIT $2
		), marked AS (
			DELETE FROM retention_items i
			WHERE i.ctid = ANY(ARRAY(SELECT row FROM candidates)) AND %[1]s
			RETURNING i.seller_id, i.order_id, i.bucket, i.anchor
		), grouped AS (
			SELECT m.seller_id, m.bucket, array_agg(m.order_id) AS order_ids, array_agg(m.anchor) AS anchors
			FROM marked m GROUP BY m.seller_id, m.bucket
		), flagged AS (
			UPDATE retention_buckets b SET purged = true
			FROM grouped g
			WHERE b.seller_id = g.seller_id AND b.bucket = g.bucket AND NOT b.purged
		)%[5]s, evidence AS (
			INSERT INTO retention_evidence (time, actor, action, outcome, reason, seller_id, bucket, class, order_ids, count)
			SELECT $1, $3, '%[3]s', '%[4]s', $%[6]d, g.seller_id, g.bucket, $%[6]d, g.order_ids, cardinality(g.order_ids)
			FROM grouped g
		)
		SELECT seller_id, bucket, order_ids, anchors FROM grouped`,
			cond, heldBy("$1"), audit.ActionPurge, audit.OutcomeSuccess, s.clearCTEs(sel.Class), len(args))
		rows, err = tx.Query(ctx, mark, args...)
		if err != nil {
			return retention.Batch{}, err
		}
		b, err := scanBatch(rows, sel.Class)
		if err != nil || len(b.Records) > 0 {
			return b, err
		}
		// The claimed buckets had nothing left once locked because a
		// concurrent purge emptied them. Claim again.
	}
	return retention.Batch{Class: sel.Class}, nil
}

// clearCTEs returns the statement parts that set the purged rows' columns
// to NULL in every target table with columns for class c. Each bucket's
// order IDs are matched as one array, so a single index scan per bucket
// finds its rows rather than one rescan per record.
func (s *Store) clearCTEs(c retention.Class) string {
	var b strings.Builder
	for k, t := range s.targets {
		set, ok := t.sets[c]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, `, cleared%d AS (
			UPDATE %s t SET %s FROM grouped g WHERE t.%s = g.seller_id AND t.%s = ANY(g.order_ids)
		)`, k, t.table, set, t.seller, t.order)
	}
	return b.String()
}

// purgeFuncError carries the purge func's own error through inTx unwrapped.
type purgeFuncError struct{ err error }

func (e *purgeFuncError) Error() string { return e.err.Error() }

func scanBatch(rows pgx.Rows, c retention.Class) (retention.Batch, error) {
	// The batch comes back as one row of arrays per bucket, which costs
	// less to send and decode than one row per record.
	b := retention.Batch{Class: c}
	var seller, bucket string
	var orders []string
	var anchors []time.Time
	_, err := pgx.ForEachRow(rows, []any{&seller, &bucket, &orders, &anchors}, func() error {
		if len(anchors) != len(orders) {
			return fmt.Errorf("purge returned %d anchors for %d orders", len(anchors), len(orders))
		}
		if b.Records == nil {
			b.Records = make([]retention.Record, 0, len(orders))
		}
		for i, o := range orders {
			b.Records = append(b.Records, retention.Record{SellerID: seller, OrderID: o, Class: c, Bucket: bucket, Anchor: anchors[i].UTC()})
		}
		return nil
	})
	if err != nil {
		return retention.Batch{}, err
	}
	// Sorting here costs less than sorted aggregates in the statement.
	slices.SortFunc(b.Records, func(x, y retention.Record) int {
		return cmp.Or(x.Anchor.Compare(y.Anchor), strings.Compare(x.SellerID, y.SellerID), strings.Compare(x.OrderID, y.OrderID))
	})
	return b, nil
}

// Pending implements [retention.Store].
func (s *Store) Pending(ctx context.Context, sel retention.Selector, now time.Time) (retention.Pending, error) {
	if err := sel.Validate(); err != nil {
		return retention.Pending{}, err
	}
	cond, args := where(sel, []any{retention.StoredTime(now)})
	q := fmt.Sprintf(`SELECT
		(SELECT count(*) FROM retention_items i WHERE %[1]s AND NOT %[2]s),
		(SELECT count(*) FROM retention_items i WHERE %[1]s AND %[2]s)`, cond, heldBy("$1"))
	var p retention.Pending
	if err := s.pool.QueryRow(ctx, q, args...).Scan(&p.Due, &p.Held); err != nil {
		return retention.Pending{}, ctxErr(ctx, "count pending", err)
	}
	return p, nil
}

// Oldest implements [retention.Store].
func (s *Store) Oldest(ctx context.Context, c retention.Class, now time.Time) (time.Time, bool, error) {
	if !c.Valid() {
		return time.Time{}, false, &retention.InvalidError{Field: "class", Reason: fmt.Sprintf("%q is unknown", c)}
	}
	var anchor time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT i.anchor FROM retention_items i
		WHERE i.class = $1 AND NOT `+heldBy("$2")+`
		ORDER BY i.anchor LIMIT 1`, string(c), retention.StoredTime(now)).Scan(&anchor)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, ctxErr(ctx, "find oldest", err)
	}
	return anchor.UTC(), true, nil
}

// Plan implements [retention.Store].
func (s *Store) Plan(ctx context.Context, c retention.Class, age time.Duration, now, until time.Time) ([]retention.PlanDay, error) {
	if !c.Valid() {
		return nil, &retention.InvalidError{Field: "class", Reason: fmt.Sprintf("%q is unknown", c)}
	}
	now, until = retention.StoredTime(now), retention.StoredTime(until)
	// Records with anchor + age < until, that is anchor < until - age. The
	// hold test sits in WHERE, where the planner turns it into an anti join
	// and a semi join, rather than running it as a subquery per row.
	day := `date_trunc('day', greatest(i.anchor + $3 * interval '1 microsecond', $1), 'UTC')`
	rows, err := s.pool.Query(ctx, `
		SELECT day, sum(n) FILTER (WHERE NOT held), sum(n) FILTER (WHERE held)
		FROM (
			SELECT `+day+` AS day, false AS held, count(*) AS n
			FROM retention_items i WHERE i.class = $4 AND i.anchor < $2 AND NOT `+heldBy("$1")+`
			GROUP BY 1
			UNION ALL
			SELECT `+day+`, true, count(*)
			FROM retention_items i WHERE i.class = $4 AND i.anchor < $2 AND `+heldBy("$1")+`
			GROUP BY 1
		) AS due
		GROUP BY day ORDER BY day`,
		now, until.Add(-age), age.Microseconds(), string(c))
	if err != nil {
		return nil, ctxErr(ctx, "plan", err)
	}
	defer rows.Close()
	var out []retention.PlanDay
	for rows.Next() {
		d := retention.PlanDay{Class: c}
		var count, held *int64
		if err := rows.Scan(&d.Day, &count, &held); err != nil {
			return nil, ctxErr(ctx, "plan", err)
		}
		d.Day = d.Day.UTC()
		if count != nil {
			d.Count = int(*count)
		}
		if held != nil {
			d.Held = int(*held)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, ctxErr(ctx, "plan", err)
	}
	return out, nil
}

// shreddable is the condition on a bucket row "b" that no record is in it
// and that either one was purged in it or the latest anchor of every class
// it tracks is at or before that class's cutoff. $3 and $4 are the classes
// and cutoff times; a class without a cutoff is never due.
const shreddable = `NOT EXISTS (SELECT 1 FROM retention_items i WHERE i.seller_id = b.seller_id AND i.bucket = b.bucket)
	AND (b.purged OR (
		EXISTS (SELECT 1 FROM retention_bucket_anchors a WHERE a.seller_id = b.seller_id AND a.bucket = b.bucket)
		AND NOT EXISTS (
			SELECT 1 FROM retention_bucket_anchors a
			LEFT JOIN unnest($3::text[], $4::timestamptz[]) AS c(class, cutoff) ON c.class = a.class
			WHERE a.seller_id = b.seller_id AND a.bucket = b.bucket
			  AND (c.cutoff IS NULL OR a.last_anchor > c.cutoff))))`

// Shred implements [retention.Store]. A bucket's latest anchors live in
// retention_bucket_anchors, which Register and Reanchor update under the
// bucket's row lock or the record's row lock. Each bucket is shredded in its own
// transaction, which holds the bucket's row lock while fn runs, so a
// concurrent Register into the bucket waits and then fails with a
// *retention.BucketShreddedError.
func (s *Store) Shred(ctx context.Context, now time.Time, cutoffs retention.Cutoffs, limit int, actor string, fn retention.ShredFunc) ([]retention.BucketRef, error) {
	if limit < 1 || limit > retention.MaxBatchSize {
		return nil, &retention.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not between 1 and %d", limit, retention.MaxBatchSize)}
	}
	now = retention.StoredTime(now)
	cutoffClasses := make([]string, 0, len(cutoffs))
	cutoffTimes := make([]time.Time, 0, len(cutoffs))
	for c, t := range cutoffs {
		cutoffClasses = append(cutoffClasses, string(c))
		cutoffTimes = append(cutoffTimes, retention.StoredTime(t))
	}
	var done []retention.BucketRef
	var errs []error
	var failed []retention.BucketRef
	for len(done)+len(failed) < limit {
		var ref retention.BucketRef
		found := false
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			fs, fb := make([]string, len(failed)), make([]string, len(failed))
			for i, f := range failed {
				fs[i], fb[i] = f.SellerID, f.Bucket
			}
			err := tx.QueryRow(ctx, `
				SELECT b.seller_id, b.bucket FROM retention_buckets b
				WHERE b.shredded_at IS NULL AND b.bucket <> ''
				  AND (b.seller_id, b.bucket) NOT IN (SELECT * FROM unnest($1::text[], $2::text[]))
				  AND `+shreddable+`
				ORDER BY b.seller_id, b.bucket
				LIMIT 1
				FOR UPDATE SKIP LOCKED`, fs, fb, cutoffClasses, cutoffTimes).Scan(&ref.SellerID, &ref.Bucket)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			found = true

			// Check again under the lock with a fresh snapshot: a record
			// registered, or an anchor raised, after the statement above
			// began is invisible to it.
			var ok bool
			err = tx.QueryRow(ctx, `SELECT `+shreddable+` FROM retention_buckets b WHERE b.seller_id = $1 AND b.bucket = $2`,
				ref.SellerID, ref.Bucket, cutoffClasses, cutoffTimes).Scan(&ok)
			if err != nil || !ok {
				return err
			}
			if fn != nil {
				if err := fn(ctx, ref); err != nil {
					return &purgeFuncError{err}
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE retention_buckets SET shredded_at = $3 WHERE seller_id = $1 AND bucket = $2`, ref.SellerID, ref.Bucket, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM retention_claims WHERE seller_id = $1 AND bucket = $2`, ref.SellerID, ref.Bucket); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `
				INSERT INTO retention_evidence (time, actor, action, outcome, seller_id, bucket)
				VALUES ($1, $2, $3, $4, $5, $6)`, now, actor, string(audit.ActionShred), string(audit.OutcomeSuccess), ref.SellerID, ref.Bucket)
			if err == nil {
				done = append(done, ref)
			}
			return err
		})
		var pfe *purgeFuncError
		switch {
		case errors.As(err, &pfe):
			errs = append(errs, fmt.Errorf("pgstore: shred bucket %q of seller %q: %w", ref.Bucket, ref.SellerID, pfe.err))
			failed = append(failed, ref)
			continue
		case err != nil:
			if len(done) > 0 && done[len(done)-1] == ref {
				done = done[:len(done)-1] // the commit failed
			}
			return done, errors.Join(append(errs, ctxErr(ctx, "shred", err))...)
		case !found:
			return done, errors.Join(errs...)
		}
	}
	return done, errors.Join(errs...)
}
