package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The index's garbage as a collection run sees it at its start: whether anything is quarantined (then
 * nothing is deleted), the eligibility cutoff, the cycle candidates (the temporary table {@code
 * packer_candidate}: members of {@code packer.unreachable} old enough and not reached by a younger
 * member, whose re-link within its grace would need them), a first count of the cascades' roots, what
 * a dry run would delete by class, and the garbage a hold on blob removal keeps. Every statement runs
 * on the caller's connection, in its transaction.
 */
public final class GarbageSets {

    private GarbageSets() {}

    /** Why nothing may be deleted now: objects whose state cannot be read; null when none is. */
    public static @Nullable String quarantineHold(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT count(*), min(zoid) FROM packer.quarantine WHERE accepted_at IS NULL")) {
            rs.next();
            long count = rs.getLong(1);
            return count == 0
                    ? null
                    : count + " object(s) cannot be read (first: zoid " + rs.getLong(2) + "); their references are"
                            + " unknown. Fix the object or accept the risk for it; see packer.quarantine.";
        }
    }

    /** Garbage owning blob files (pending in either set), which the hold on blob removal keeps. */
    public static long heldBlobGarbage(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM packer.object o WHERE o.class_id = "
                        + IndexSchema.BLOB_CLASS_ID
                        + " AND (EXISTS (SELECT 1 FROM packer.unreferenced u WHERE u.zoid = o.zoid)"
                        + " OR EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = o.zoid))"
                        + " AND NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = o.zoid)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static Eligibility eligibility(
            Connection c, long cutoff, boolean objectTidForUnknownHistory, boolean blobHold) throws SQLException {
        return new Eligibility(
                cutoff, objectTidForUnknownHistory, IndexState.read(c).buildSinceTid(), blobHold);
    }

    /** Cycle candidates: old enough, and not reached by a younger unreachable object. */
    public static long prepareCandidates(Connection c, Eligibility cutoff) throws SQLException {
        c.setAutoCommit(false);
        try {
            long candidates = insertCandidates(c, cutoff);
            c.commit();
            return candidates;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static long insertCandidates(Connection c, Eligibility cutoff) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_candidate (zoid bigint PRIMARY KEY)");
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_tainted (zoid bigint PRIMARY KEY)");
            st.execute("TRUNCATE packer_candidate, packer_tainted");
            // statements that run once per collection run: on a first mark's garbage, compiling them cost
            // about as much as running them
            st.execute("SET LOCAL jit = off");
        }
        // The tainted set goes into a table of its own first: as a recursive CTE beside the candidates its
        // size was guessed at a hundred million rows, and the anti-join spilled every candidate to disk.
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer_tainted"
                + " WITH RECURSIVE tainted(zoid) AS ("
                + " SELECT y.zoid FROM packer.unreachable y JOIN packer.object yo USING (zoid)"
                + " WHERE NOT " + cutoff.sql("y", "yo", true)
                + " UNION SELECT t.to_zoid FROM tainted x JOIN packer.object o ON o.zoid = x.zoid"
                + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer.unreachable u ON u.zoid = t.to_zoid)"
                + " SELECT zoid FROM tainted")) {
            cutoff.bind(st, 1);
            st.executeUpdate();
        }
        try (Statement analyze = c.createStatement()) {
            analyze.execute("ANALYZE packer_tainted");
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer_candidate"
                // the object row is read only when the condition needs it: on a first mark's garbage the
                // join cost a third of the statement
                + " SELECT u.zoid FROM packer.unreachable u"
                + (cutoff.readsObject() ? " JOIN packer.object uo USING (zoid)" : "")
                + " WHERE " + cutoff.sql("u", "uo", true) + cutoff.notHeld("u", "uo") + " AND u.zoid <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM packer_tainted t WHERE t.zoid = u.zoid)")) {
            cutoff.bind(st, 1);
            long candidates = st.executeUpdate();
            try (Statement analyze = c.createStatement()) {
                analyze.execute("ANALYZE packer_candidate");
            }
            return candidates;
        }
    }

    /** A first estimate of the cascades: their roots; what hangs below them shows up as they go. */
    public static long eligibleUnreferenced(Connection c, Eligibility cutoff) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM packer.unreferenced u"
                + " JOIN packer.object o USING (zoid) WHERE " + cutoff.sql("u", "o", false) + cutoff.notHeld("u", "o")
                + " AND u.zoid <> 0 AND NOT EXISTS (SELECT 1 FROM packer_candidate pc WHERE pc.zoid = u.zoid)")) {
            cutoff.bind(st, 1);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** What the cycle candidates are, by class name: what a dry run reports. */
    public static Map<String, ClassTotal> candidatesByClass(Connection c) throws SQLException {
        Map<String, ClassTotal> classes = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT COALESCE(NULLIF(k.name, ''), '(unknown)'), count(*), sum(o.state_size)"
                                + " FROM packer_candidate pc JOIN packer.object o USING (zoid) JOIN packer.class k ON k.id = o.class_id"
                                + " GROUP BY 1")) {
            while (rs.next()) {
                classes.put(rs.getString(1), new ClassTotal(rs.getLong(2), rs.getLong(3)));
            }
        }
        return classes;
    }

    /**
     * Up to {@code size} objects, at random, that the last mark found reachable (not in {@code
     * packer.unreachable}), with their current states: rewriting one with its own state changes no
     * reference.
     */
    public static Map<Long, byte[]> reachableSample(Connection c, int size) throws SQLException {
        Map<Long, byte[]> sample = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT s.zoid, s.state FROM object_state s"
                + " WHERE s.state IS NOT NULL AND s.zoid <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = s.zoid)"
                + " ORDER BY random() LIMIT ?")) {
            st.setInt(1, size);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    sample.put(rs.getLong(1), rs.getBytes(2));
                }
            }
        }
        return sample;
    }
}
