package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.DedicatedSessions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one instance the active one: a session-level advisory lock on {@value #KEY}, the negative of
 * "packer" in ASCII ({@code 0x7061636b6572}). Negative so that it can never be a zoid, which RelStorage
 * 3.5+ uses as the key of object locks, and different from RelStorage's own -1 (commit) and -2 (pack).
 *
 * <p>Standbys retry with the non-blocking form at every poll; PostgreSQL frees the lock when the
 * active instance's session ends, so a standby takes over within one poll interval of its death.
 * Every write transaction of the index first checks, in that same transaction, that the lock's session
 * still holds it ({@link #requireHeld}), so an instance that lost its lock cannot commit a change.
 *
 * <p>The lock's session must not come from a connection pool: a pooled connection "closed" by us
 * would go back to the pool with the lock still held. Give it an unpooled data source.
 */
final class LeaderLock implements AutoCloseable {

    static final long KEY = -0x7061636b6572L;

    private static final Logger log = LoggerFactory.getLogger(LeaderLock.class);

    private final DataSource dataSource;
    private @Nullable Connection session;
    private int backendPid;

    /** @param unpooled a data source whose connections are real sessions, closed when closed */
    LeaderLock(DataSource unpooled) {
        this.dataSource = unpooled;
    }

    /** A lock whose session is opened with the settings of {@code dataSource}, but outside its pool. */
    static LeaderLock over(DataSource dataSource) {
        return new LeaderLock(DedicatedSessions.of(dataSource));
    }

    /** Whether this instance is (or has just become) the active one. */
    synchronized boolean tryAcquire() throws SQLException {
        if (session != null) {
            if (session.isValid(5)) {
                return true;
            }
            log.warn("Lost the leader lock's session; another instance may take over");
            release();
        }
        Connection c = dataSource.getConnection();
        try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_lock(?), pg_backend_pid()")) {
            st.setLong(1, KEY);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.close();
                    return false;
                }
                backendPid = rs.getInt(2);
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        session = c;
        log.info("This instance is now the active one (advisory lock {} held by backend {})", KEY, backendPid);
        return true;
    }

    /**
     * An SQL condition, true while our lock session holds the lock, to check it inside a statement that
     * does more; {@code "false"} when no session holds it.
     */
    synchronized String heldCondition() {
        if (session == null) {
            return "false";
        }
        return "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = " + backendPid
                + " AND classid = " + (KEY >>> 32) + " AND objid = " + (KEY & 0xffff_ffffL) + " AND objsubid = 1)";
    }

    /** Fails the caller's transaction unless our lock session still holds the lock. */
    void requireHeld(Connection transaction) throws SQLException {
        int pid;
        synchronized (this) {
            if (session == null) {
                throw new SQLException("not the active instance: the leader lock is not held");
            }
            pid = backendPid;
        }
        try (PreparedStatement st = transaction.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pg_locks"
                        + " WHERE locktype = 'advisory' AND granted AND pid = ? AND classid = ? AND objid = ? AND objsubid = 1)")) {
            st.setInt(1, pid);
            st.setLong(2, KEY >>> 32);
            st.setLong(3, KEY & 0xffff_ffffL);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new SQLException("the leader lock was lost; refusing to write the index");
                }
            }
        }
    }

    synchronized boolean held() {
        return session != null;
    }

    synchronized void release() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException e) {
                log.debug("Closing the leader lock's session failed", e);
            }
            session = null;
        }
    }

    @Override
    public void close() {
        release();
    }
}
