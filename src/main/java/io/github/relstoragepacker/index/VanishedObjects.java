package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.ObjectStateReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from the index the objects that left {@code object_state} behind its back (deleted by
 * zodbpack or by hand: history-free deletions leave no trace a poll could see).
 *
 * <p>Oids are never reused, so an indexed zoid missing from {@code object_state} is gone for good. Its
 * edges go with it; targets it leaves without a referrer become unreferenced since now (or the
 * watermark, should that be later): the deletion left no tid, and on a quiet database the watermark
 * can be days older than it, so only the time it was noticed is never too early. Runs between polls,
 * in one transaction.
 */
final class VanishedObjects {

    private static final Logger log = LoggerFactory.getLogger(VanishedObjects.class);

    private final String objectState;
    private final LeaderLock leader;

    VanishedObjects(String relstorageSchema, LeaderLock leader) {
        this.objectState = ObjectStateReader.table(relstorageSchema);
        this.leader = leader;
    }

    /**
     * How long until a look for vanished objects is due, by the database's clock: zero when it is (never
     * looked, or {@code interval} passed since the last look or since the build began, which read
     * object_state after that).
     */
    static Duration untilDue(Connection c, Duration interval) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT EXTRACT(EPOCH FROM now() - GREATEST(reconciled_at,"
                        + " build_started_at)) FROM packer.progress")) {
            rs.next();
            double seconds = rs.getDouble(1);
            if (rs.wasNull()) {
                return Duration.ZERO;
            }
            Duration left = interval.minusNanos((long) (seconds * 1e9));
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    /**
     * Removes what vanished, noticed at {@code nowTid}, when a look is due ({@link #untilDue}); returns how
     * long until the next one is.
     */
    Duration removeIfDue(Connection c, Duration interval, long nowTid) throws SQLException {
        Duration wait = untilDue(c, interval);
        if (!wait.isZero()) {
            return wait;
        }
        int gone = remove(c, nowTid);
        if (gone > 0) {
            log.info("Removed {} objects deleted outside relstorage-packer from the index", gone);
        }
        return interval;
    }

    /** Removes what vanished, noticed at {@code nowTid}; returns the number of objects removed from the index. */
    int remove(Connection c, long nowTid) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement();
                PreparedStatement vanished = c.prepareStatement("INSERT INTO packer_forgotten"
                        + " SELECT o.zoid, GREATEST(p.watermark, ?), o.refs FROM packer.object o, packer.progress p"
                        + " WHERE NOT EXISTS (SELECT 1 FROM " + objectState + " s WHERE s.zoid = o.zoid)"
                        // a deletion batch's own, which its follow-up forgets with their "since"
                        + " AND NOT EXISTS (SELECT 1 FROM packer.deleted d WHERE d.zoid = o.zoid)")) {
            leader.requireHeld(c);
            st.execute(ForgottenObjects.TABLE);
            vanished.setLong(1, nowTid);
            int gone = vanished.executeUpdate();
            st.execute("UPDATE packer.progress SET reconciled_at = now()");
            if (gone > 0) {
                st.execute("DELETE FROM packer.object o USING packer_forgotten g WHERE o.zoid = g.zoid");
                ForgottenObjects.drop(st);
                // one of them may have been reachable (a deletion by hand): what it reached needs a mark
                ReachabilityMark.invalidate(st);
            }
            c.commit();
            return gone;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }
}
