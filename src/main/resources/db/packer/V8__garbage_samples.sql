-- The status page's history: one row per statistics recount by the leader, kept 7 days (and at most
-- GarbageHistory.MAX_ROWS rows), so the charts survive a restart and a failover.
CREATE TABLE garbage_sample (
    at              timestamptz PRIMARY KEY,
    pending         bigint NOT NULL,
    pending_bytes   bigint NOT NULL,
    -- objects deleted by the leader since its previous sample (not a running total: it survives restarts)
    deleted         bigint NOT NULL,
    lag_seconds     double precision
);
