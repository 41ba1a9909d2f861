package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.HoldDeadline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a chunk of new object states to the index in one transaction, set-based, together with the
 * new watermark, so that the index and its watermark never disagree, whatever the moment of a crash.
 *
 * <ol>
 *   <li>The readable states go to a temporary table with COPY.
 *   <li>Edges dropped and added are the set differences between the recorded and the new references.
 *   <li>{@code packer.ref} loses the dropped edges and gains the added ones; {@code packer.object}
 *       takes the new states.
 *   <li>Targets that gained a referrer leave {@code packer.unreferenced}; indexed targets left without
 *       any enter it, since the tid of the change that dropped their last referrer; changed or new
 *       objects without a referrer enter it since their own tid (an existing entry keeps its older
 *       time).
 *   <li>An unreadable state keeps the object's last known references (its edges stay, so nothing it
 *       referenced looks unreferenced) and quarantines it; a readable one lifts the quarantine.
 *   <li>Objects of {@code packer.unreachable} that gained a referrer or were rewritten leave it, with
 *       everything they reach inside it ({@link #RESCUE}).
 * </ol>
 *
 * Applying the same state twice changes nothing, which is what lets a poll or a build be redone.
 */
final class ChangeApplier {

    /** Edges a change or a deletion drops, per transaction. */
    static final String DROPPED_TABLE =
            "CREATE TEMP TABLE IF NOT EXISTS packer_dropped (to_zoid bigint, from_zoid bigint) ON COMMIT DELETE ROWS";

    private static final String[] SETUP = {
        "CREATE TEMP TABLE IF NOT EXISTS packer_changed (zoid bigint PRIMARY KEY, tid bigint NOT NULL,"
                + " state_size integer NOT NULL, class_id integer NOT NULL, refs bigint[]) ON COMMIT DELETE ROWS",
        DROPPED_TABLE,
        "CREATE TEMP TABLE IF NOT EXISTS packer_added (to_zoid bigint, from_zoid bigint) ON COMMIT DELETE ROWS",
    };

    /**
     * Objects of {@code packer.unreachable} that a change may have made reachable again: the targets of
     * added references and the rewritten objects, with everything they reach inside the set.
     */
    static final String RESCUE = "WITH RECURSIVE rescued(zoid) AS ("
            + " SELECT a.to_zoid FROM packer_added a JOIN packer.unreachable u ON u.zoid = a.to_zoid"
            + " UNION SELECT c.zoid FROM packer_changed c JOIN packer.unreachable u ON u.zoid = c.zoid"
            + " UNION SELECT t.to_zoid FROM rescued r JOIN packer.object o ON o.zoid = r.zoid"
            + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer.unreachable u ON u.zoid = t.to_zoid)"
            + " DELETE FROM packer.unreachable WHERE zoid IN (SELECT zoid FROM rescued)";

    private static final String[] APPLY = {
        "INSERT INTO packer_dropped SELECT unnest(o.refs), o.zoid FROM packer.object o JOIN packer_changed c USING (zoid)"
                + " EXCEPT SELECT unnest(c.refs), c.zoid FROM packer_changed c",
        "INSERT INTO packer_added SELECT unnest(c.refs), c.zoid FROM packer_changed c"
                + " EXCEPT SELECT unnest(o.refs), o.zoid FROM packer.object o JOIN packer_changed c USING (zoid)",
        "DELETE FROM packer.ref r USING packer_dropped d WHERE r.to_zoid = d.to_zoid AND r.from_zoid = d.from_zoid",
        "INSERT INTO packer.ref (to_zoid, from_zoid) SELECT to_zoid, from_zoid FROM packer_added ON CONFLICT DO NOTHING",
        "INSERT INTO packer.object (zoid, tid, state_size, class_id, refs)"
                + " SELECT zoid, tid, state_size, class_id, refs FROM packer_changed ON CONFLICT (zoid) DO UPDATE"
                + " SET tid = excluded.tid, state_size = excluded.state_size, class_id = excluded.class_id,"
                + " refs = excluded.refs",
        "DELETE FROM packer.unreferenced u USING packer_added a WHERE u.zoid = a.to_zoid",
        "INSERT INTO packer.unreferenced (zoid, since_tid)"
                + " SELECT d.to_zoid, max(c.tid) FROM packer_dropped d JOIN packer_changed c ON c.zoid = d.from_zoid"
                + " WHERE d.to_zoid <> 0"
                + " AND EXISTS (SELECT 1 FROM packer.object o WHERE o.zoid = d.to_zoid)"
                + " AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = d.to_zoid)"
                + " GROUP BY d.to_zoid ON CONFLICT (zoid) DO NOTHING",
        "INSERT INTO packer.unreferenced (zoid, since_tid) SELECT c.zoid, c.tid FROM packer_changed c"
                + " WHERE c.zoid <> 0 AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = c.zoid)"
                + " ON CONFLICT (zoid) DO NOTHING",
        "DELETE FROM packer.quarantine q USING packer_changed c WHERE q.zoid = c.zoid",
        RESCUE,
    };

    private final ClassRegistry classes;

    ChangeApplier(ClassRegistry classes) {
        this.classes = classes;
    }

    /**
     * Applies {@code chunk} and moves the watermark forward to {@code watermark}, in the caller's
     * transaction, every statement within {@code deadline}.
     */
    void apply(Connection c, List<ScannedObject> chunk, long watermark, HoldDeadline deadline) throws SQLException {
        List<ScannedObject> unreadable = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            // The temporary tables have no statistics: estimates pass jit_above_cost, and compiling would
            // take hundreds of milliseconds for statements that run in a few.
            st.execute("SET LOCAL jit = off");
            for (String sql : SETUP) {
                st.execute(sql);
            }
            deadline.limit(c);
            try (ObjectRowCopy copy = new ObjectRowCopy(c, "packer_changed")) {
                for (ScannedObject object : chunk) {
                    if (object.unreadable() == null) {
                        copy.add(object, classes.idOf(object.className()));
                    } else {
                        unreadable.add(object);
                    }
                }
                copy.finish();
            }
            for (String sql : APPLY) {
                deadline.limit(c);
                st.execute(sql);
            }
        }
        deadline.limit(c);
        applyUnreadable(c, unreadable);
        deadline.limit(c);
        try (PreparedStatement st =
                c.prepareStatement("UPDATE packer.progress SET watermark = GREATEST(watermark, ?)")) {
            st.setLong(1, watermark);
            st.executeUpdate();
        }
    }

    private static void applyUnreadable(Connection c, List<ScannedObject> unreadable) throws SQLException {
        if (unreadable.isEmpty()) {
            return;
        }
        try (PreparedStatement rescue = c.prepareStatement("DELETE FROM packer.unreachable WHERE zoid = ?")) {
            for (ScannedObject o : unreadable) {
                rescue.setLong(1, o.zoid());
                rescue.addBatch();
            }
            rescue.executeBatch();
        }
        try (PreparedStatement object = c.prepareStatement("INSERT INTO packer.object"
                        + " (zoid, tid, state_size, class_id, refs) VALUES (?, ?, ?, 0, NULL)"
                        + " ON CONFLICT (zoid) DO UPDATE SET tid = excluded.tid, state_size = excluded.state_size");
                PreparedStatement orphan = c.prepareStatement("INSERT INTO packer.unreferenced (zoid, since_tid)"
                        + " SELECT ?, ? WHERE ? <> 0 AND NOT EXISTS (SELECT 1 FROM packer.ref WHERE to_zoid = ?)"
                        + " ON CONFLICT (zoid) DO NOTHING")) {
            for (ScannedObject o : unreadable) {
                object.setLong(1, o.zoid());
                object.setLong(2, o.tid());
                object.setInt(3, o.stateSize());
                object.addBatch();
                orphan.setLong(1, o.zoid());
                orphan.setLong(2, o.tid());
                orphan.setLong(3, o.zoid());
                orphan.setLong(4, o.zoid());
                orphan.addBatch();
            }
            object.executeBatch();
            orphan.executeBatch();
        }
        Quarantine.record(c, unreadable);
    }
}
