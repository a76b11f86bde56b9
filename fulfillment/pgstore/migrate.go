package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationLockID is the key of the advisory lock that serialises migrations
// of this package across processes: the first 8 bytes of "spkit/ful" read as
// a big-endian integer.
const migrationLockID int64 = 0x73706b69742f6675

// Items and personalisation carry no foreign keys, because the store writes
// and deletes an order's rows in one transaction. A foreign-key check per
// copied row also made bulk writes into fresh tables, which have no planner
// statistics yet, scan the parent table for every row.

// migrations are applied in order; each runs once, recorded in
// fulfillment_schema_migrations. Append new steps, never edit old ones.
var migrations = []string{
	`
CREATE TABLE fulfillment_orders (
	seller_id           text        NOT NULL,
	order_id            text        NOT NULL,
	marketplace_id      text        NOT NULL,
	status              text        NOT NULL,
	fulfillment_channel text        NOT NULL,
	purchase_date       timestamptz,
	last_update_date    timestamptz NOT NULL,
	latest_ship_date    timestamptz,
	is_business         boolean     NOT NULL,
	is_prime            boolean     NOT NULL,
	total_currency      text        NOT NULL,
	total_amount        text        NOT NULL,
	ship_country        text        NOT NULL,
	ship_state          text        NOT NULL,
	ship_postal_code    text        NOT NULL,
	ship_city           text        NOT NULL,
	source              text        NOT NULL,
	buyer_data          text        NOT NULL,
	bucket              text        NOT NULL,
	buyer_name          bytea,
	shipping_address    bytea,
	phone               bytea,
	email               bytea,
	tax_info            bytea,
	name_index          bytea,
	phone_index         bytea,
	email_index         bytea,
	address_index       bytea,
	shipped_at          timestamptz,
	revision            bigint      NOT NULL,
	written_at          timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (seller_id, order_id)
);
CREATE INDEX fulfillment_orders_name_index ON fulfillment_orders (seller_id, name_index) WHERE name_index IS NOT NULL;
CREATE INDEX fulfillment_orders_phone_index ON fulfillment_orders (seller_id, phone_index) WHERE phone_index IS NOT NULL;
CREATE INDEX fulfillment_orders_email_index ON fulfillment_orders (seller_id, email_index) WHERE email_index IS NOT NULL;
CREATE INDEX fulfillment_orders_address_index ON fulfillment_orders (seller_id, address_index) WHERE address_index IS NOT NULL;
CREATE INDEX fulfillment_orders_bucket ON fulfillment_orders (seller_id, bucket);

CREATE TABLE fulfillment_order_items (
	seller_id        text    NOT NULL,
	order_id         text    NOT NULL,
	order_item_id    text    NOT NULL,
	position         integer NOT NULL,
	sku              text    NOT NULL,
	asin             text    NOT NULL,
	title            text    NOT NULL,
	quantity         integer NOT NULL,
	quantity_shipped integer NOT NULL,
	price_currency   text    NOT NULL,
	price_amount     text    NOT NULL,
	customization    text    NOT NULL,
	gift_message     bytea,
	PRIMARY KEY (seller_id, order_id, order_item_id)
);

CREATE TABLE fulfillment_personalizations (
	seller_id     text    NOT NULL,
	order_id      text    NOT NULL,
	order_item_id text    NOT NULL,
	unit          integer NOT NULL CHECK (unit >= 1),
	part          text    NOT NULL,
	position      integer NOT NULL,
	sku           text    NOT NULL,
	asin          text    NOT NULL,
	text          bytea,
	font          text    NOT NULL,
	color         text    NOT NULL,
	placement     text    NOT NULL,
	option_value  text    NOT NULL,
	PRIMARY KEY (seller_id, order_id, order_item_id, unit, part)
);

CREATE TABLE fulfillment_cursors (
	seller_id      text        NOT NULL,
	marketplace_id text        NOT NULL,
	last_updated   timestamptz NOT NULL,
	synced_at      timestamptz,
	PRIMARY KEY (seller_id, marketplace_id)
);

CREATE TABLE fulfillment_labels (
	idempotency_key text        PRIMARY KEY,
	seller_id       text        NOT NULL,
	order_id        text        NOT NULL,
	package_ref     text        NOT NULL,
	service         text        NOT NULL,
	state           text        NOT NULL,
	request_token   text        NOT NULL,
	rate_id         text        NOT NULL,
	shipment_id     text        NOT NULL,
	carrier_code    text        NOT NULL,
	carrier_service text        NOT NULL,
	tracking_number text        NOT NULL,
	format          text        NOT NULL,
	reserved_at     timestamptz,
	purchased_at    timestamptz,
	UNIQUE (seller_id, order_id, package_ref)
);

CREATE TABLE fulfillment_shipments (
	seller_id        text        NOT NULL,
	order_id         text        NOT NULL,
	package_ref      text        NOT NULL,
	marketplace_id   text        NOT NULL,
	carrier_code     text        NOT NULL,
	carrier_name     text        NOT NULL,
	shipping_method  text        NOT NULL,
	tracking_number  text        NOT NULL,
	ship_date        timestamptz NOT NULL,
	supply_source_id text        NOT NULL,
	items            jsonb       NOT NULL,
	state            text        NOT NULL,
	channel          text        NOT NULL,
	feed_id          text        NOT NULL,
	error_code       text        NOT NULL,
	confirmed_at     timestamptz,
	PRIMARY KEY (seller_id, order_id, package_ref)
);

CREATE TABLE fulfillment_settlements (
	seller_id     text        NOT NULL,
	report_id     text        NOT NULL,
	settlement_id text        NOT NULL,
	start_date    timestamptz,
	end_date      timestamptz,
	deposit_date  timestamptz,
	total_amount  text        NOT NULL,
	currency      text        NOT NULL,
	rows          integer     NOT NULL,
	ingested_at   timestamptz NOT NULL,
	PRIMARY KEY (seller_id, report_id)
);
`,
}

// Migrate creates or upgrades the package's tables. It is safe to call from
// several processes at once: an advisory lock serialises them, and steps
// already applied are skipped.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: acquire connection: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return fmt.Errorf("pgstore: migrate: take advisory lock: %w", err)
	}
	defer func() {
		// The lock goes with the session if this fails, so the error is
		// not actionable.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS fulfillment_schema_migrations (
	version    integer     PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("pgstore: migrate: create fulfillment_schema_migrations: %w", err)
	}

	var applied int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM fulfillment_schema_migrations").Scan(&applied); err != nil {
		return fmt.Errorf("pgstore: migrate: read schema version: %w", err)
	}
	if applied > len(migrations) {
		return fmt.Errorf("pgstore: migrate: the database has schema version %d, newer than this build's %d; upgrade spkit", applied, len(migrations))
	}

	for v := applied + 1; v <= len(migrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO fulfillment_schema_migrations (version) VALUES ($1)", v)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: migrate: apply version %d: %w", v, err)
		}
	}
	return nil
}
