-- What a finished pack job did, as its live progress showed it: the candidates it examined (a
-- drain learns them as it goes, so only the end knows), its deletion rate, and the blob directory's
-- housekeeping walk (stale revisions of live objects), kept apart from the job's own message.
ALTER TABLE collection_run
    ADD COLUMN candidates   bigint,
    ADD COLUMN rate         double precision,
    ADD COLUMN housekeeping text;
