-- The state bytes a pack deleted per class, beside class_names and class_counts (same order). NULL for
-- jobs recorded before this column: their bytes by class are unknown.
ALTER TABLE collection_run ADD COLUMN class_bytes bigint[];

-- Where a pack's time went, step by step (seconds), and the 99th percentile of its commit-lock holds
-- (milliseconds): NULL for jobs recorded before these columns.
ALTER TABLE collection_run
    ADD COLUMN index_seconds        double precision,
    ADD COLUMN mark_seconds         double precision,
    ADD COLUMN deletion_seconds     double precision,
    ADD COLUMN housekeeping_seconds double precision,
    ADD COLUMN fence_hold_p99_ms    double precision;
