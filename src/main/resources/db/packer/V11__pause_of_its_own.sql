-- An operator's pause of the continuous collection gets a table of its own, owned by the collector
-- (progress belongs to the index). At most one row: present while paused, so it outlives a restart and
-- holds on whichever instance leads.
CREATE TABLE pause (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    paused_at  timestamptz NOT NULL,
    paused_by  text NOT NULL
);

INSERT INTO pause (paused_at, paused_by)
SELECT paused_at, COALESCE(paused_by, 'an operator') FROM progress WHERE paused_at IS NOT NULL;

ALTER TABLE progress DROP COLUMN paused_at, DROP COLUMN paused_by;
