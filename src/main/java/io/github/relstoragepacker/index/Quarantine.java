package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Records objects whose state cannot be read. A new state (another tid) replaces the reason and
 * withdraws an operator's acceptance, which was given for the old state only.
 */
final class Quarantine {

    private Quarantine() {}

    static void record(Connection c, List<ScannedObject> unreadable) throws SQLException {
        if (unreadable.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer.quarantine (zoid, tid, reason)"
                + " VALUES (?, ?, ?) ON CONFLICT (zoid) DO UPDATE SET tid = excluded.tid, reason = excluded.reason,"
                + " detected_at = CASE WHEN quarantine.tid = excluded.tid THEN quarantine.detected_at ELSE now() END,"
                + " accepted_at = CASE WHEN quarantine.tid = excluded.tid THEN quarantine.accepted_at END,"
                + " accepted_by = CASE WHEN quarantine.tid = excluded.tid THEN quarantine.accepted_by END")) {
            for (ScannedObject object : unreadable) {
                st.setLong(1, object.zoid());
                st.setLong(2, object.tid());
                st.setString(3, object.unreadable());
                st.addBatch();
            }
            st.executeBatch();
        }
    }
}
