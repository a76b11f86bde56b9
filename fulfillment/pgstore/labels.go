package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hidemont/spkit/fulfillment"
)

// Cursor implements fulfillment.CursorStore.
func (s *Store) Cursor(ctx context.Context, sellerID, marketplaceID string) (fulfillment.Cursor, error) {
	c := fulfillment.Cursor{SellerID: sellerID, MarketplaceID: marketplaceID}
	var synced *time.Time
	err := s.pool.QueryRow(ctx, `SELECT last_updated, synced_at FROM fulfillment_cursors
WHERE seller_id = $1 AND marketplace_id = $2`, sellerID, marketplaceID).Scan(&c.LastUpdated, &synced)
	if errors.Is(err, pgx.ErrNoRows) {
		return fulfillment.Cursor{}, fmt.Errorf("cursor of seller %s in marketplace %s: %w", sellerID, marketplaceID, fulfillment.ErrNotFound)
	}
	if err != nil {
		return fulfillment.Cursor{}, s.queryError(ctx, "read cursor", err)
	}
	c.LastUpdated = c.LastUpdated.UTC()
	c.SyncedAt = timeOrZero(synced)
	return c, nil
}

// SaveCursor implements fulfillment.CursorStore. The greatest of the stored
// and the given LastUpdated wins, so a slow writer cannot move it back.
func (s *Store) SaveCursor(ctx context.Context, c fulfillment.Cursor) error {
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO fulfillment_cursors (seller_id, marketplace_id, last_updated, synced_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (seller_id, marketplace_id) DO UPDATE SET
	last_updated = greatest(fulfillment_cursors.last_updated, excluded.last_updated),
	synced_at = excluded.synced_at`,
		c.SellerID, c.MarketplaceID, c.LastUpdated.UTC(), nullTime(c.SyncedAt))
	if err != nil {
		return s.queryError(ctx, "save cursor", err)
	}
	return nil
}

const labelColumns = `idempotency_key, seller_id, order_id, package_ref, service, state, shipment_id,
	carrier_code, carrier_service, tracking_number, format, reserved_at, purchased_at, request_token, rate_id`

func labelArgs(l fulfillment.Label) []any {
	return []any{l.IdempotencyKey, l.SellerID, l.OrderID, l.PackageRef, string(l.Service), string(l.State), l.ShipmentID,
		l.CarrierCode, l.CarrierService, l.TrackingNumber, string(l.Format), nullTime(l.ReservedAt), nullTime(l.PurchasedAt),
		l.RequestToken, l.RateID}
}

func scanLabel(row pgx.Row) (fulfillment.Label, error) {
	var (
		l                      fulfillment.Label
		service, state, format string
		reserved, purchased    *time.Time
	)
	err := row.Scan(&l.IdempotencyKey, &l.SellerID, &l.OrderID, &l.PackageRef, &service, &state, &l.ShipmentID,
		&l.CarrierCode, &l.CarrierService, &l.TrackingNumber, &format, &reserved, &purchased, &l.RequestToken, &l.RateID)
	l.Service, l.State, l.Format = fulfillment.LabelService(service), fulfillment.LabelState(state), fulfillment.LabelFormat(format)
	l.ReservedAt, l.PurchasedAt = timeOrZero(reserved), timeOrZero(purchased)
	return l, err
}

// ReserveLabel implements fulfillment.LabelStore. The insert and the read
// of an existing label run in one statement, so two processes reserving the
// same key at once see one winner.
func (s *Store) ReserveLabel(ctx context.Context, l fulfillment.Label) (fulfillment.Label, bool, error) {
	if err := l.Validate(); err != nil {
		return fulfillment.Label{}, false, err
	}
	// ON CONFLICT names no constraint, so a concurrent insert of the same
	// package is skipped whichever unique index detects it first. With only
	// the idempotency key as target, a race could surface as a unique
	// violation of (seller_id, order_id, package_ref) instead.
	for attempt := 0; ; attempt++ {
		got, err := scanLabel(s.pool.QueryRow(ctx, `INSERT INTO fulfillment_labels (`+labelColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT DO NOTHING
RETURNING `+labelColumns, labelArgs(l)...))
		if err == nil {
			return got, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fulfillment.Label{}, false, s.queryError(ctx, "reserve label", err)
		}
		got, err = s.Label(ctx, l.IdempotencyKey)
		if errors.Is(err, fulfillment.ErrNotFound) && attempt < 2 {
			// Deleted between the two statements; labels are never
			// deleted by this package, but try again rather than fail.
			continue
		}
		if errors.Is(err, fulfillment.ErrNotFound) {
			return fulfillment.Label{}, false, fmt.Errorf("reserve label %s of order %s: package %s already has a label under another idempotency key",
				l.IdempotencyKey, l.OrderID, l.PackageRef)
		}
		return got, false, err
	}
}

