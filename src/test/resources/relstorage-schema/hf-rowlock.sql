-- RelStorage history-free (keep-history false) schema on PostgreSQL,
-- generation "row commit lock": RelStorage 3.0.0 .. 3.5.0a3. This file is tag 3.4.5
-- (the last stable release of that generation).
--
-- Commit lock: SELECT tid INTO scratch FROM commit_row_lock FOR UPDATE, inside
--   lock_and_choose_tid(). (restore()/zodbconvert also takes this lock from Python:
--   SELECT tid FROM commit_row_lock FOR UPDATE.)
-- Object locks at vote: SELECT ... FROM object_state ... FOR UPDATE OF object_state,
--   and FOR SHARE NOWAIT for readCurrent (lock_objects_and_detect_conflicts).
-- Pack lock: session-level pg_try_advisory_lock(1).
--
-- Where each part comes from (zodb/relstorage, tag 3.4.5):
--   * tables, indexes, constraints, zoid_seq, trigger, commit_row_lock row 0:
--     src/relstorage/adapters/schema.py and src/relstorage/adapters/postgresql/schema.py.
--     These two files are byte-identical from 3.0.0 to 3.5.0a4, and the DDL they emit is
--     the same as 4.2.0's (only the functions below differ from hf-advisory.sql).
--   * functions: src/relstorage/adapters/postgresql/procs/*.sql and procs/hf/*.sql,
--     formatted with {CURRENT_OBJECT} = object_state, {OBJECT_STATE_NAME} = cur,
--     {OBJECT_STATE_JOIN} = '' ; COMMENT = md5 of the stripped .sql file.
--   * The file was produced by running RelStorage 3.4.5's own schema installer
--     (PostgreSQLAdapter(...).schema.prepare(), pure-Python parts of the tagged source;
--     the same harness reproduces the real 4.2.0 dump exactly) against an empty
--     PostgreSQL 15 database and cleaning `pg_dump -s` as for hf-advisory.sql.
--
-- Sub-versions inside the generation (first 8 hex digits of the COMMENT checksum):
--   lock_and_choose_tid            c96c950f  3.0.0 .. 3.5.0a2   (this file)
--                                  622f0de0  3.5.0a3 (same code, extra comments)
--                                  15d14781  3.5.0a4 .. 4.2.0   (advisory -1, hf-advisory.sql)
--   lock_and_choose_tid_and_move   8011e491  3.0.0 .. 3.5.0a2   (this file; ORDER BY zoid)
--                                  cdd2a18a  3.5.0a3 .. 4.2.0
--   lock_objects_and_detect_conflicts
--                                  fdc0f366  3.0.0 .. 3.4.0
--                                  5da342b8  3.4.1 (exclusive locks before shared ones)
--                                  19c68eab  3.4.2 .. 3.4.5     (this file)
--                                  2644e876 3.5.0a1, 180bbac3 3.5.0a2, 274cc673 3.5.0a3
--                                  (all still row locks: FOR UPDATE / FOR SHARE)
--                                  ee076e81  3.5.0a4 .. 4.2.0   (advisory locks)
--   The other five functions have the same text and checksum from 3.0.0 to 4.2.0.
--
-- Runs with `psql -v ON_ERROR_STOP=1 -f` and as one JDBC Statement.execute().

-- FUNCTION: make_tid_for_epoch(double precision)
CREATE FUNCTION public.make_tid_for_epoch(unix_ts double precision) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
  ts TIMESTAMP;
  year INT;
  month INT;
  day INT;
  hour INT;
  minute INT;
  a1 BIGINT;
  a BIGINT;
  b BIGINT;
  tid_64 BIGINT;
  b1 double precision;
  second double precision;
BEGIN
  ts := timezone('UTC', to_timestamp(unix_ts));

  year   := EXTRACT(YEAR from ts);
  month  := EXTRACT(MONTH from ts);
  day    := EXTRACT(DAY from ts);
  hour   := EXTRACT(hour from ts);
  minute := EXTRACT(minute from ts);
  -- The MOD function and % operator are not defined for
  -- double precision, and EXTRACT(second from TS) doesn't
  -- keep faith with the C and Python impls that use doubles
  -- and invent precision.
  -- second := mod(unix_ts, 60.0::double precision);
  -- second := EXTRACT(second from ts);
  -- So we're left to do it ourself.
  second = unix_ts - floor(unix_ts / 60.0) * 60.0;


  a1 := (((year - 1900) * 12 + month - 1) * 31 + day - 1);
  a := (a1 * 24 + hour) *60 + minute;
  -- This is a magic constant; see _timestamp.c
  b1 := second / 1.3969838619232178e-08::numeric;
  -- CAST(AS INTEGER) rounds, but the C and Python TimeStamp
  -- simply truncate, and we must match them.
  b := TRUNC(b1);

  -- RAISE NOTICE 'year % month % day % hour % minute % second % ts %', year, month, day, hour, minute, second, ts;
  -- RAISE NOTICE 'a1 %, a %, b1 %, b %', a1, a, b1, b;
  tid_64 := (a << 32) + b;
  RETURN tid_64;
END;
$$;

-- COMMENT: FUNCTION make_tid_for_epoch(unix_ts double precision)
COMMENT ON FUNCTION public.make_tid_for_epoch(unix_ts double precision) IS '9d9238bae9f4f9b4d4aa24e09115daee';

-- FUNCTION: blob_chunk_delete_trigger()
CREATE FUNCTION public.blob_chunk_delete_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

-- COMMENT: FUNCTION blob_chunk_delete_trigger()
COMMENT ON FUNCTION public.blob_chunk_delete_trigger() IS '3f37c31eda159d95014454855a371bdd';

-- FUNCTION: lock_and_choose_tid()
CREATE FUNCTION public.lock_and_choose_tid() RETURNS bigint
    LANGUAGE plpgsql
    SET lock_timeout TO '600000'
    AS $$
DECLARE
  scratch BIGINT;
  current_tid_64 BIGINT;
  next_tid_64 BIGINT;
BEGIN
  -- In a history-free database, if we don't have a lock for the TID,
  -- we could potentially end up with multiple processes choosing the
  -- same TID (because there's no unique index on tids). As long as they were
  -- working with different objects, there would be no database error
  -- to indicate that the TIDs were the same, and a later view of the
  -- transaction would be incorrect (containing multiple distinct
  -- transactions).
  SELECT tid
  INTO scratch
  FROM commit_row_lock
  FOR UPDATE;

  SELECT COALESCE(MAX(tid), 0)
  INTO current_tid_64
  FROM object_state;

  next_tid_64 := make_current_tid();

  IF next_tid_64 <= current_tid_64 THEN
    next_tid_64 := current_tid_64 + 1;
  END IF;

  RETURN next_tid_64;
END;
$$;

-- COMMENT: FUNCTION lock_and_choose_tid()
COMMENT ON FUNCTION public.lock_and_choose_tid() IS 'c96c950fb5854ae80e1f5b9227456506';

-- FUNCTION: lock_and_choose_tid_and_move(bigint, boolean)
CREATE FUNCTION public.lock_and_choose_tid_and_move(p_committing_tid bigint, p_commit boolean) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF p_committing_tid IS NULL THEN
    p_committing_tid := lock_and_choose_tid();
  END IF;

  -- move_from_temp()
  -- First the state for objects
  -- TODO: We probably do not need to order the
  -- temp rows. The locks we need are already held.
  -- Skipping that appears to make a difference in plans and
  -- benchmarks. Confirm that and remove.
  INSERT INTO object_state (
    zoid,
    tid,
    state_size,
    state
  )
  SELECT zoid,
         p_committing_tid,
         COALESCE(LENGTH(state), 0),
         state
  FROM temp_store
  ORDER BY zoid
  ON CONFLICT (zoid) DO UPDATE SET
     tid = excluded.tid,
     state_size = excluded.state_size,
     state = excluded.state;

  -- Then blob chunks.
  DELETE FROM blob_chunk
  WHERE zoid IN (
    SELECT zoid FROM temp_store
  );

  INSERT INTO blob_chunk (
    zoid,
    tid,
    chunk_num,
    chunk
  )
  SELECT zoid, p_committing_tid, chunk_num, chunk
  FROM temp_blob_chunk;

  -- History free has no current_object to update.
  RETURN p_committing_tid;
END;
$$;

-- COMMENT: FUNCTION lock_and_choose_tid_and_move(p_committing_tid bigint, p_commit boolean)
COMMENT ON FUNCTION public.lock_and_choose_tid_and_move(p_committing_tid bigint, p_commit boolean) IS '8011e491a28c6d53ae79570a451f5310';

-- FUNCTION: lock_objects_and_detect_conflicts(bigint[], bigint[])
CREATE FUNCTION public.lock_objects_and_detect_conflicts(read_current_oids bigint[], read_current_tids bigint[]) RETURNS TABLE(zoid bigint, tid bigint, prev_tid bigint, committed_state bytea)
    LANGUAGE plpgsql
    AS $$
BEGIN

  -- lock in share should NOWAIT

  IF read_current_oids IS NOT NULL THEN
    -- readCurrent conflicts first so we don't waste time resolving
    -- state conflicts if we are going to fail the transaction. We only need to return
    -- the first conflict; it will immediately raise an exception.
    -- Up through PG12, RETURN QUERY does *NOT* stream to the client, it buffers
    -- everything. So we must manually break and not do the locking.

    -- Doing this in a single query takes some effort to make sure
    -- that the required rows all get locked. The optimizer is smart
    -- enough to push a <> condition from an outer query into a
    -- subquery. It is *not* smart enough to do the same with a CTE...
    -- ...prior to PG12. In PG12, CTEs can be inlined, and if it was,
    -- the same optimizer error would arise.
    --
    -- Fortunately, in PG12, "CTEs are automatically inlined if they
    -- have no side-effects, are not recursive, and are referenced
    -- only once in the query." The ``FOR SHARE`` clause counts as a
    -- side-effect, and so the CTE Is not inlined.

    -- Should this ever change, we could force the issue by using
    -- 'WITH ... AS MATERIALIZED' but that's not valid syntax before
    -- 12. (It also says recursive CTEs are not inlined, and that *is*
    -- valid on older versions, but this isn't actually a recursive
    -- query, even if we use that keyword, and I don't know if the
    -- keyword alone would be enough to fool it (the plan doesn't
    -- change on 11 when we use the keyword)).

    -- XXX: SELECT FOR SHARE does disk I/O! This can become expensive
    -- and possibly lead to database issues.
    -- See https://buttondown.email/nelhage/archive/22ab771c-25b4-4cd9-b316-31a86f737acc
    -- We document this in docs/postgresql/index.rst
    RETURN QUERY -- This just adds to the result table; a final bare ``RETURN`` actually ends execution
      WITH locked AS (
        SELECT object_state.zoid, object_state.tid, t.tid AS desired
        FROM object_state
        INNER JOIN unnest(read_current_oids, read_current_tids) t(zoid, tid)
          USING (zoid)
        ORDER BY zoid
        FOR SHARE NOWAIT
      )
      SELECT locked.zoid, locked.tid, NULL::BIGINT, NULL::BYTEA
      FROM locked WHERE locked.tid <> locked.desired
      LIMIT 1;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;

  -- Unlike MySQL, we can simply do the SELECT (with PERFORM) for its
  -- side effects to lock the rows.
  -- This one will block. (We set the PG configuration variable ``lock_timeout``
  -- from the ``commit-lock-timeout`` configuration variable to determine how long.)

  -- A note on the query: PostgreSQL will typcially choose a
  -- sequential scan on the temp_store table and do a nested loop join
  -- against the object_state_pkey index culminating in a sort after
  -- the join. This is the same whether we write a WHERE IN (SELECT)
  -- or a INNER JOIN. (This is without a WHERE prev_tid <> 0 clause.)

  -- That changes substantially if we ANALYZE the temp table;
  -- depending on the data, it might do an MERGE join with an index
  -- scan on temp_store_pkey (lots of data) or it might do a
  -- sequential scan and sort in memory before doing a MERGE join
  -- (little data). (Again without the WHERE prev_tid clause.)

  -- However, ANALYZE takes time, often more time than it takes to actually
  -- do the nested loop join.

  -- If we add a WHERE prev_tid clause, even if we ANALYZE, it will
  -- choose a sequential scan on temp_store with a FILTER. Given that most
  -- transactions contain relatively few objects, and that it would do a
  -- sequential scan /anyway/, this is fine, and worth it to avoid probing
  -- the main index for new objects.

  -- TODO: Is it worth doing partitioning and putting prev_tid = 0 in their own
  -- partition? prev_tid isn't the primary key, zoid is, though, and range
  -- partitioning has to include the primary key when there is one.

  PERFORM object_state.zoid
  FROM object_state
  INNER JOIN temp_store USING (zoid)
  WHERE temp_store.prev_tid <> 0
  ORDER BY object_state.zoid
  FOR UPDATE OF object_state;

  RETURN QUERY
  SELECT cur.zoid, cur.tid,
         temp_store.prev_tid, cur.state
  FROM object_state cur
  INNER JOIN temp_store USING (zoid)
  
  WHERE temp_store.prev_tid <> cur.tid;

  RETURN;

END;
$$;

-- COMMENT: FUNCTION lock_objects_and_detect_conflicts(read_current_oids bigint[], read_current_tids bigint[])
COMMENT ON FUNCTION public.lock_objects_and_detect_conflicts(read_current_oids bigint[], read_current_tids bigint[]) IS '19c68eab54729f53eed8b55b9a11fbf9';

-- FUNCTION: make_current_tid()
CREATE FUNCTION public.make_current_tid() RETURNS bigint
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$
  SELECT make_tid_for_epoch(
    EXTRACT(EPOCH FROM clock_timestamp())
  );
$$;

-- COMMENT: FUNCTION make_current_tid()
COMMENT ON FUNCTION public.make_current_tid() IS 'e9178e58c976ebe970e2bd3f96f7f14d';

-- FUNCTION: merge_blob_chunks()
CREATE FUNCTION public.merge_blob_chunks() RETURNS void
    LANGUAGE plpgsql
    AS $$
  -- Merge blob chunks into one entirely on the server.
DECLARE
  masterfd integer;
  masterloid oid;
  chunkfd integer;
  rec record;
  buf bytea;
BEGIN
  -- In history-free mode, zoid and chunk_num is the key.
  -- in history-preserving mode, zoid/tid/chunk_num is the key.
  -- for chunks, zoid and tid must always be used to look up the master.
  FOR rec IN SELECT zoid, tid, chunk_num, chunk
    FROM blob_chunk WHERE chunk_num > 0
    ORDER BY zoid, chunk_num LOOP
    -- Find the master and open it.
    SELECT chunk
    INTO STRICT masterloid
    FROM blob_chunk
    WHERE zoid = rec.zoid and tid = rec.tid AND chunk_num = 0;

    -- open master for writing
    SELECT lo_open(masterloid, 131072) -- 0x20000, AKA INV_WRITE
    INTO STRICT masterfd;

    -- position at the end
    PERFORM lo_lseek(masterfd, 0, 2);
    -- open the child for reading
    SELECT lo_open(rec.chunk, 262144) -- 0x40000 AKA INV_READ
    INTO STRICT chunkfd;
    -- copy the data
    LOOP
      SELECT loread(chunkfd, 8192)
      INTO buf;

      EXIT WHEN LENGTH(buf) = 0;

      PERFORM lowrite(masterfd, buf);
    END LOOP;
    -- close the files
    PERFORM lo_close(chunkfd);
    PERFORM lo_close(masterfd);

  END LOOP;

  -- Finally, remove the redundant chunks. Our trigger
  -- takes care of removing the large objects.
  DELETE FROM blob_chunk WHERE chunk_num > 0;

END;
$$;

-- COMMENT: FUNCTION merge_blob_chunks()
COMMENT ON FUNCTION public.merge_blob_chunks() IS '565f42eaa9c8150e27e131919d4c9379';

-- FUNCTION: temp_blob_chunk_delete_trigger()
CREATE FUNCTION public.temp_blob_chunk_delete_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

-- COMMENT: FUNCTION temp_blob_chunk_delete_trigger()
COMMENT ON FUNCTION public.temp_blob_chunk_delete_trigger() IS 'e95dcdc6dc7b6246134f47d629b63a0c';

-- TABLE: blob_chunk
CREATE TABLE public.blob_chunk (
    zoid bigint NOT NULL,
    chunk_num bigint NOT NULL,
    tid bigint NOT NULL,
    chunk oid NOT NULL
);

-- TABLE: commit_row_lock
CREATE TABLE public.commit_row_lock (
    tid bigint NOT NULL
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

-- CONSTRAINT: blob_chunk blob_chunk_pk
ALTER TABLE ONLY public.blob_chunk
    ADD CONSTRAINT blob_chunk_pk PRIMARY KEY (zoid, chunk_num);

-- CONSTRAINT: commit_row_lock commit_row_lock_pkey
ALTER TABLE ONLY public.commit_row_lock
    ADD CONSTRAINT commit_row_lock_pkey PRIMARY KEY (tid);

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

-- Rows RelStorage writes when it creates the schema
INSERT INTO public.commit_row_lock (tid) VALUES (0);
