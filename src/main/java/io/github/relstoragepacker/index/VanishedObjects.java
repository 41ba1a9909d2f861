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
            st.execute(ForgottenObjects.TABLE);
            int gone = st.executeUpdate("INSERT INTO packer_forgotten SELECT o.zoid, p.watermark, o.refs"
                    + " FROM packer.object o, packer.progress p"
                    + " WHERE NOT EXISTS (SELECT 1 FROM " + objectState + " s WHERE s.zoid = o.zoid)");
            if (gone > 0) {
                st.execute("DELETE FROM packer.object o USING packer_forgotten g WHERE o.zoid = g.zoid");
                ForgottenObjects.drop(st);
            }
            c.commit();
            return gone;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }
}
