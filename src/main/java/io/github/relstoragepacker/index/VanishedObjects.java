package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.ObjectStateReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Removes from the index the objects that left {@code object_state} behind its back (deleted by
 * zodbpack or by hand: history-free deletions leave no trace a poll could see).
 *
 * <p>Oids are never reused, so an indexed zoid missing from {@code object_state} is gone for good. Its
 * edges go with it; targets it leaves without a referrer become unreferenced since the current
 * watermark, the earliest time we can vouch for (later than the real deletion, so never too early).
 * Runs between polls, in one transaction.
 */
final class VanishedObjects {

    private final String objectState;
    private final LeaderLock leader;

    VanishedObjects(String relstorageSchema, LeaderLock leader) {
        this.objectState = ObjectStateReader.table(relstorageSchema);
        this.leader = leader;
    }

    /** Returns the number of objects removed from the index. */
    int remove(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            leader.requireHeld(c);
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_gone (zoid bigint PRIMARY KEY, refs bigint[])"
                    + " ON COMMIT DELETE ROWS");
            int gone = st.executeUpdate("INSERT INTO packer_gone SELECT o.zoid, o.refs FROM packer.object o"
                    + " WHERE NOT EXISTS (SELECT 1 FROM " + objectState + " s WHERE s.zoid = o.zoid)");
            if (gone > 0) {
                st.execute("DELETE FROM packer.ref r USING (SELECT unnest(refs) AS to_zoid, zoid FROM packer_gone) g"
                        + " WHERE r.to_zoid = g.to_zoid AND r.from_zoid = g.zoid");
                st.execute("DELETE FROM packer.object o USING packer_gone g WHERE o.zoid = g.zoid");
                st.execute("DELETE FROM packer.unreferenced u USING packer_gone g WHERE u.zoid = g.zoid");
                st.execute("DELETE FROM packer.quarantine q USING packer_gone g WHERE q.zoid = g.zoid");
                st.execute("DELETE FROM packer.unreachable u USING packer_gone g WHERE u.zoid = g.zoid");
                st.execute("INSERT INTO packer.unreferenced (zoid, since_tid)"
                        + " SELECT DISTINCT t.to_zoid, p.watermark FROM packer_gone g, unnest(g.refs) AS t(to_zoid),"
                        + " packer.progress p WHERE t.to_zoid <> 0"
                        + " AND EXISTS (SELECT 1 FROM packer.object o WHERE o.zoid = t.to_zoid)"
                        + " AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = t.to_zoid)"
                        + " ON CONFLICT (zoid) DO NOTHING");
            }
            c.commit();
            return gone;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }
}
