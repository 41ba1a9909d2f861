-- The reference index of relstorage-packer, in its own schema beside RelStorage's tables.
-- RelStorage's object_ref, object_refs_added and pack_object belong to zodbpack and are never touched.

-- Every object of object_state the index has read, and the strong references read from it.
CREATE TABLE object (
    zoid       bigint  PRIMARY KEY,
    -- the object_state.tid whose state the references were read from
    tid        bigint  NOT NULL,
    state_size integer NOT NULL,
    class_id   integer NOT NULL,
    -- distinct strong references, sorted; NULL when none (or when unreadable: see quarantine)
    refs       bigint[]
);

-- The inverse of object.refs, one row per distinct (target, referrer) edge: "is X referenced?" and
-- "who references X?" are index scans, and no row is shared by the referrers of a popular object.
CREATE TABLE ref (
    to_zoid   bigint NOT NULL,
    from_zoid bigint NOT NULL
);

-- Objects (other than the root, zoid 0) that no strong reference points to, and since when:
-- the tid of the change that dropped the last referrer, an object's own tid when it was created
-- without one, or the build's snapshot tid when the history before the build is unknown.
CREATE TABLE unreferenced (
    zoid      bigint PRIMARY KEY,
    since_tid bigint NOT NULL
);

-- Objects whose state could not be read: their references are unknown, so nothing may be collected
-- until the state changes, or an operator accepts the risk for that object.
CREATE TABLE quarantine (
    zoid        bigint      PRIMARY KEY,
    tid         bigint      NOT NULL,
    reason      text        NOT NULL,
    detected_at timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    accepted_by text
);

-- Class names (module.Class of the class pickle), for statistics.
CREATE TABLE class (
    id   serial PRIMARY KEY,
    name text   NOT NULL UNIQUE
);
INSERT INTO class (id, name) VALUES (0, '');

-- Where the index stands: one row.
CREATE TABLE progress (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- 'empty', 'building' or 'ready'
    phase              text        NOT NULL,
    -- every change with tid <= watermark is in the index (ready), or will be read by the catch-up
    watermark          bigint      NOT NULL DEFAULT 0,
    -- MAX(object_state.tid) when the build began; the catch-up starts there
    build_snapshot_tid bigint,
    build_started_at   timestamptz,
    build_finished_at  timestamptz
);
INSERT INTO progress (phase) VALUES ('empty');

-- The zoid ranges of the initial build; a range is committed whole, with its rows, so a restarted
-- build only reads the ranges not done.
CREATE TABLE build_range (
    lo      bigint  PRIMARY KEY,
    hi      bigint  NOT NULL,
    done    boolean NOT NULL DEFAULT false,
    objects bigint  NOT NULL DEFAULT 0
);
