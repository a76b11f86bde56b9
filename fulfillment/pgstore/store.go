package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hidemont/spkit/fulfillment"
	"github.com/hidemont/spkit/pii"
)

// Store is a fulfillment.Store in PostgreSQL. It is safe for concurrent use
// by several goroutines and processes. Create its tables with Migrate first.
type Store struct {
	pool *pgxpool.Pool
}

var _ fulfillment.Store = (*Store)(nil)

// New returns a Store on the pool. It does not touch the database; call
// Migrate once at start-up.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// maxBatch bounds the orders of one UpsertOrders call, so that one
// transaction stays short.
const maxBatch = 1000

// UpsertOrders implements fulfillment.OrderStore. It writes the batch in one
// transaction: each order row is inserted (revision zero) or updated where
// its revision still matches, then the orders' items and personalisation are
// replaced.
func (s *Store) UpsertOrders(ctx context.Context, orders []*fulfillment.Order) error {
	if len(orders) == 0 {
		return nil
	}
	if len(orders) > maxBatch {
		return &fulfillment.ValidationError{Field: "orders", Reason: fmt.Sprintf("hold %d orders, more than the maximum of %d per call", len(orders), maxBatch)}
	}
	rows := make([]orderRow, len(orders))
	for i, o := range orders {
		if o == nil {
			return &fulfillment.ValidationError{Field: "orders", Reason: "contain a nil order"}
		}
		if err := o.Validate(); err != nil {
			return err
		}
		r, err := newOrderRow(o)
		if err != nil {
			return err
		}
		rows[i] = r
	}

	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := writeOrderRows(ctx, tx, orders, rows); err != nil {
			return err
		}
		return replaceItems(ctx, tx, orders, rows)
	})
	var conflict *fulfillment.ConflictError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &conflict), isValidation(err):
		return err
	default:
		return fmt.Errorf("pgstore: upsert %d orders: %w", len(orders), err)
	}

	for _, o := range orders {
		o.Revision++
	}
	return nil
}

func isValidation(err error) bool {
	var v *fulfillment.ValidationError
	return errors.As(err, &v)
}

// writeOrderRows inserts or updates the order rows in one round trip and
// returns a *fulfillment.ConflictError naming every order whose revision did
// not match.
func writeOrderRows(ctx context.Context, tx pgx.Tx, orders []*fulfillment.Order, rows []orderRow) error {
	b := &pgx.Batch{}
	for i, o := range orders {
		args := rows[i].args(o.Revision + 1)
		if o.Revision == 0 {
			b.Queue(insertOrderSQL, args...)
		} else {
			b.Queue(updateOrderSQL, append(args, o.Revision)...)
		}
	}
	br := tx.SendBatch(ctx, b)

	var conflict *fulfillment.ConflictError
	for _, o := range orders {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return err
		}
		if tag.RowsAffected() == 0 {
			if conflict == nil {
				conflict = &fulfillment.ConflictError{SellerID: o.SellerID}
			}
			conflict.OrderIDs = append(conflict.OrderIDs, o.OrderID)
		}
	}
	if err := br.Close(); err != nil {
		return err
	}
	if conflict != nil {
		return conflict
	}
	return nil
}

const orderColumns = `seller_id, order_id, marketplace_id, status, fulfillment_channel,
	purchase_date, last_update_date, latest_ship_date, is_business, is_prime,
	total_currency, total_amount, ship_country, ship_state, ship_postal_code, ship_city,
	source, buyer_data, bucket, buyer_name, shipping_address, phone, email, tax_info,
	name_index, phone_index, email_index, shipped_at, revision, address_index`

const insertOrderSQL = `INSERT INTO fulfillment_orders (` + orderColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
	$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
