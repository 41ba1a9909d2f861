-- Collection state.

-- Objects found unreachable from the root by the last mark, and since when they are known to be
-- unreachable: the exact time for an unreferenced object, otherwise the watermark of the first mark
-- that found them. The poller removes an object, and everything it reaches inside this set, as soon
-- as a commit adds a reference to it or rewrites it ("rescue"); so the set stays closed under incoming
-- references, and an object still in it has been unreachable ever since it entered.
CREATE TABLE unreachable (
    zoid      bigint PRIMARY KEY,
    since_tid bigint NOT NULL
);

-- Blob directories (shared blob dir) of objects deleted in a committed transaction, waiting to be
-- removed from the filesystem: written in the transaction that deletes the objects, removed after the
-- files are gone, so that a crash in between neither leaks nor loses a directory.
-- tid is the deleted state's: a blob file newer than it belongs to a later commit and is never touched.
CREATE TABLE blob_outbox (
    zoid       bigint      PRIMARY KEY,
    tid        bigint      NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- What each collection run did, newest last.
CREATE TABLE collection_run (
    id            bigserial   PRIMARY KEY,
    kind          text        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    grace_seconds bigint      NOT NULL,
    dry_run       boolean     NOT NULL,
    outcome       text,
    objects       bigint      NOT NULL DEFAULT 0,
    bytes         bigint      NOT NULL DEFAULT 0,
    blobs         bigint      NOT NULL DEFAULT 0
);
