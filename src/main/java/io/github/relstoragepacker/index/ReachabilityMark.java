package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.KeyProbes;
import io.github.relstoragepacker.relstorage.Tids;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.BitSet;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks every indexed object reachable from the root (zoid 0) over the index's strong references and
 * records the rest in {@code packer.unreachable}.
 *
 * <p>The graph is read whole, in two sequential passes ({@link ReferenceGraph}: the zoids as a bitmap
 * when dense, 4 bytes per object and 4 per reference, about 10 bytes per object on a Plone site), then marked in memory
 * depth first: no round trip per frontier, no random reads of the index.
 *
 * <p>The poller goes on while the mark reads: the graph is read in one REPEATABLE READ snapshot, as of
 * its watermark W. The result is recorded with the index's write lock held, and then every commit the
 * poller applied after W is replayed against it as the poller would have ({@code ChangeApplier.RESCUE}):
 * an object rewritten after W, and every target of such an object, leaves the set with everything it
 * reaches inside it. So no object a later commit may have made reachable stays in the set.
 *
 * <p>An object already in {@code packer.unreachable} keeps its time: it has been unreachable ever
 * since, because every change that could have made it reachable removed it from the set. A new member
 * counts as unreachable since W (or since the build, should that be later), or since the exact time the
 * index knows for an unreferenced object.
 */
public final class ReachabilityMark {

    /**
     * What a mark found: of {@code objects} indexed, {@code reachable} from the root and {@code
     * unreachable} recorded, as of the index's {@code watermark}. A {@code reused} result is the last
     * mark's, still true: it counts only the unreachable set.
     */
    public record Result(long objects, long reachable, long unreachable, long watermark, boolean reused) {}

    private static final Logger log = LoggerFactory.getLogger(ReachabilityMark.class);

    private final IndexMaintainer index;

    public ReachabilityMark(IndexMaintainer index) {
        this.index = index;
    }

    /**
     * Marks and records; null when {@code stop} said so between two steps (nothing is recorded then).
     * When nothing was committed since the last mark (the watermark has not moved past it) and nothing
     * vanished behind the index's back, that mark's result still holds: the deletions since removed only
     * unreachable objects, which reach nothing reachable. The set is then reused as it is.
     */
    public @Nullable Result run(Connection c, BooleanSupplier stop) throws SQLException, IOException {
        c.setAutoCommit(false);
        long watermark;
        ReferenceGraph graph;
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            Result last = lastStillHolds(c);
            if (last != null) {
                c.commit();
                log.info(
                        "Mark: the last one still holds (nothing committed or vanished since tid {}), {} unreachable",
                        Tids.hex(last.watermark()),
                        last.unreachable());
                return last;
            }
            watermark = IndexState.read(c).watermark();
            graph = ReferenceGraph.read(c, stop);
            c.commit();
        } catch (SQLException | IOException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
        if (graph == null) {
            return null;
        }
        int root = graph.position(0L);
        if (root < 0) {
            // Without the root everything would look unreachable: never mark then.
            throw new IllegalStateException("the root object (zoid 0) is not in the index; refusing to mark");
        }
        BitSet marked = graph.reachableFrom(root);
        index.writes().lock();
        try {
            long unreachable = record(c, graph, marked, watermark);
            c.commit();
            log.info(
                    "Mark: {} of {} objects reachable, {} unreachable",
                    marked.cardinality(),
                    graph.size(),
                    unreachable);
            return new Result(graph.size(), marked.cardinality(), unreachable, watermark, false);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            index.writes().unlock();
        }
    }

