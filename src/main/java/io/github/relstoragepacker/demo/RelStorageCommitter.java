package io.github.relstoragepacker.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Commits object states the way RelStorage 3.x and 4.x do, on one long-lived store session: fill the
 * session's {@code temp_store}, lock the objects ({@code lock_objects_and_detect_conflicts}), then
 * {@code lock_and_choose_tid_and_move}, which takes the commit lock, chooses the tid and moves the rows,
 * then COMMIT. Benchmarks use it as Plone's write load, so that the commit lock, the tid choice and
 * the row moves cost and contend exactly as in production. Not thread-safe: one per session.
 */
public final class RelStorageCommitter implements AutoCloseable {

    private final Connection session;
    private final PreparedStatement store;
    private final PreparedStatement lockObjects;
    private final PreparedStatement move;

    /** Takes over {@code session} (autocommit is turned off) and creates its temporary tables. */
    public RelStorageCommitter(Connection session) throws SQLException {
        this.session = Objects.requireNonNull(session, "session must not be null");
        session.setAutoCommit(false);
        try (Statement st = session.createStatement()) {
            st.execute("CREATE TEMPORARY TABLE IF NOT EXISTS temp_store (zoid BIGINT NOT NULL PRIMARY KEY,"
                    + " prev_tid BIGINT NOT NULL, md5 CHAR(32), state BYTEA) ON COMMIT DELETE ROWS");
            st.execute("CREATE TEMPORARY TABLE IF NOT EXISTS temp_blob_chunk (zoid BIGINT NOT NULL,"
                    + " chunk_num BIGINT NOT NULL, chunk OID, PRIMARY KEY (zoid, chunk_num)) ON COMMIT DELETE ROWS");
        }
        session.commit();
        store = session.prepareStatement("INSERT INTO temp_store (zoid, prev_tid, md5, state) VALUES (?, ?, NULL, ?)");
        lockObjects = session.prepareStatement("SELECT * FROM lock_objects_and_detect_conflicts(NULL, NULL)");
        move = session.prepareStatement("SELECT lock_and_choose_tid_and_move(NULL, true)");
    }

    /**
     * One transaction: {@code states} maps zoid to its new state. Each object's previous tid is the
     * one committed now (0 for a new object), as if the writer had just loaded it; conflicts reported
     * by RelStorage are ignored, the last writer wins. Returns the committed tid.
     */
    public long commit(Map<Long, byte[]> states) throws SQLException {
        try {
            Map<Long, Long> previous = currentTids(states.keySet().toArray(Long[]::new));
            for (Map.Entry<Long, byte[]> e : states.entrySet()) {
                store.setLong(1, e.getKey());
                store.setLong(2, previous.getOrDefault(e.getKey(), 0L));
                store.setBytes(3, e.getValue());
                store.addBatch();
            }
            store.executeBatch();
            lockObjects.executeQuery().close();
            long tid;
            try (ResultSet rs = move.executeQuery()) {
                rs.next();
                tid = rs.getLong(1);
            }
            session.commit();
            return tid;
        } catch (SQLException e) {
            session.rollback();
            throw e;
        }
    }

    private Map<Long, Long> currentTids(Long[] zoids) throws SQLException {
        Map<Long, Long> tids = new HashMap<>();
        try (PreparedStatement st =
                session.prepareStatement("SELECT zoid, tid FROM object_state WHERE zoid = ANY (?)")) {
            st.setArray(1, session.createArrayOf("bigint", zoids));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tids.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return tids;
    }

    @Override
    public void close() throws SQLException {
        session.close();
    }
}
