-- Retention records: one row per (seller, class, order) until it is purged.
-- A purge deletes the row, which costs less than updating it.
CREATE TABLE retention_items (
    seller_id     text        NOT NULL,
    class         text        NOT NULL,
    order_id      text        NOT NULL,
    bucket        text        NOT NULL,
    anchor        timestamptz NOT NULL,
    blind_indexes bytea[]     NOT NULL DEFAULT '{}',
    PRIMARY KEY (seller_id, class, order_id)
);

-- What is due: unpurged rows of a class, oldest anchor first.
CREATE INDEX retention_items_due ON retention_items (class, anchor);
-- Which buckets hold due rows of a class, and which still hold any.
CREATE INDEX retention_items_bucket ON retention_items (seller_id, bucket, class, anchor);
-- Deletion notices naming a buyer by blind index.
CREATE INDEX retention_items_blind ON retention_items USING gin (blind_indexes);

-- Retention buckets, locked by writers adding records to them and by
-- shredding. The empty bucket holds records sealed under no bucket key.
CREATE TABLE retention_buckets (
    seller_id   text    NOT NULL,
    bucket      text    NOT NULL,
    purged      boolean NOT NULL DEFAULT false, -- at least one record purged
    shredded_at timestamptz,
    PRIMARY KEY (seller_id, bucket)
);

CREATE INDEX retention_buckets_live ON retention_buckets (seller_id, bucket) WHERE shredded_at IS NULL;

-- The unit of locking for purges: a purge locks the claims of the buckets it
-- takes records of a class from, with FOR UPDATE SKIP LOCKED.
CREATE TABLE retention_claims (
    seller_id text NOT NULL,
    class     text NOT NULL,
    bucket    text NOT NULL,
    PRIMARY KEY (class, seller_id, bucket)
);

CREATE TABLE retention_holds (
    id          text        PRIMARY KEY,
    seller_id   text        NOT NULL,
    order_ids   text[]      NOT NULL DEFAULT '{}',
    classes     text[]      NOT NULL DEFAULT '{}',
    reason      text        NOT NULL,
    actor       text        NOT NULL,
    placed_at   timestamptz NOT NULL,
    expires_at  timestamptz,
    released_at timestamptz
);

CREATE INDEX retention_holds_seller ON retention_holds (seller_id) WHERE released_at IS NULL;

CREATE TABLE retention_notices (
    id           text        PRIMARY KEY,
    seller_id    text        NOT NULL,
    order_ids    text[]      NOT NULL DEFAULT '{}',
    blind_index  bytea,
    classes      text[]      NOT NULL DEFAULT '{}',
    actor        text        NOT NULL,
    received_at  timestamptz NOT NULL,
    deadline     timestamptz NOT NULL,
    status       text        NOT NULL,
    completed_at timestamptz,
    purged       integer     NOT NULL DEFAULT 0
);

CREATE INDEX retention_notices_open ON retention_notices (deadline) WHERE status = 'open';

-- Audit evidence written with each change, deleted once the audit recorder
-- has it.
CREATE TABLE retention_evidence (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time      timestamptz NOT NULL,
    actor     text        NOT NULL,
    action    text        NOT NULL,
    outcome   text        NOT NULL,
    reason    text        NOT NULL DEFAULT '',
    seller_id text        NOT NULL DEFAULT '',
    bucket    text        NOT NULL DEFAULT '',
    class     text        NOT NULL DEFAULT '',
    order_ids text[]      NOT NULL DEFAULT '{}',
    count     integer     NOT NULL DEFAULT 0
);
