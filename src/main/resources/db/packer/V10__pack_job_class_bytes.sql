-- The state bytes a pack deleted per class, beside class_names and class_counts (same order). NULL for
-- jobs recorded before this column: their bytes by class are unknown.
ALTER TABLE collection_run ADD COLUMN class_bytes bigint[];
