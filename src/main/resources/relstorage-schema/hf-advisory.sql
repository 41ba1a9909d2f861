-- RelStorage history-free (keep-history false) schema on PostgreSQL,
-- generation "advisory commit lock": RelStorage 3.5.0a4 .. 4.2.0.
--
-- Commit lock: pg_advisory_xact_lock(-1) inside lock_and_choose_tid().
-- Object locks at vote: pg_advisory_xact_lock(zoid) (lock_objects_and_detect_conflicts).
-- Pack lock: session-level pg_try_advisory_lock(-2).
--
-- Where each part comes from:
--   * Everything below is the real database written by RelStorage 4.2.0
--     (a database of the project's fixtures, `pg_dump -Fc`): `pg_restore -s`, with ownership
--     (ALTER ... OWNER TO), pg_dump's session SET / set_config lines and psql
--     \restrict lines removed. The one row RelStorage inserts at creation
--     (commit_row_lock: 0) is from `pg_restore -a -t commit_row_lock`.
--   * The same text is produced by zodb/relstorage tag 4.2.0:
--     src/relstorage/adapters/schema.py (table templates, history-free variants;
--     commit_row_lock row 0 in _init_after_create), src/relstorage/adapters/postgresql/schema.py
--     (zoid_seq, pack_object partial indexes, blob_chunk_delete trigger, function
--     install + COMMENT), src/relstorage/adapters/postgresql/procs/*.sql and procs/hf/*.sql
--     (function bodies; {CURRENT_OBJECT} = object_state, {OBJECT_STATE_NAME} = cur).
--   * COMMENT ON FUNCTION = md5 of the stripped .sql file. RelStorage compares these
--     checksums every time it prepares the schema and reinstalls functions that differ,
--     so the functions reflect the last RelStorage version that opened the database
--     with create-schema true, not the one that created it. The procs and their
--     checksums are identical at every tag from 3.5.0a4 to 4.2.0.
--
-- Changes to the dump: make_tid_for_epoch() is created before make_current_tid()
-- (a LANGUAGE sql body is checked at creation; pg_dump sorts by name and relies on
-- SET check_function_bodies = false, which this file does not set so that it leaves
-- no session state behind). Names are schema-qualified (public.), so the file does
-- not depend on search_path; the function bodies use unqualified names like RelStorage.
--
-- Runs with `psql -v ON_ERROR_STOP=1 -f` and as one JDBC Statement.execute():
-- no psql meta-commands, no SET.
--
-- Verified (PostgreSQL 15): `pg_dump -s` of a database built from this file is
-- identical to `pg_dump -s` of `pg_restore --no-owner -s pubfs.pgdump`, and to a
-- database prepared by running RelStorage 4.2.0's own schema installer.

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
  PERFORM pg_advisory_xact_lock(-1);

  SELECT COALESCE(MAX(tid), 0)
  INTO current_tid_64
  FROM object_state;

  next_tid_64 := make_current_tid();

  IF next_tid_64 <= current_tid_64 THEN
    next_tid_64 := current_tid_64 + 1;
  END IF;

  -- An alternate way to do this WITHOUT taking a global
  -- database lock is to store the highest seen TID
  -- (recall tids must monotonically increase) in a
  -- SEQUENCE. Then only this procedure needs to be locked,
  -- and the lock can quickly be released. That has a distinct
  -- advantage over a ``FOR UPDATE`` or table lock in that
  -- we can control releasing it completely server side,
  -- and theoretically gains us much more concurrency.
  /*
  PERFORM pg_advisory_lock(-1);

  SELECT COALESCE(MAX(tid), 0)
  INTO current_tid_64
  FROM object_state;

  next_tid_64 := make_current_tid();

  seq_tid_64 := nextval('rs_tid_seq');

  IF next_tid_64 <= current_tid_64 THEN
    next_tid_64 := current_tid_64 + 1;
  END IF;

  IF next_tid_64 <= seq_tid_64 THEN
      next_tid_64 := seq_tid_64 + 1;
  END IF;

  -- In general this next statement isn't safe, but
  -- so long as we *only* operate on this sequence in this
  -- block protected by the advisory lock, its fine.

  PERFORM setval('rs_tid_seq', next_tid_64);
  RAISE WARNING 'Using new tid %', next_tid_64;
  PERFORM pg_advisory_unlock(-1);
   */

  -- That needs some care taken in the _move procedure, though.
  -- Specifically, if I *just* used a sequence (and ignored make_current_tid()),
  -- and restored the ``ORDER BY zoid`` to the ``INSERT INTO object_state``
  -- statement, zodbshootout worked fine with high concurrency.
  -- But if I used the actual statement above, I got some unexpelainable
  -- RelStorage cache coherency errors, where a row was visible before it
  -- should be (apparently). This needs some thought.

  RETURN next_tid_64;
END;
$$;

-- COMMENT: FUNCTION lock_and_choose_tid()
COMMENT ON FUNCTION public.lock_and_choose_tid() IS '15d14781539ecde6159055992e9f869f';

-- FUNCTION: lock_and_choose_tid_and_move(bigint, boolean)
CREATE FUNCTION public.lock_and_choose_tid_and_move(p_committing_tid bigint, p_commit boolean) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF p_committing_tid IS NULL THEN
    p_committing_tid := lock_and_choose_tid();
  END IF;

  -- move_from_temp()
  -- First the state for objects.
  --
  -- We previously ordered the temp rows by zoid, presumably to avoid
  -- deadlock, but that's not necessary. The locks we need are
  -- already held. Skipping that appears to make a difference in plans
  -- and benchmarks for larger transactions.
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
COMMENT ON FUNCTION public.lock_and_choose_tid_and_move(p_committing_tid bigint, p_commit boolean) IS 'cdd2a18a14851273a0f88c9141d6e93e';

-- FUNCTION: lock_objects_and_detect_conflicts(bigint[], bigint[])
CREATE FUNCTION public.lock_objects_and_detect_conflicts(read_current_oids bigint[], read_current_tids bigint[]) RETURNS TABLE(zoid bigint, tid bigint, prev_tid bigint, committed_state bytea)
    LANGUAGE plpgsql
    AS $$
BEGIN

  -- Order matters here.
  --
  -- We've tried it both ways: Shared locks and then exclusive locks,
  -- or exclusive locks and then shared locks.
  --
  -- The shared-then-exclusive can fairly easily deadlock; this gets
  -- detected by PostgreSQL which kills one of the transactions to
  -- resolve the situation. How long it takes to find the deadlock is
  -- configurable (up to 1s by default, but typically it happens much
  -- faster because each involved PostgrSQL worker is checking in a
  -- slightly different schedule). Busy servers are sometimes
  -- configured to check less frequently, though. The killed transaction
  -- results in an unresolvable conflict and has to be retried. (There was
  -- going to be a conflict anyway, almost certainly a ReadConflictError,
  -- which is also unresolvable).
  --
  -- The other way, exclusive-then-shared, eliminates the deadlocks.
  -- However, in tests of a busy system, taking the exclusive locks
  -- first and then raising a ReadConflictError from the shared locks,
  -- actually made performance overall *worse*. The theory is that we
  -- spent more time waiting for locks we weren't going to be able to
  -- use anyway.
  --
  -- Thus, take shared locks first.

  IF read_current_oids IS NOT NULL THEN
    -- Caution: SELECT FOR SHARE does disk I/O! This can become expensive
    -- and possibly lead to database issues.
    -- See https://buttondown.email/nelhage/archive/22ab771c-25b4-4cd9-b316-31a86f737acc
    -- We document this in docs/postgresql/index.rst
    --
    -- Partly because of that, and because they benchmark SOOO much faster
    -- than row locks, we use transaction adisory locks, with the ZOID as the
    -- key. NOTE: advisory locks are per-database (not cluster/database server,
    -- named database within a server). This means that we cannot be used in
    -- multiple named *schemas* in a database. But that has never actually been
    -- supported.
    --
    -- Because there are ZODB tests that expect
    -- to get a ReadConflictError with an OID and TID in it
    -- (check_checkCurrentSerialInTransaction), we first run a check
    -- to see if there is definitely an issue. If there is, we just
    -- return. Only if we can't be sure do we go on and take out
    -- shared locks. We need to do this because if the shared locks detect a
    -- conflict, we want to immediately release those locks, and the only way to
    -- do that in PostgreSQL is to raise an exception (unlike MySQL we can't
    -- ROLLBACK the transaction).
    RETURN QUERY -- This just adds to the result table; a final bare ``RETURN`` actually ends execution
    SELECT object_state.zoid, object_state.tid, NULL::BIGINT, NULL::BYTEA
    FROM object_state
    INNER JOIN unnest(read_current_oids, read_current_tids) t(zoid, tid)
      USING (zoid)
    WHERE object_state.tid <> t.tid
    LIMIT 1;

    IF FOUND THEN
      RETURN;
    END IF;

    -- The inner query has side-effects, so it is guaranteed to execute.
    -- We can break if we actually fail to get a lock, and then immediately
    -- unlock by raising an exception.
    PERFORM got_it FROM (
      SELECT pg_try_advisory_xact_lock_shared(t.zoid) AS got_it
      FROM unnest(read_current_oids) t(zoid)
      ORDER BY t.zoid
    ) locked
    WHERE locked.got_it <> TRUE
    LIMIT 1;
    -- IF that failed to get a shared lock because it is being modified
    -- by another transaction, we need to bail immediately and release the locks
    -- without requiring Python to abort the transaction. Unfortunately,
    -- we have no way of knowing which lock we failed to get.
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'lock_not_available',
            HINT = 'readCurrent';
    END IF;

    RETURN QUERY
      SELECT object_state.zoid, object_state.tid, NULL::BIGINT, NULL::BYTEA
      FROM object_state
      INNER JOIN unnest(read_current_oids, read_current_tids) t(zoid, tid)
        USING (zoid)
      WHERE object_state.tid <> t.tid
      LIMIT 1;
    IF FOUND THEN
      -- We're holding shared locks here, so abort the transaction
      -- and release them; don't wait for Python to do it.
      -- Unfortunately, this means we lose the ability to report exactly the
      -- object that conflicted.
      RAISE EXCEPTION USING ERRCODE = 'lock_not_available',
            HINT = 'readCurrent';
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

  -- This either works or raises an exception.
  PERFORM pg_advisory_xact_lock(object_state.zoid)
  FROM object_state
  INNER JOIN temp_store USING(zoid)
  WHERE temp_store.prev_tid <> 0
  ORDER BY object_state.zoid;

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
COMMENT ON FUNCTION public.lock_objects_and_detect_conflicts(read_current_oids bigint[], read_current_tids bigint[]) IS 'ee076e814c3b707fe40d0df7e4bddad6';

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