ON CONFLICT (seller_id, order_id) DO NOTHING`

const updateOrderSQL = `UPDATE fulfillment_orders SET
	marketplace_id = $3, status = $4, fulfillment_channel = $5,
	purchase_date = $6, last_update_date = $7, latest_ship_date = $8, is_business = $9, is_prime = $10,
	total_currency = $11, total_amount = $12, ship_country = $13, ship_state = $14, ship_postal_code = $15, ship_city = $16,
	source = $17, buyer_data = $18, bucket = $19, buyer_name = $20, shipping_address = $21, phone = $22, email = $23, tax_info = $24,
	name_index = $25, phone_index = $26, email_index = $27, shipped_at = $28, revision = $29, address_index = $30, written_at = now()
WHERE seller_id = $1 AND order_id = $2 AND revision = $31`

// orderRow holds the encoded sealed columns of an order.
type orderRow struct {
	o                                    *fulfillment.Order
	name, address, phone, email, taxInfo []byte
}

func newOrderRow(o *fulfillment.Order) (orderRow, error) {
	r := orderRow{o: o}
	var err error
	for _, c := range []struct {
		dst *[]byte
		env pii.Envelope
		col string
	}{
		{&r.name, o.Buyer.Name, "buyer_name"},
		{&r.address, o.Buyer.ShippingAddress, "shipping_address"},
		{&r.phone, o.Buyer.Phone, "phone"},
		{&r.email, o.Buyer.Email, "email"},
		{&r.taxInfo, o.Buyer.TaxInfo, "tax_info"},
	} {
		if *c.dst, err = encodeEnvelope(c.env); err != nil {
			return orderRow{}, fmt.Errorf("pgstore: encode %s of order %s: %w", c.col, o.OrderID, err)
		}
	}
	return r, nil
}

func (r orderRow) args(revision int64) []any {
	o := r.o
	return []any{
		o.SellerID, o.OrderID, o.MarketplaceID, o.Status, o.FulfillmentChannel,
		nullTime(o.PurchaseDate), o.LastUpdateDate.UTC(), nullTime(o.LatestShipDate), o.IsBusiness, o.IsPrime,
		o.Total.CurrencyCode, o.Total.Amount, o.ShipTo.CountryCode, o.ShipTo.StateOrRegion, o.ShipTo.PostalCode, o.ShipTo.City,
		o.Source, string(o.BuyerData), o.Bucket, byteaArg(r.name), byteaArg(r.address), byteaArg(r.phone), byteaArg(r.email), byteaArg(r.taxInfo),
		nilIfEmpty(o.Index.Name), nilIfEmpty(o.Index.Phone), nilIfEmpty(o.Index.Email), nullTime(o.ShippedAt), revision,
		nilIfEmpty(o.Index.Address),
	}
}

// replaceItems deletes the orders' items and personalisation and copies the
// new ones in.
func replaceItems(ctx context.Context, tx pgx.Tx, orders []*fulfillment.Order, rows []orderRow) error {
	// New orders (revision zero) have no rows to delete.
	var sellers, ids []string
	for _, o := range orders {
		if o.Revision > 0 {
			sellers, ids = append(sellers, o.SellerID), append(ids, o.OrderID)
		}
	}
	for _, table := range []string{"fulfillment_personalizations", "fulfillment_order_items"} {
		if len(ids) == 0 {
			break
		}
		// table comes from the list above, never from input.
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+`
WHERE (seller_id, order_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, sellers, ids); err != nil {
			return err
		}
	}

	var items, personalizations [][]any
	for _, o := range orders {
		for pos, it := range o.Items {
			gift, err := encodeEnvelope(it.GiftMessage)
			if err != nil {
				return fmt.Errorf("pgstore: encode gift message of order %s item %s: %w", o.OrderID, it.OrderItemID, err)
			}
			items = append(items, []any{
				o.SellerID, o.OrderID, it.OrderItemID, pos, it.SKU, it.ASIN, it.Title, it.Quantity, it.QuantityShipped,
				it.ItemPrice.CurrencyCode, it.ItemPrice.Amount, string(it.Customization), byteaArg(gift),
			})
			for ppos, p := range it.Personalizations {
				text, err := encodeEnvelope(p.Text)
				if err != nil {
					return fmt.Errorf("pgstore: encode personalisation of order %s item %s unit %d: %w", o.OrderID, it.OrderItemID, p.Unit, err)
				}
				personalizations = append(personalizations, []any{
					o.SellerID, o.OrderID, it.OrderItemID, p.Unit, p.Part, ppos, p.SKU, p.ASIN, byteaArg(text), p.Font, p.Color, p.Position, p.Option,
				})
			}
		}
	}

	if len(items) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"fulfillment_order_items"}, []string{
			"seller_id", "order_id", "order_item_id", "position", "sku", "asin", "title", "quantity", "quantity_shipped",
			"price_currency", "price_amount", "customization", "gift_message",
		}, pgx.CopyFromRows(items)); err != nil {
			return err
		}
	}
	if len(personalizations) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"fulfillment_personalizations"}, []string{
			"seller_id", "order_id", "order_item_id", "unit", "part", "position", "sku", "asin", "text", "font", "color", "placement", "option_value",
		}, pgx.CopyFromRows(personalizations)); err != nil {
			return err
		}
	}
	return nil
}

