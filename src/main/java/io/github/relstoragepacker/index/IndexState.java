package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The row of {@code packer.progress}: where the index stands.
 *
 * @param phase empty (never built), building (ranges being loaded) or ready (kept up to date by the poller)
 * @param watermark every change with a tid up to this one is in the index
 * @param buildSnapshotTid {@code MAX(object_state.tid)} when the build began
 * @param buildSinceTid the wall-clock time the build began, as a tid (at least {@code buildSnapshotTid}):
 *     garbage whose unlinking the index did not see counts its grace from here
 */
record IndexState(Phase phase, long watermark, long buildSnapshotTid, long buildSinceTid) {

    enum Phase {
        EMPTY,
        BUILDING,
        READY
    }

    static IndexState read(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT phase, watermark, COALESCE(build_snapshot_tid, 0), COALESCE(build_since_tid, 0)"
                                + " FROM packer.progress")) {
            rs.next();
            return new IndexState(
                    Phase.valueOf(rs.getString(1).toUpperCase(Locale.ROOT)),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4));
        }
    }
}
