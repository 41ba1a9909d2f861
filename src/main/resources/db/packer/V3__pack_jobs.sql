-- Explicit packs (HTTP API or command line) are jobs recorded in collection_run, so that their
-- outcome survives the process and every instance can show it. A row whose finished_at is still
-- NULL belongs to a job under way on the instance named in "instance"; the next leader marks the
-- rows of other instances "interrupted" (their process died with the job).
ALTER TABLE collection_run
    ADD COLUMN include_cycles boolean NOT NULL DEFAULT true,
    ADD COLUMN requested_by   text,
    ADD COLUMN instance       text,
    ADD COLUMN examined       bigint  NOT NULL DEFAULT 0,
    ADD COLUMN large_objects  bigint  NOT NULL DEFAULT 0,
    ADD COLUMN message        text,
    -- a dry run's answer: objects per class that would go (parallel arrays, largest count first)
    ADD COLUMN class_names    text[],
    ADD COLUMN class_counts   bigint[];

COMMENT ON TABLE collection_run IS 'Explicit packs (relstorage-packer jobs), newest last';
