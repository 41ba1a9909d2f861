-- Garbage whose unreachable time the index cannot know: it was garbage before the index was built.
-- Unreferenced objects of the build carry the build's snapshot tid as their since_tid; objects the
-- first mark after the build finds unreachable without being unreferenced are flagged here. A pack
-- may ask to judge such objects by their own tid (zodbpack's rule); see Eligibility.
ALTER TABLE unreachable ADD COLUMN history_unknown boolean NOT NULL DEFAULT false;

-- The watermark of the first mark after the build, NULL until it ran.
ALTER TABLE progress ADD COLUMN first_mark_tid bigint;

ALTER TABLE collection_run ADD COLUMN object_tid_for_unknown_history boolean NOT NULL DEFAULT false;