    private long record(Connection c, ReferenceGraph graph, BitSet marked, long watermark) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_mark (zoid bigint) ON COMMIT DELETE ROWS");
            st.execute("DELETE FROM packer_mark");
        }
        long unreachable = 0;
        try (BinaryCopy copy = new BinaryCopy(c, "packer_mark", "zoid")) {
            for (int i = marked.nextClearBit(0); i < graph.size(); i = marked.nextClearBit(i + 1)) {
                copy.row(1).int8(graph.zoid(i));
                unreachable++;
            }
            copy.finish();
        }
        index.requireLeader(c);
        try (Statement st = c.createStatement()) {
            // each statement below runs once, in well under a second: compiling it would cost more
            st.execute("SET LOCAL jit = off");
            st.execute("ANALYZE packer_mark");
            st.execute(
                    "DELETE FROM packer.unreachable u WHERE NOT EXISTS (SELECT 1 FROM packer_mark m WHERE m.zoid = u.zoid)");
        }
        // The first mark after a build finds garbage that may be much older than the index: its time is
        // unknown, which only a pack asking for zodbpack's rule cares about (Eligibility).
        boolean first = single(c, "SELECT count(*) FROM packer.progress WHERE first_mark_tid IS NULL") > 0;
        // A new member became unreachable by a commit up to the watermark, or before the build: never count
        // it from earlier than the build (on a quiet database the watermark can be older than the build).
        // Objects that left the index since the snapshot (deleted, or seen vanished) have no row to join.
        try (Statement st = c.createStatement()) {
            // probes by key, a few per member: a hash join read all of packer.object and spilled it to disk
            st.execute(KeyProbes.SETTINGS);
        }
        try (PreparedStatement st =
                c.prepareStatement("INSERT INTO packer.unreachable (zoid, since_tid, history_unknown)"
                        + " SELECT m.zoid, COALESCE(r.since_tid, GREATEST(?, p.build_since_tid)), r.zoid IS NULL AND ?"
                        + " FROM packer_mark m JOIN packer.object o USING (zoid)"
                        + " LEFT JOIN packer.unreferenced r USING (zoid), packer.progress p"
                        + " ON CONFLICT (zoid) DO NOTHING")) {
            st.setLong(1, watermark);
            st.setBoolean(2, first);
            st.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            // the rescue below joins a recursive set, which has no index to probe
            st.execute("SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on");
        }
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE packer.progress SET first_mark_tid = COALESCE(first_mark_tid, ?), last_mark_tid = ?")) {
            st.setLong(1, watermark);
            st.setLong(2, watermark);
            st.executeUpdate();
        }
        rescueChangedSince(c, watermark);
        return unreachable;
    }

    /**
     * What the poller applied after the mark's snapshot, replayed against the new set: objects rewritten
     * after {@code watermark}, and every target of theirs, leave it with everything they reach in it. A
     * superset of the poller's own rescue (it sees all references of a rewritten object, not only the
     * added ones), so never less safe.
     */
    private static void rescueChangedSince(Connection c, long watermark) throws SQLException {
        if (IndexState.read(c).watermark() == watermark) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("WITH RECURSIVE changed AS MATERIALIZED ("
                + " SELECT zoid, refs FROM packer.object WHERE tid > ?),"
                + " rescued(zoid) AS (SELECT ch.zoid FROM changed ch JOIN packer.unreachable u ON u.zoid = ch.zoid"
                + " UNION SELECT t.to_zoid FROM changed ch CROSS JOIN LATERAL unnest(ch.refs) AS t(to_zoid)"
                + " JOIN packer.unreachable u ON u.zoid = t.to_zoid"
                + " UNION SELECT t.to_zoid FROM rescued r JOIN packer.object o ON o.zoid = r.zoid"
                + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer.unreachable u ON u.zoid = t.to_zoid)"
                + " DELETE FROM packer.unreachable WHERE zoid IN (SELECT zoid FROM rescued)")) {
            st.setLong(1, watermark);
            st.executeUpdate();
        }
    }

    /** The last mark's result when it still holds, as its unreachable set counts now; null otherwise. */
    private static @Nullable Result lastStillHolds(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT p.watermark, (SELECT count(*) FROM packer.unreachable)"
                        + " FROM packer.progress p WHERE p.last_mark_tid = p.watermark")) {
            return rs.next() ? new Result(0, 0, rs.getLong(2), rs.getLong(1), true) : null;
        }
    }

    /** Forgets the last mark: the next one reads the graph again. */
    static void invalidate(Statement st) throws SQLException {
        st.execute("UPDATE packer.progress SET last_mark_tid = NULL");
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
