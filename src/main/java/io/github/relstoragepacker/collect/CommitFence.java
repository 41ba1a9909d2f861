package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.HoldDeadline;
import io.github.relstoragepacker.relstorage.LockGeneration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

/**
 * Takes RelStorage's commit lock of one generation inside the caller's transaction, only ever with a
 * non-blocking form, retried with a jittered exponential back-off: Plone commits never queue behind
 * us, we queue behind them (docs/relstorage.md §2). The lock is released by the transaction's end.
 *
 * <ul>
 *   <li>3.5.0a4 and later: {@code pg_try_advisory_xact_lock(-1)}, then also the row lock below, which
 *       RelStorage's {@code restore()} path (zodbconvert into a live database) still takes;
 *   <li>3.0 to 3.5.0a3: {@code SELECT tid FROM commit_row_lock FOR UPDATE SKIP LOCKED};
 *   <li>1.x/2.x: {@code LOCK TABLE commit_lock IN EXCLUSIVE MODE NOWAIT}.
 * </ul>
 */
final class CommitFence {

    private static final long FIRST_BACKOFF_NANOS = Duration.ofMillis(2).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofMillis(200).toNanos();

    private final LockGeneration generation;

    CommitFence(LockGeneration generation) {
        this.generation = generation;
    }

    /**
     * Tries until {@code maxWait} has passed or {@code stop} says so. {@code indexWrites}, held on entry,
     * is released while backing off and held again before the next attempt, so that the poller never
     * waits for the commit lock; the follow-up {@code beside} the batch, which writes the index on the
     * lock holder's behalf, ends before the lock is released. Returns the number of busy attempts before
     * success, or -1 when the lock could not be had (or the run was asked to stop); {@code indexWrites}
     * is held on return either way. The transaction must be open (autocommit off) and, after a failed
     * attempt, is rolled back.
     */
    int acquire(Connection transaction, Duration maxWait, Lock indexWrites, BatchFollowUp beside, BooleanSupplier stop)
            throws Exception {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long backoff = FIRST_BACKOFF_NANOS;
        for (int busy = 0; ; busy++) {
            if (stop.getAsBoolean()) {
                return -1;
            }
            if (tryOnce(transaction)) {
                return busy;
            }
            if (System.nanoTime() + backoff > deadline) {
                return -1;
            }
            long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            beside.awaitWithin(HoldDeadline.NONE);
            indexWrites.unlock();
            try {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            } finally {
                indexWrites.lock();
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    /**
     * A query for the number of sessions waiting for a lock this transaction holds: Plone commits queued
     * behind the fence, whichever generation's lock they wait for (advisory, table, or the transaction of
     * a row lock), and anyone else the batch's writes block.
     */
    static final String QUEUED = "WITH l AS MATERIALIZED (SELECT * FROM pg_locks)"
            + " SELECT count(*) FROM l w JOIN l h ON h.pid = pg_backend_pid() AND h.granted"
            + " AND w.locktype = h.locktype AND w.database IS NOT DISTINCT FROM h.database"
            + " AND w.relation IS NOT DISTINCT FROM h.relation AND w.page IS NOT DISTINCT FROM h.page"
            + " AND w.tuple IS NOT DISTINCT FROM h.tuple AND w.virtualxid IS NOT DISTINCT FROM h.virtualxid"
            + " AND w.transactionid IS NOT DISTINCT FROM h.transactionid"
            + " AND w.classid IS NOT DISTINCT FROM h.classid AND w.objid IS NOT DISTINCT FROM h.objid"
            + " AND w.objsubid IS NOT DISTINCT FROM h.objsubid"
            + " WHERE NOT w.granted AND w.pid <> pg_backend_pid()";

    private static boolean rowLock(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT tid FROM commit_row_lock FOR UPDATE SKIP LOCKED")) {
            return rs.next();
        }
    }

    private boolean tryOnce(Connection transaction) throws SQLException {
        try (Statement st = transaction.createStatement()) {
            switch (generation) {
                case ADVISORY_LOCK -> {
                    boolean locked;
                    try (ResultSet rs = st.executeQuery("SELECT pg_try_advisory_xact_lock(-1)")) {
                        rs.next();
                        locked = rs.getBoolean(1) && rowLock(st);
                    }
                    if (!locked) {
                        // an advisory transaction lock is only released by the transaction's end
                        transaction.rollback();
                    }
                    return locked;
                }
                case ROW_LOCK -> {
                    return rowLock(st);
                }
                case TABLE_LOCK -> {
                    try {
                        st.execute("LOCK TABLE commit_lock IN EXCLUSIVE MODE NOWAIT");
                        return true;
                    } catch (SQLException e) {
                        if (!"55P03".equals(e.getSQLState())) {
                            throw e;
                        }
                        transaction.rollback();
                        return false;
                    }
                }
                default -> throw new IllegalStateException("unknown generation " + generation);
            }
        }
    }
}
