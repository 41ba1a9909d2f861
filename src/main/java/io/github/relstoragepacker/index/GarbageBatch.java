package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The index's side of a deletion batch: the session's temporary table {@code packer_batch} (zoid, the
 * tid and the "unreachable since" the index showed when the member was chosen, its state size, its
 * blob chunks, and where it came from: {@code 'u'} a cycle candidate, {@code 'r'} an unreferenced
 * root, {@code 'c'} below a root) and {@code packer_kept} (members taken out again), filled and
 * re-checked from the index's tables, and the journal {@code packer.deleted} of what was deleted.
 *
 * <p>Each statement probes the index tables by key for a batch of a few thousand rows; the caller
 * chooses the transaction, its session settings and its deadline.
 */
public final class GarbageBatch {

    private GarbageBatch() {}

    /** Creates the session's temporary tables; once per connection. */
    public static void prepare(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_batch (zoid bigint PRIMARY KEY, tid bigint NOT NULL,"
                    + " since_tid bigint NOT NULL, state_size bigint NOT NULL, chunks bigint NOT NULL DEFAULT 0,"
                    + " source \"char\" NOT NULL)");
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_kept (zoid bigint PRIMARY KEY)");
        }
    }

    /** Adds up to {@code size} cycle candidates ({@code packer_candidate}) after {@code cursor}, in zoid order. */
    public static void addCandidates(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        insert(
                c,
                "INSERT INTO packer_batch (zoid, tid, since_tid, state_size, source)"
                        + " SELECT u.zoid, o.tid, u.since_tid, o.state_size, 'u' FROM packer_candidate pc"
                        + " JOIN packer.unreachable u USING (zoid) JOIN packer.object o USING (zoid)"
                        + " WHERE " + cutoff.sql("u", "o", true) + cutoff.notHeld("u", "o")
                        + " AND u.zoid <> 0 AND pc.zoid > ? ORDER BY pc.zoid LIMIT ?",
                cutoff,
                cursor,
                size,
                false);
    }

    /** Adds up to {@code size} unreferenced objects old enough (roots) after {@code cursor}, in zoid order. */
    public static void addRoots(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        insert(
                c,
                "INSERT INTO packer_batch (zoid, tid, since_tid, state_size, source)"
                        + " SELECT u.zoid, o.tid, u.since_tid, o.state_size, 'r'" + rootsAfterCursor(cutoff),
                cutoff,
                cursor,
                size,
                false);
    }

    /**
     * Adds up to {@code size} objects: roots after {@code cursor} and below them every object whose only
     * referrer is already in the batch, so a chain or a tree goes in one batch rather than one level per
     * batch. A member below a root inherits the root's time: it became unreachable when its only
     * referrer did. The walk is one recursion level per statement iteration: bound it with a statement
     * timeout.
     */
    public static void addCascades(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        insert(
                c,
                "INSERT INTO packer_batch (zoid, tid, since_tid, state_size, source)"
                        + " WITH RECURSIVE roots AS MATERIALIZED (SELECT u.zoid, u.since_tid" + rootsAfterCursor(cutoff)
                        + "),"
                        // the only referrer of each object below is the one it was reached from, so the walk
                        // is a forest: it never meets an object twice, and never enters a cycle
                        + " below (zoid, since_tid, root) AS (SELECT zoid, since_tid, true FROM roots"
                        + " UNION ALL SELECT t.to_zoid, b.since_tid, false FROM below b"
                        + " JOIN packer.object o ON o.zoid = b.zoid CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid)"
                        + " WHERE t.to_zoid <> 0 AND t.to_zoid <> b.zoid"
                        + " AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = t.to_zoid"
                        + " AND r.from_zoid <> b.zoid)" + cutoff.notHeldZoid("t.to_zoid") + ")"
                        + " SELECT b.zoid, o.tid, b.since_tid, o.state_size, CASE WHEN b.root THEN 'r' ELSE 'c' END"
                        + " FROM (SELECT * FROM below LIMIT ?) b JOIN packer.object o USING (zoid)"
                        + " ON CONFLICT (zoid) DO NOTHING",
                cutoff,
                cursor,
                size,
                true);
    }

    /**
     * The roots of a cascade, as either choice takes them: unreferenced objects old enough and not held,
     * after the cursor ({@code ?}), in zoid order, at most {@code ?}; {@code u} and {@code o} name them.
     */
    private static String rootsAfterCursor(Eligibility cutoff) {
        return " FROM packer.unreferenced u JOIN packer.object o USING (zoid) WHERE " + cutoff.sql("u", "o", false)
                + cutoff.notHeld("u", "o") + " AND u.zoid <> 0 AND u.zoid > ? ORDER BY u.zoid LIMIT ?";
    }

    private static void insert(Connection c, String insert, Eligibility cutoff, long cursor, int size, boolean walk)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(insert)) {
            int next = cutoff.bind(st, 1);
            st.setLong(next, cursor);
            st.setInt(next + 1, size);
            if (walk) {
                st.setInt(next + 2, size);
            }
            st.executeUpdate();
        }
    }

    /**
     * Once the index caught up with commits since the choice: keeps the members a commit referenced (they
     * left their set), rewrote (their tid moved), or whose last referrer it dropped and re-added (their
     * time moved). Returns how many.
     */
    public static long keepChanged(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(
                    "WITH k AS (DELETE FROM packer_batch b WHERE NOT EXISTS (SELECT 1 FROM packer.object o"
                            + " WHERE o.zoid = b.zoid AND o.tid = b.tid AND CASE b.source"
                            + " WHEN 'u' THEN EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = b.zoid"
                            + " AND u.since_tid = b.since_tid)"
                            + " WHEN 'r' THEN EXISTS (SELECT 1 FROM packer.unreferenced u WHERE u.zoid = b.zoid"
                            + " AND u.since_tid = b.since_tid)"
                            + " ELSE true END) RETURNING b.zoid) INSERT INTO packer_kept SELECT zoid FROM k");
        }
    }

    /**
     * Keeps every member referenced from outside the batch (other than from the unreachable set, which no
     * reachable object references) or by a kept member, and everything those reach inside the batch: they
     * may be reachable. What is left has no referrer outside the batch but garbage.
     */
    public static void keepReferencedFromOutside(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("WITH RECURSIVE doubtful(zoid) AS (SELECT b.zoid FROM packer_batch b"
                    + " WHERE EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = b.zoid"
                    + " AND NOT EXISTS (SELECT 1 FROM packer_batch x WHERE x.zoid = r.from_zoid)"
                    + " AND (NOT EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = r.from_zoid)"
                    + " OR EXISTS (SELECT 1 FROM packer_kept k WHERE k.zoid = r.from_zoid)))"
                    + " UNION SELECT t.to_zoid FROM doubtful d JOIN packer.object o ON o.zoid = d.zoid"
                    + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer_batch b ON b.zoid = t.to_zoid),"
                    + " k AS (DELETE FROM packer_batch WHERE zoid IN (SELECT zoid FROM doubtful) RETURNING zoid)"
                    + " INSERT INTO packer_kept SELECT zoid FROM k ON CONFLICT DO NOTHING");
        }
    }

    /**
     * A data-modifying {@code WITH} item, {@code journal}, that records in the journal {@code
     * packer.deleted} the objects of the item {@code deleted} (columns {@code zoid, tid, since_tid}), the
     * rows a {@code DELETE FROM object_state ... RETURNING} of the same statement removed: the deletion
     * and its journal are one statement, under the commit lock. The index forgets the journal's objects
     * after the commit ({@link IndexMaintainer#forgetDeleted}).
     */
    public static String journalOf(String deleted) {
        return " journal AS (INSERT INTO packer.deleted (zoid, tid, since_tid) SELECT zoid, tid, since_tid FROM "
                + deleted + ")";
    }

    /** The index's watermark as this transaction sees it: the batch's rows are as of that commit. */
    public static long watermark(Connection c) throws SQLException {
        return IndexState.read(c).watermark();
    }

    /**
     * The journal's objects, deleted by committed batches the index has not forgotten yet, as {zoid,
     * tid} in zoid order.
     */
    public static List<long[]> journaled(Connection c) throws SQLException {
        List<long[]> deleted = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT zoid, tid FROM packer.deleted ORDER BY zoid")) {
            while (rs.next()) {
                deleted.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        return deleted;
    }
}
