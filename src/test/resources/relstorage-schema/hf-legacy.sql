-- RelStorage history-free (keep-history false) schema on PostgreSQL,
-- generation "table commit lock": RelStorage 1.5.0 .. 2.1.1 (blob_chunk exists
-- since 1.5; the PostgreSQL history-free DDL and the two trigger functions, marked
-- "Version: 1.5B", are the same text in 1.5.0, 1.6.3, 2.0.0 and 2.1.1).
--
-- Commit lock (vote, HF): SET lock_timeout = <commit-lock-timeout ms>;
--   LOCK TABLE commit_lock IN EXCLUSIVE MODE; LOCK TABLE object_state IN SHARE MODE
--   (two statements; the SHARE lock waits for, and then blocks, every transaction
--   that writes object_state, including deletes).
-- There is no lock_and_choose_tid(): the tid is chosen in Python. No commit_row_lock.
-- Pack lock: session-level pg_try_advisory_lock(1).
--
-- Where each part comes from (zodb/relstorage, tag 2.1.1):
--   * relstorage/adapters/postgresql/schema.py: commit_lock, zoid_seq, object_state,
--     blob_chunk (primary key unnamed -> blob_chunk_pkey; extra index blob_chunk_loid on
--     chunk, which 3.x no longer creates), object_ref, object_refs_added, pack_object,
--     the two trigger functions (postgresql_procedures, version 1.5B, no COMMENT;
--     2.x recognises them by the "Version:" line in prosrc) and the blob_chunk_delete trigger.
--   * relstorage/adapters/schema.py: creation order; history-free creation inserts no rows.
--   * Produced by running RelStorage 2.1.1's own schema installer (pure Python) against
--     an empty PostgreSQL 15 database and cleaning `pg_dump -s` as for hf-advisory.sql.
--
-- When RelStorage 3.x/4.x later opens such a database it adds commit_row_lock (row 0)
-- and its 8 functions, replaces the two trigger functions, and keeps commit_lock,
-- blob_chunk_pkey and blob_chunk_loid: a commit_lock table alone does not mean that
-- 2.x is still the writer; look at lock_and_choose_tid as well.
--
-- Runs with `psql -v ON_ERROR_STOP=1 -f` and as one JDBC Statement.execute().

-- FUNCTION: blob_chunk_delete_trigger()
CREATE FUNCTION public.blob_chunk_delete_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    -- Version: 1.5B
    -- Unlink large object data file after blob_chunk row deletion
    DECLARE
        cnt integer;
    BEGIN
        SELECT count(*) into cnt FROM blob_chunk WHERE chunk=OLD.chunk;
        IF (cnt = 1) THEN
            -- Last reference to this oid, unlink
            PERFORM lo_unlink(OLD.chunk);
        END IF;
        RETURN OLD;
    END;
$$;

-- FUNCTION: temp_blob_chunk_delete_trigger()
CREATE FUNCTION public.temp_blob_chunk_delete_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    -- Version: 1.5B
    -- Unlink large object data file after temp_blob_chunk row deletion
    DECLARE
        cnt integer;
    BEGIN
        SELECT count(*) into cnt FROM blob_chunk WHERE chunk=OLD.chunk;
        IF (cnt = 0) THEN
            -- No more references to this oid, unlink
            PERFORM lo_unlink(OLD.chunk);
        END IF;
        RETURN OLD;
    END;
$$;

-- TABLE: blob_chunk
CREATE TABLE public.blob_chunk (
    zoid bigint NOT NULL,
    chunk_num bigint NOT NULL,
    tid bigint NOT NULL,
    chunk oid NOT NULL
);

-- TABLE: commit_lock
CREATE TABLE public.commit_lock (
);

-- TABLE: object_ref
CREATE TABLE public.object_ref (
    zoid bigint NOT NULL,
    to_zoid bigint NOT NULL,
    tid bigint NOT NULL
);

-- TABLE: object_refs_added
CREATE TABLE public.object_refs_added (
    zoid bigint NOT NULL,
    tid bigint NOT NULL
);

-- TABLE: object_state
CREATE TABLE public.object_state (
    zoid bigint NOT NULL,
    tid bigint NOT NULL,
    state_size bigint NOT NULL,
    state bytea,
    CONSTRAINT object_state_state_size_check CHECK ((state_size >= 0)),
    CONSTRAINT object_state_tid_check CHECK ((tid > 0))
);

-- TABLE: pack_object
CREATE TABLE public.pack_object (
    zoid bigint NOT NULL,
    keep boolean NOT NULL,
    keep_tid bigint NOT NULL,
    visited boolean DEFAULT false NOT NULL
);

-- SEQUENCE: zoid_seq
CREATE SEQUENCE public.zoid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

-- CONSTRAINT: blob_chunk blob_chunk_pkey
ALTER TABLE ONLY public.blob_chunk
    ADD CONSTRAINT blob_chunk_pkey PRIMARY KEY (zoid, chunk_num);

-- CONSTRAINT: object_ref object_ref_pkey
ALTER TABLE ONLY public.object_ref
    ADD CONSTRAINT object_ref_pkey PRIMARY KEY (zoid, to_zoid);

-- CONSTRAINT: object_refs_added object_refs_added_pkey
ALTER TABLE ONLY public.object_refs_added
    ADD CONSTRAINT object_refs_added_pkey PRIMARY KEY (zoid);

-- CONSTRAINT: object_state object_state_pkey
ALTER TABLE ONLY public.object_state
    ADD CONSTRAINT object_state_pkey PRIMARY KEY (zoid);

-- CONSTRAINT: pack_object pack_object_pkey
ALTER TABLE ONLY public.pack_object
    ADD CONSTRAINT pack_object_pkey PRIMARY KEY (zoid);

-- INDEX: blob_chunk_loid
CREATE INDEX blob_chunk_loid ON public.blob_chunk USING btree (chunk);

-- INDEX: blob_chunk_lookup
CREATE INDEX blob_chunk_lookup ON public.blob_chunk USING btree (zoid);

-- INDEX: object_state_tid
CREATE INDEX object_state_tid ON public.object_state USING btree (tid);

-- INDEX: pack_object_keep_false
CREATE INDEX pack_object_keep_false ON public.pack_object USING btree (zoid) WHERE (keep = false);

-- INDEX: pack_object_keep_true
CREATE INDEX pack_object_keep_true ON public.pack_object USING btree (visited) WHERE (keep = true);

-- TRIGGER: blob_chunk blob_chunk_delete
CREATE TRIGGER blob_chunk_delete BEFORE DELETE ON public.blob_chunk FOR EACH ROW EXECUTE FUNCTION public.blob_chunk_delete_trigger();

-- FK CONSTRAINT: blob_chunk blob_chunk_fk
ALTER TABLE ONLY public.blob_chunk
    ADD CONSTRAINT blob_chunk_fk FOREIGN KEY (zoid) REFERENCES public.object_state(zoid) ON DELETE CASCADE;