// Order implements fulfillment.OrderStore.
func (s *Store) Order(ctx context.Context, sellerID, orderID string) (*fulfillment.Order, error) {
	var o *fulfillment.Order
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `SELECT `+orderColumns+` FROM fulfillment_orders WHERE seller_id = $1 AND order_id = $2`, sellerID, orderID)
		var err error
		if o, err = scanOrder(row); err != nil {
			return err
		}
		return loadItems(ctx, tx, o)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("order %s of seller %s: %w", orderID, sellerID, fulfillment.ErrNotFound)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pgstore: read order %s of seller %s: %w", orderID, sellerID, err)
	}
	return o, nil
}

func scanOrder(row pgx.Row) (*fulfillment.Order, error) {
	var (
		o                                    fulfillment.Order
		purchase, latestShip, shipped        *time.Time
		buyerData                            string
		name, address, phone, email, taxInfo []byte
	)
	err := row.Scan(&o.SellerID, &o.OrderID, &o.MarketplaceID, &o.Status, &o.FulfillmentChannel,
		&purchase, &o.LastUpdateDate, &latestShip, &o.IsBusiness, &o.IsPrime,
		&o.Total.CurrencyCode, &o.Total.Amount, &o.ShipTo.CountryCode, &o.ShipTo.StateOrRegion, &o.ShipTo.PostalCode, &o.ShipTo.City,
		&o.Source, &buyerData, &o.Bucket, &name, &address, &phone, &email, &taxInfo,
		&o.Index.Name, &o.Index.Phone, &o.Index.Email, &shipped, &o.Revision, &o.Index.Address)
	if err != nil {
		return nil, err
	}
	o.BuyerData = fulfillment.BuyerDataStatus(buyerData)
	o.PurchaseDate, o.LatestShipDate, o.ShippedAt = timeOrZero(purchase), timeOrZero(latestShip), timeOrZero(shipped)
	o.LastUpdateDate = o.LastUpdateDate.UTC()
	for _, c := range []struct {
		dst *pii.Envelope
		raw []byte
		col string
	}{
		{&o.Buyer.Name, name, "buyer_name"},
		{&o.Buyer.ShippingAddress, address, "shipping_address"},
		{&o.Buyer.Phone, phone, "phone"},
		{&o.Buyer.Email, email, "email"},
		{&o.Buyer.TaxInfo, taxInfo, "tax_info"},
	} {
		if *c.dst, err = decodeEnvelope(c.raw); err != nil {
			return nil, fmt.Errorf("decode %s of order %s: %w", c.col, o.OrderID, err)
		}
	}
	return &o, nil
}

