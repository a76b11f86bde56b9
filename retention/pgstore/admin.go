package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/retention"
)

const insertEvidence = `
	INSERT INTO retention_evidence (time, actor, action, outcome, reason, seller_id, order_ids, count)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

const holdColumns = `id, seller_id, order_ids, classes, reason, actor, placed_at, expires_at, released_at`

func scanHold(row pgx.Row) (retention.Hold, error) {
	var h retention.Hold
	var classes []string
	var expires, released *time.Time
	if err := row.Scan(&h.ID, &h.SellerID, &h.OrderIDs, &classes, &h.Reason, &h.Actor, &h.PlacedAt, &expires, &released); err != nil {
		return retention.Hold{}, err
	}
	h.OrderIDs = emptyToNil(h.OrderIDs)
	h.Classes = toClasses(classes)
	h.PlacedAt = h.PlacedAt.UTC()
	h.Expires, h.ReleasedAt = fromOpt(expires), fromOpt(released)
	return h, nil
}

// PlaceHold implements [retention.Store].
func (s *Store) PlaceHold(ctx context.Context, h retention.Hold) (retention.Hold, error) {
	if err := h.Validate(); err != nil {
		return retention.Hold{}, err
	}
	var out retention.Hold
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanHold(tx.QueryRow(ctx, `
			INSERT INTO retention_holds (`+holdColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
			ON CONFLICT (id) DO NOTHING
			RETURNING `+holdColumns,
			h.ID, h.SellerID, nonNil(h.OrderIDs), classStrings(h.Classes), h.Reason, h.Actor,
			retention.StoredTime(h.PlacedAt), optTime(h.Expires)))
		if errors.Is(err, pgx.ErrNoRows) {
			out, err = scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM retention_holds WHERE id = $1`, h.ID))
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertEvidence, out.PlacedAt, out.Actor, string(audit.ActionLegalHold), string(audit.OutcomeSuccess),
			out.Reason, out.SellerID, nonNil(out.OrderIDs), len(out.OrderIDs))
		return err
	})
	if err != nil {
		return retention.Hold{}, ctxErr(ctx, "place hold", err)
	}
	return out, nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// ReleaseHold implements [retention.Store].
func (s *Store) ReleaseHold(ctx context.Context, id string, at time.Time, actor string) (retention.Hold, error) {
	if actor == "" {
		return retention.Hold{}, &retention.InvalidError{Field: "actor", Reason: "missing"}
	}
	var out retention.Hold
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanHold(tx.QueryRow(ctx, `
			UPDATE retention_holds SET released_at = $2 WHERE id = $1 AND released_at IS NULL
			RETURNING `+holdColumns, id, retention.StoredTime(at)))
		if errors.Is(err, pgx.ErrNoRows) {
			out, err = scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM retention_holds WHERE id = $1`, id))
			if errors.Is(err, pgx.ErrNoRows) {
				return retention.ErrNotFound
			}
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertEvidence, out.ReleasedAt, actor, string(audit.ActionLegalHold), string(audit.OutcomeSuccess),
			retention.HoldReleased, out.SellerID, nonNil(out.OrderIDs), len(out.OrderIDs))
		return err
	})
	if errors.Is(err, retention.ErrNotFound) {
		return retention.Hold{}, err
	}
	if err != nil {
		return retention.Hold{}, ctxErr(ctx, "release hold", err)
	}
	return out, nil
}

// Holds implements [retention.Store].
func (s *Store) Holds(ctx context.Context, now time.Time) ([]retention.Hold, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+holdColumns+` FROM retention_holds h WHERE `+holdActive("$1")+` ORDER BY id`,
		retention.StoredTime(now))
	if err != nil {
		return nil, ctxErr(ctx, "list holds", err)
	}
	defer rows.Close()
	var out []retention.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, ctxErr(ctx, "list holds", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, ctxErr(ctx, "list holds", err)
	}
	return out, nil
}

const noticeColumns = `id, seller_id, order_ids, blind_index, classes, actor, received_at, deadline, status, completed_at, purged`

func scanNotice(row pgx.Row) (retention.Notice, error) {
	var n retention.Notice
	var classes []string
	var status string
	var completed *time.Time
	if err := row.Scan(&n.ID, &n.SellerID, &n.OrderIDs, &n.BlindIndex, &classes, &n.Actor, &n.ReceivedAt, &n.Deadline, &status, &completed, &n.Purged); err != nil {
		return retention.Notice{}, err
	}
	n.OrderIDs = emptyToNil(n.OrderIDs)
	n.Classes = toClasses(classes)
	n.Status = retention.NoticeStatus(status)
	n.ReceivedAt, n.Deadline, n.CompletedAt = n.ReceivedAt.UTC(), n.Deadline.UTC(), fromOpt(completed)
	return n, nil
}

