-- The latest anchor per class of any record that was ever in a bucket,
-- registered into it or re-anchored while in it or into it. Shred uses it to
-- shred a bucket emptied by re-anchoring alone (an open bucket whose orders
-- all shipped) once every record that was in it is due, because backups
-- taken before the move still hold that data under the bucket's key.
CREATE TABLE IF NOT EXISTS retention_bucket_anchors (
    seller_id   text        NOT NULL,
    bucket      text        NOT NULL,
    class       text        NOT NULL,
    last_anchor timestamptz NOT NULL,
    PRIMARY KEY (seller_id, bucket, class)
);

-- Buckets that hold records now get the latest anchor of those records.
INSERT INTO retention_bucket_anchors (seller_id, bucket, class, last_anchor)
SELECT seller_id, bucket, class, max(anchor)
FROM retention_items
WHERE bucket <> ''
GROUP BY seller_id, bucket, class
ON CONFLICT (seller_id, bucket, class) DO UPDATE
SET last_anchor = greatest(retention_bucket_anchors.last_anchor, EXCLUDED.last_anchor);

-- Buckets already emptied by re-anchoring alone have no record left to read
-- an anchor from. Anchors are past event times (order, shipment,
-- cancellation), so every anchor they had is at or before the time of this
-- migration, and that time is used as the anchor of both sealed classes:
-- their keys are shredded once PII anchored now would be due, never earlier
-- than the records that were in them.
INSERT INTO retention_bucket_anchors (seller_id, bucket, class, last_anchor)
SELECT b.seller_id, b.bucket, c.class, now()
FROM retention_buckets b
CROSS JOIN (VALUES ('buyer_pii'), ('personalization')) AS c(class)
WHERE b.bucket <> '' AND b.shredded_at IS NULL AND NOT b.purged
  AND NOT EXISTS (SELECT 1 FROM retention_items i WHERE i.seller_id = b.seller_id AND i.bucket = b.bucket)
ON CONFLICT (seller_id, bucket, class) DO NOTHING;