func loadItems(ctx context.Context, tx pgx.Tx, o *fulfillment.Order) error {
	rows, err := tx.Query(ctx, `SELECT order_item_id, sku, asin, title, quantity, quantity_shipped,
	price_currency, price_amount, customization, gift_message
FROM fulfillment_order_items WHERE seller_id = $1 AND order_id = $2 ORDER BY position`, o.SellerID, o.OrderID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			it            fulfillment.OrderItem
			customization string
			gift          []byte
		)
		if err := rows.Scan(&it.OrderItemID, &it.SKU, &it.ASIN, &it.Title, &it.Quantity, &it.QuantityShipped,
			&it.ItemPrice.CurrencyCode, &it.ItemPrice.Amount, &customization, &gift); err != nil {
			return err
		}
		it.Customization = fulfillment.CustomizationStatus(customization)
		if it.GiftMessage, err = decodeEnvelope(gift); err != nil {
			rows.Close()
			return fmt.Errorf("decode gift message of order %s item %s: %w", o.OrderID, it.OrderItemID, err)
		}
		o.Items = append(o.Items, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `SELECT order_item_id, unit, part, sku, asin, text, font, color, placement, option_value
FROM fulfillment_personalizations WHERE seller_id = $1 AND order_id = $2 ORDER BY order_item_id, position`, o.SellerID, o.OrderID)
	if err != nil {
		return err
	}
	for rows.Next() {
		p := fulfillment.Personalization{OrderID: o.OrderID}
		var text []byte
		if err := rows.Scan(&p.OrderItemID, &p.Unit, &p.Part, &p.SKU, &p.ASIN, &text, &p.Font, &p.Color, &p.Position, &p.Option); err != nil {
			return err
		}
		if p.Text, err = decodeEnvelope(text); err != nil {
			rows.Close()
			return fmt.Errorf("decode personalisation of order %s item %s unit %d: %w", o.OrderID, p.OrderItemID, p.Unit, err)
		}
		if it, ok := o.Item(p.OrderItemID); ok {
			it.Personalizations = append(it.Personalizations, p)
		}
	}
	return rows.Err()
}