// SaveLabel implements fulfillment.LabelStore.
func (s *Store) SaveLabel(ctx context.Context, l fulfillment.Label) error {
	if err := l.Validate(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE fulfillment_labels SET
	seller_id = $2, order_id = $3, package_ref = $4, service = $5, state = $6, shipment_id = $7,
	carrier_code = $8, carrier_service = $9, tracking_number = $10, format = $11, reserved_at = $12, purchased_at = $13,
	request_token = $14, rate_id = $15
WHERE idempotency_key = $1`, labelArgs(l)...)
	if err != nil {
		return s.queryError(ctx, "save label", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("label %s of order %s: %w; reserve it first", l.IdempotencyKey, l.OrderID, fulfillment.ErrNotFound)
	}
	return nil
}

// Label implements fulfillment.LabelStore.
func (s *Store) Label(ctx context.Context, idempotencyKey string) (fulfillment.Label, error) {
	l, err := scanLabel(s.pool.QueryRow(ctx, `SELECT `+labelColumns+` FROM fulfillment_labels WHERE idempotency_key = $1`, idempotencyKey))
	if errors.Is(err, pgx.ErrNoRows) {
		return fulfillment.Label{}, fmt.Errorf("label %s: %w", idempotencyKey, fulfillment.ErrNotFound)
	}
	if err != nil {
		return fulfillment.Label{}, s.queryError(ctx, "read label", err)
	}
	return l, nil
}

// Labels implements fulfillment.LabelStore.
func (s *Store) Labels(ctx context.Context, sellerID, orderID string) ([]fulfillment.Label, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+labelColumns+` FROM fulfillment_labels
WHERE seller_id = $1 AND order_id = $2 ORDER BY length(package_ref), package_ref`, sellerID, orderID)
	if err != nil {
		return nil, s.queryError(ctx, "read labels", err)
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fulfillment.Label, error) { return scanLabel(r) })
	if err != nil {
		return nil, s.queryError(ctx, "read labels", err)
	}
	return ls, nil
}

const shipmentColumns = `seller_id, order_id, package_ref, marketplace_id, carrier_code, carrier_name, shipping_method,
	tracking_number, ship_date, supply_source_id, items, state, channel, feed_id, error_code, confirmed_at`

// shipmentItem is the JSON form of a fulfillment.ConfirmationItem in the
// items column.
type shipmentItem struct {
	OrderItemID string `json:"orderItemId"`
	Quantity    int    `json:"quantity"`
}

// SaveShipment implements fulfillment.ShipmentStore.
func (s *Store) SaveShipment(ctx context.Context, sh fulfillment.Shipment) error {
	if err := sh.Validate(); err != nil {
		return err
	}
	items := make([]shipmentItem, len(sh.Items))
	for i, it := range sh.Items {
		items[i] = shipmentItem(it)
	}
	itemsJSON, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("pgstore: encode shipment items: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO fulfillment_shipments (`+shipmentColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (seller_id, order_id, package_ref) DO UPDATE SET
	marketplace_id = excluded.marketplace_id, carrier_code = excluded.carrier_code, carrier_name = excluded.carrier_name,
	shipping_method = excluded.shipping_method, tracking_number = excluded.tracking_number, ship_date = excluded.ship_date,
	supply_source_id = excluded.supply_source_id, items = excluded.items, state = excluded.state, channel = excluded.channel,
	feed_id = excluded.feed_id, error_code = excluded.error_code, confirmed_at = excluded.confirmed_at`,
		sh.SellerID, sh.OrderID, sh.PackageRef, sh.MarketplaceID, sh.CarrierCode, sh.CarrierName, sh.ShippingMethod,
		sh.TrackingNumber, sh.ShipDate.UTC(), sh.ShipFromSupplySourceID, string(itemsJSON), string(sh.State), sh.Channel,
		sh.FeedID, sh.ErrorCode, nullTime(sh.ConfirmedAt))
	if err != nil {
		return s.queryError(ctx, "save shipment", err)
	}
	return nil
}

func scanShipment(row pgx.Row) (fulfillment.Shipment, error) {
	var (
		sh        fulfillment.Shipment
		itemsJSON []byte
		state     string
		confirmed *time.Time
	)
	err := row.Scan(&sh.SellerID, &sh.OrderID, &sh.PackageRef, &sh.MarketplaceID, &sh.CarrierCode, &sh.CarrierName, &sh.ShippingMethod,
		&sh.TrackingNumber, &sh.ShipDate, &sh.ShipFromSupplySourceID, &itemsJSON, &state, &sh.Channel, &sh.FeedID, &sh.ErrorCode, &confirmed)
	if err != nil {
		return sh, err
	}
	var items []shipmentItem
	if err := json.Unmarshal(itemsJSON, &items); err != nil {
		return sh, fmt.Errorf("decode shipment items: %w", err)
	}
	for _, it := range items {
		sh.Items = append(sh.Items, fulfillment.ConfirmationItem(it))
	}
	sh.State = fulfillment.ShipmentState(state)
	sh.ShipDate = sh.ShipDate.UTC()
	sh.ConfirmedAt = timeOrZero(confirmed)
	return sh, nil
}

// Shipment implements fulfillment.ShipmentStore.
func (s *Store) Shipment(ctx context.Context, sellerID, orderID, packageRef string) (fulfillment.Shipment, error) {
	sh, err := scanShipment(s.pool.QueryRow(ctx, `SELECT `+shipmentColumns+` FROM fulfillment_shipments
WHERE seller_id = $1 AND order_id = $2 AND package_ref = $3`, sellerID, orderID, packageRef))
	if errors.Is(err, pgx.ErrNoRows) {
		return fulfillment.Shipment{}, fmt.Errorf("shipment of order %s package %s: %w", orderID, packageRef, fulfillment.ErrNotFound)
	}
	if err != nil {
		return fulfillment.Shipment{}, s.queryError(ctx, "read shipment", err)
	}
	return sh, nil
}

// Shipments implements fulfillment.ShipmentStore.
func (s *Store) Shipments(ctx context.Context, sellerID, orderID string) ([]fulfillment.Shipment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+shipmentColumns+` FROM fulfillment_shipments
WHERE seller_id = $1 AND order_id = $2 ORDER BY length(package_ref), package_ref`, sellerID, orderID)
	if err != nil {
		return nil, s.queryError(ctx, "read shipments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fulfillment.Shipment, error) { return scanShipment(r) })
	if err != nil {
		return nil, s.queryError(ctx, "read shipments", err)
	}
	return out, nil
}

// RecordSettlement implements fulfillment.SettlementStore.
func (s *Store) RecordSettlement(ctx context.Context, rec fulfillment.SettlementRecord) (bool, error) {
	if err := rec.Validate(); err != nil {
		return false, err
	}
	ingested := rec.IngestedAt
	if ingested.IsZero() {
		ingested = time.Now()
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO fulfillment_settlements
	(seller_id, report_id, settlement_id, start_date, end_date, deposit_date, total_amount, currency, rows, ingested_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (seller_id, report_id) DO NOTHING`,
		rec.SellerID, rec.ReportID, rec.SettlementID, nullTime(rec.StartDate), nullTime(rec.EndDate), nullTime(rec.DepositDate),
		rec.TotalAmount, rec.Currency, rec.Rows, ingested.UTC())
	if err != nil {
		return false, s.queryError(ctx, "record settlement", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SettlementRecorded implements fulfillment.SettlementStore.
func (s *Store) SettlementRecorded(ctx context.Context, sellerID, reportID string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fulfillment_settlements WHERE seller_id = $1 AND report_id = $2)`, sellerID, reportID).Scan(&ok)
	if err != nil {
		return false, s.queryError(ctx, "read settlement", err)
	}
	return ok, nil
}
