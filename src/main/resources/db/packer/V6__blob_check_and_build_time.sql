-- Blob records (class ZODB.blob.Blob) get the fixed class id -1, so that a small partial index finds
-- them without reading the whole index: the blob directory check samples them before any blob file is
-- removed, and garbage that owns blob files is held back while that check fails.
UPDATE object SET class_id = -1 WHERE class_id = (SELECT id FROM class WHERE name = 'ZODB.blob.Blob');
UPDATE class SET id = -1 WHERE name = 'ZODB.blob.Blob';
INSERT INTO class (id, name) VALUES (-1, 'ZODB.blob.Blob') ON CONFLICT (name) DO NOTHING;
CREATE INDEX object_blob ON object (zoid) WHERE class_id = -1;

-- When the build read its snapshot, as a tid of the wall clock (never before build_snapshot_tid).
-- Garbage whose unlinking the index did not see counts its grace from here: the snapshot tid is the
-- newest commit's, which on a quiet or restored database can be days old. Indexes built before this
-- migration keep their snapshot tid: their garbage has been counting from it ever since.
ALTER TABLE progress ADD COLUMN build_since_tid bigint;
UPDATE progress SET build_since_tid = build_snapshot_tid;
