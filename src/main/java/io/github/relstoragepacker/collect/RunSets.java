package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import io.github.relstoragepacker.index.IndexSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one collection run works from, read from the index at its start: whether anything is
 * quarantined (then nothing is deleted), the eligibility cutoff, the cycle candidates (the temporary
 * table {@code packer_candidate}: members of {@code packer.unreachable} old enough and not reached by a
 * younger member, whose re-link within its grace would need them), a first count of the cascades'
 * roots, what a dry run would delete by class, and the garbage a hold on blob removal keeps.
 */
final class RunSets {

    private RunSets() {}

    /** Why nothing may be deleted now: objects whose state cannot be read; null when none is. */
    static @Nullable String quarantineHold(Connection c) throws SQLException {
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
    static long heldBlobGarbage(Connection c) throws SQLException {
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

    static Eligibility eligibility(Connection c, long cutoff, boolean objectTidForUnknownHistory, boolean blobHold)
            throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(build_since_tid, 0) FROM packer.progress")) {
            rs.next();
            return new Eligibility(cutoff, objectTidForUnknownHistory, rs.getLong(1), blobHold);
        }
    }

    /** Cycle candidates: old enough, and not reached by a younger unreachable object. */
    static long prepareCandidates(Connection c, Eligibility cutoff) throws SQLException {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_candidate (zoid bigint PRIMARY KEY)");
            st.execute("TRUNCATE packer_candidate");
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer_candidate"
                + " WITH RECURSIVE tainted(zoid) AS ("
                + " SELECT y.zoid FROM packer.unreachable y JOIN packer.object yo USING (zoid)"
                + " WHERE NOT " + cutoff.sql("y", "yo", true)
                + " UNION SELECT t.to_zoid FROM tainted x JOIN packer.object o ON o.zoid = x.zoid"
                + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer.unreachable u ON u.zoid = t.to_zoid)"
                + " SELECT u.zoid FROM packer.unreachable u JOIN packer.object uo USING (zoid)"
                + " WHERE " + cutoff.sql("u", "uo", true) + cutoff.notHeld("u", "uo") + " AND u.zoid <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM tainted t WHERE t.zoid = u.zoid)")) {
            cutoff.bind(st, cutoff.bind(st, 1));
            long candidates = st.executeUpdate();
            try (Statement analyze = c.createStatement()) {
                analyze.execute("ANALYZE packer_candidate");
            }
            return candidates;
        }
    }

    /** A first estimate of the cascades: their roots; what hangs below them shows up as they go. */
    static long eligibleUnreferenced(Connection c, Eligibility cutoff) throws SQLException {
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

    static CollectionResult dryRun(Connection c, CollectionKind kind) throws SQLException {
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
        return CollectionResult.dryRun(kind, classes);
    }
}