// SubmitNotice implements [retention.Store].
func (s *Store) SubmitNotice(ctx context.Context, n retention.Notice) (retention.Notice, error) {
	if err := n.Validate(); err != nil {
		return retention.Notice{}, err
	}
	var out retention.Notice
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanNotice(tx.QueryRow(ctx, `
			INSERT INTO retention_notices (`+noticeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0)
			ON CONFLICT (id) DO NOTHING
			RETURNING `+noticeColumns,
			n.ID, n.SellerID, nonNil(n.OrderIDs), n.BlindIndex, classStrings(n.Classes), n.Actor,
			retention.StoredTime(n.ReceivedAt), retention.StoredTime(n.Deadline), string(retention.NoticeOpen)))
		if errors.Is(err, pgx.ErrNoRows) {
			out, err = scanNotice(tx.QueryRow(ctx, `SELECT `+noticeColumns+` FROM retention_notices WHERE id = $1`, n.ID))
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertEvidence, out.ReceivedAt, out.Actor, string(audit.ActionDeletionNotice), string(audit.OutcomeSuccess),
			retention.NoticeReceived, out.SellerID, nonNil(out.OrderIDs), len(out.OrderIDs))
		return err
	})
	if err != nil {
		return retention.Notice{}, ctxErr(ctx, "submit notice", err)
	}
	return out, nil
}

// Notice implements [retention.Store].
func (s *Store) Notice(ctx context.Context, id string) (retention.Notice, error) {
	n, err := scanNotice(s.pool.QueryRow(ctx, `SELECT `+noticeColumns+` FROM retention_notices WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return retention.Notice{}, retention.ErrNotFound
	}
	if err != nil {
		return retention.Notice{}, ctxErr(ctx, "read notice", err)
	}
	return n, nil
}

// OpenNotices implements [retention.Store].
func (s *Store) OpenNotices(ctx context.Context) ([]retention.Notice, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+noticeColumns+` FROM retention_notices WHERE status = $1 ORDER BY deadline, id`,
		string(retention.NoticeOpen))
	if err != nil {
		return nil, ctxErr(ctx, "list open notices", err)
	}
	defer rows.Close()
	var out []retention.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, ctxErr(ctx, "list open notices", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, ctxErr(ctx, "list open notices", err)
	}
	return out, nil
}

// CompleteNotice implements [retention.Store].
func (s *Store) CompleteNotice(ctx context.Context, id string, at time.Time, count int, actor string) (retention.Notice, error) {
	if actor == "" {
		return retention.Notice{}, &retention.InvalidError{Field: "actor", Reason: "missing"}
	}
	var out retention.Notice
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanNotice(tx.QueryRow(ctx, `
			UPDATE retention_notices SET status = $2, completed_at = $3, purged = $4 WHERE id = $1 AND status = $5
			RETURNING `+noticeColumns, id, string(retention.NoticeDone), retention.StoredTime(at), count, string(retention.NoticeOpen)))
		if errors.Is(err, pgx.ErrNoRows) {
			out, err = scanNotice(tx.QueryRow(ctx, `SELECT `+noticeColumns+` FROM retention_notices WHERE id = $1`, id))
			if errors.Is(err, pgx.ErrNoRows) {
				return retention.ErrNotFound
			}
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertEvidence, out.CompletedAt, actor, string(audit.ActionDeletionNotice), string(audit.OutcomeSuccess),
			retention.NoticeCompleted, out.SellerID, []string{}, count)
		return err
	})
	if errors.Is(err, retention.ErrNotFound) {
		return retention.Notice{}, err
	}
	if err != nil {
		return retention.Notice{}, ctxErr(ctx, "complete notice", err)
	}
	return out, nil
}

// DeliverEvidence implements [retention.Store].
func (s *Store) DeliverEvidence(ctx context.Context, limit int, fn func(ctx context.Context, ev []retention.Evidence) error) (int, error) {
	if limit < 1 || limit > retention.MaxBatchSize {
		return 0, &retention.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not between 1 and %d", limit, retention.MaxBatchSize)}
	}
	var evs []retention.Evidence
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, time, actor, action, outcome, reason, seller_id, bucket, class, order_ids, count
			FROM retention_evidence ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
		if err != nil {
			return err
		}
		evs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (retention.Evidence, error) {
			var e retention.Evidence
			var action, outcome, class string
			err := row.Scan(&e.ID, &e.Time, &e.Actor, &action, &outcome, &e.Reason, &e.SellerID, &e.Bucket, &class, &e.OrderIDs, &e.Count)
			e.Action, e.Outcome, e.Class = audit.Action(action), audit.Outcome(outcome), retention.Class(class)
			e.Time = e.Time.UTC()
			e.OrderIDs = emptyToNil(e.OrderIDs)
			return e, err
		})
		if err != nil || len(evs) == 0 {
			return err
		}
		if err := fn(ctx, evs); err != nil {
			return &purgeFuncError{err}
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		_, err = tx.Exec(ctx, `DELETE FROM retention_evidence WHERE id = ANY($1)`, ids)
		return err
	})
	var pfe *purgeFuncError
	if errors.As(err, &pfe) {
		return 0, pfe.err
	}
	if err != nil {
		return 0, ctxErr(ctx, "deliver evidence", err)
	}
	return len(evs), nil
}
