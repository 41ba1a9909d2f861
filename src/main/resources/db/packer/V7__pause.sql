-- An operator's pause of the continuous collection, kept here so that it outlives a restart and holds
-- on whichever instance leads. NULL: not paused.
ALTER TABLE progress ADD COLUMN paused_at timestamptz, ADD COLUMN paused_by text;