// OrderStates implements fulfillment.OrderStore.
func (s *Store) OrderStates(ctx context.Context, sellerID string, orderIDs []string) (map[string]fulfillment.OrderState, error) {
	states := make(map[string]fulfillment.OrderState, len(orderIDs))
	if len(orderIDs) == 0 {
		return states, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT o.order_id, o.last_update_date, o.status, o.buyer_data, o.bucket, o.shipped_at, o.revision,
	EXISTS (SELECT 1 FROM fulfillment_order_items i
		WHERE i.seller_id = o.seller_id AND i.order_id = o.order_id AND i.customization = 'pending')
FROM fulfillment_orders o WHERE o.seller_id = $1 AND o.order_id = ANY($2)`, sellerID, orderIDs)
	if err != nil {
		return nil, s.queryError(ctx, "read order states", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, buyerData string
			st            fulfillment.OrderState
			shipped       *time.Time
		)
		if err := rows.Scan(&id, &st.LastUpdateDate, &st.Status, &buyerData, &st.Bucket, &shipped, &st.Revision, &st.CustomizationPending); err != nil {
			return nil, s.queryError(ctx, "read order states", err)
		}
		st.LastUpdateDate = st.LastUpdateDate.UTC()
		st.BuyerData = fulfillment.BuyerDataStatus(buyerData)
		st.ShippedAt = timeOrZero(shipped)
		states[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, s.queryError(ctx, "read order states", err)
	}
	return states, nil
}

// maxFindLimit bounds how many orders one lookup returns.
const maxFindLimit = 1000

// FindOrders implements fulfillment.OrderStore.
func (s *Store) FindOrders(ctx context.Context, sellerID string, kind pii.Kind, index []byte, limit int) ([]string, error) {
	var column string
	switch kind {
	case pii.KindBuyerName:
		column = "name_index"
	case pii.KindPhone:
		column = "phone_index"
	case pii.KindEmail:
		column = "email_index"
	case pii.KindAddress:
		column = "address_index"
	default:
		return nil, &fulfillment.ValidationError{Field: "index kind", Value: fmt.Sprintf("%q", kind), Reason: "has no blind index; use buyer_name, phone, email or address"}
	}
	if len(index) == 0 {
		return nil, &fulfillment.ValidationError{Field: "blind index", Reason: "is empty"}
	}
	if limit < 1 || limit > maxFindLimit {
		return nil, &fulfillment.ValidationError{Field: "limit", Value: fmt.Sprint(limit), Reason: fmt.Sprintf("must be between 1 and %d", maxFindLimit)}
	}
	// column comes from the switch above, never from input.
	rows, err := s.pool.Query(ctx, `SELECT order_id FROM fulfillment_orders
WHERE seller_id = $1 AND `+column+` = $2 ORDER BY purchase_date DESC NULLS LAST, order_id LIMIT $3`, sellerID, index, limit)
	if err != nil {
		return nil, s.queryError(ctx, "find orders", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, s.queryError(ctx, "find orders", err)
	}
	return ids, nil
}

// PurgeBuyerData implements fulfillment.OrderStore.
func (s *Store) PurgeBuyerData(ctx context.Context, sellerID string, orderIDs []string) (int, error) {
	if len(orderIDs) == 0 {
		return 0, nil
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE fulfillment_orders SET
	buyer_data = 'purged', buyer_name = NULL, shipping_address = NULL, phone = NULL, email = NULL, tax_info = NULL,
	name_index = NULL, phone_index = NULL, email_index = NULL, address_index = NULL, revision = revision + 1, written_at = now()
WHERE seller_id = $1 AND order_id = ANY($2) AND buyer_data <> 'purged'`, sellerID, orderIDs)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE fulfillment_order_items SET gift_message = NULL,
	customization = CASE WHEN customization IN ('linked', 'pending') THEN 'purged' ELSE customization END
WHERE seller_id = $1 AND order_id = ANY($2)`, sellerID, orderIDs); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE fulfillment_personalizations SET text = NULL
WHERE seller_id = $1 AND order_id = ANY($2) AND text IS NOT NULL`, sellerID, orderIDs)
		return err
	})
	if err != nil {
		return 0, s.queryError(ctx, "purge buyer data", err)
	}
	return int(n), nil
}

func (s *Store) queryError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		return fmt.Errorf("pgstore: %s: %w; run pgstore.Migrate first", op, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// encodeEnvelope returns the column form of a sealed value (version, kind,
// bucket, ciphertext), or nil for an absent one, which is stored as NULL.
func encodeEnvelope(e pii.Envelope) ([]byte, error) {
	v, err := e.Value()
	if err != nil || v == nil {
		return nil, err
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("pii.Envelope.Value returned %T, want []byte", v)
	}
	return b, nil
}

func decodeEnvelope(b []byte) (pii.Envelope, error) {
	var e pii.Envelope
	if b == nil {
		return e, nil
	}
	err := e.Scan(b)
	return e, err
}

// byteaArg passes nil as SQL NULL.
func byteaArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// DeleteOrders implements fulfillment.OrderStore.
func (s *Store) DeleteOrders(ctx context.Context, sellerID string, orderIDs []string) (int, error) {
	if len(orderIDs) == 0 {
		return 0, nil
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, table := range []string{"fulfillment_personalizations", "fulfillment_order_items", "fulfillment_labels", "fulfillment_shipments"} {
			// table comes from the list above, never from input.
			if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE seller_id = $1 AND order_id = ANY($2)", sellerID, orderIDs); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, "DELETE FROM fulfillment_orders WHERE seller_id = $1 AND order_id = ANY($2)", sellerID, orderIDs)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, s.queryError(ctx, "delete orders", err)
	}
	return int(n), nil
}
