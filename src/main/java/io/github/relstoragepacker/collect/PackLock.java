package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.LockGeneration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * RelStorage's own pack lock (session-level advisory lock -2, or 1 before 3.5.0a4), held on a
 * dedicated session for as long as a collection run works, so that zodbpack and we exclude each other.
 * Taken before the commit lock, in RelStorage's order.
 */
final class PackLock implements AutoCloseable {

    private final Connection session;
    private final long key;

    private PackLock(Connection session, long key) {
        this.session = session;
        this.key = key;
    }

    /** The held lock, or null when another session (zodbpack, another packer) holds it. */
    static PackLock tryAcquire(DataSource dedicatedSessions, LockGeneration generation) throws SQLException {
        Connection session = dedicatedSessions.getConnection();
        try (PreparedStatement st = session.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            st.setLong(1, generation.packLockKey());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return new PackLock(session, generation.packLockKey());
                }
            }
        } catch (SQLException e) {
            session.close();
            throw e;
        }
        session.close();
        return null;
    }

    /**
     * Fails unless the lock's session is still alive (a session that ended released the lock, so that
     * zodbpack could start); a lost connection, which the caller may try again after.
     */
    void requireHeld() throws SQLException {
        if (!session.isValid(5)) {
            throw new SQLException("RelStorage's pack lock was lost with its session", "08003");
        }
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement st = session.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            st.setLong(1, key);
            st.execute();
        } finally {
            session.close();
        }
    }
}
