package io.github.relstoragepacker.relstorage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Who holds, or waits for, RelStorage's commit and pack locks and our leader lock right now, read
 * from {@code pg_locks} and {@code pg_stat_activity}: the first thing to look at when commits stall
 * or a pack will not start. Reading takes no lock. Without {@code pg_read_all_stats}, PostgreSQL hides
 * other roles' client details; the sessions still show, with their process ids.
 */
public final class LockHolders {

    private LockHolders() {}

    /**
     * One session holding or waiting for one of the locks.
     *
     * @param lock commit, pack or leader
     * @param pid the backend's process id
     * @param granted true for the holder, false for a waiter
     * @param application its application_name ("relstorage-packer", Plone's, ...)
     * @param client its client address, when visible
     * @param user its role
     * @param transactionStart when its transaction began (how long it has held or waited); null for a
     *     session idle between transactions, as a holder of a session-level advisory lock often is
     * @param since since when it holds or waits: its transaction's start, else (a session lock held
     *     between transactions; PostgreSQL does not date locks) its session's start, the earliest it
     *     can have taken the lock
     */
    public record Holder(
            String lock,
            int pid,
            boolean granted,
            @Nullable String application,
            @Nullable String client,
            @Nullable String user,
            @Nullable Instant transactionStart,
            @Nullable Instant since) {}

    /** The sessions holding or waiting for the commit, pack and leader locks of {@code generation}. */
    public static List<Holder> read(Connection c, LockGeneration generation, @Nullable String schema, long leaderKey)
            throws SQLException {
        String commitRelation = switch (generation) {
            case TABLE_LOCK -> "commit_lock";
            case ROW_LOCK, ADVISORY_LOCK -> "commit_row_lock";
        };
        String sql = "SELECT CASE"
                + " WHEN l.locktype = 'relation' THEN 'commit'"
                + " WHEN ((l.classid::bigint << 32) | l.objid::bigint) = ? THEN 'commit'"
                + " WHEN ((l.classid::bigint << 32) | l.objid::bigint) = ? THEN 'pack'"
                + " ELSE 'leader' END AS lock,"
                + " l.pid, l.granted, a.application_name, host(a.client_addr), a.usename, a.xact_start,"
                + " coalesce(a.xact_start, a.backend_start)"
                + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ("
                + " (l.locktype = 'advisory' AND l.objsubid = 1"
                + " AND ((l.classid::bigint << 32) | l.objid::bigint) IN (?, ?, ?))"
                // 3.x's restore path and 3.0-3.5a3 commits hold commit_row_lock FOR UPDATE (RowShareLock);
                // 1.x/2.x hold commit_lock IN EXCLUSIVE MODE
                + " OR (l.locktype = 'relation' AND l.relation = to_regclass(quote_ident(?) || '.' || ?)"
                + " AND l.mode IN ('RowShareLock', 'ExclusiveLock')))"
                + " ORDER BY lock, l.granted DESC, a.xact_start";
        List<Holder> holders = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            long commitKey = generation == LockGeneration.ADVISORY_LOCK ? -1 : Long.MIN_VALUE;
            st.setLong(1, commitKey);
            st.setLong(2, generation.packLockKey());
            st.setLong(3, commitKey);
            st.setLong(4, generation.packLockKey());
            st.setLong(5, leaderKey);
            st.setString(6, schema == null ? "public" : schema);
            st.setString(7, commitRelation);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Timestamp start = rs.getTimestamp(7);
                    Timestamp since = rs.getTimestamp(8);
                    holders.add(new Holder(
                            rs.getString(1),
                            rs.getInt(2),
                            rs.getBoolean(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            start == null ? null : start.toInstant(),
                            since == null ? null : since.toInstant()));
                }
            }
        }
        return holders;
    }
}
