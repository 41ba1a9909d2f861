package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.Tids;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Read-only questions about single objects and the whole graph, answered from the index (as of its
 * watermark): what an object is and who references it, a shortest path from the root, references to
 * objects that do not exist, and where the bytes are. Every answer comes from one snapshot, and every
 * list is bounded, so no question can exhaust memory, however large the database.
 */
@Component
public class ObjectInspector {

    private final DataSource dataSource;

    ObjectInspector(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One object as the index knows it.
     *
     * @param zoid its id
     * @param className module.Class of its class pickle, empty if unknown
     * @param size state bytes
     * @param tid the transaction that wrote its current state
     * @param references the objects its state references strongly (weak and cross-database ones are not edges)
     * @param referrers objects referencing it strongly, at most the limit asked for
     * @param referrerCount how many there are in all
     * @param reachability root, referenced (see the path), unreferenced or unreachable (since the last mark)
     * @param garbageSince for unreferenced and unreachable objects, since when, as the index knows it
     * @param quarantine why its state cannot be read, if it cannot
     */
    public record ObjectInfo(
            long zoid,
            String className,
            long size,
            long tid,
            List<Long> references,
            List<Long> referrers,
            long referrerCount,
            String reachability,
            @Nullable Instant garbageSince,
            @Nullable String quarantine) {

        public Instant tidTime() {
            return Tids.toInstant(tid);
        }
    }

    /** One object on a path: its id and class. */
    public record PathStep(long zoid, String className) {}

    /**
     * A shortest chain of strong references from the root to an object.
     *
     * @param found whether the root reaches the object
     * @param steps the chain, root first, the object last (empty unless found)
     * @param searched objects visited walking back from the object
     * @param complete false when the search stopped at its limit before it could decide
     */
    public record Path(boolean found, List<PathStep> steps, long searched, boolean complete) {}

    /**
     * A referenced object that does not exist: a POSKeyError waiting to happen.
     *
     * @param zoid the missing object
     * @param referrerCount objects referencing it
     * @param referrers some of them, at most ten
     */
    public record Dangling(long zoid, long referrerCount, List<Long> referrers) {}

    /** Instances and state bytes of one class. */
    public record ClassStats(String className, long objects, long bytes) {}

    /** One large object. */
    public record Sized(long zoid, String className, long size, long tid) {}

    /** The object {@code zoid}, or empty if the index does not hold it. */
    public Optional<ObjectInfo> object(long zoid, int maxReferrers) throws SQLException {
        try (Connection c = snapshot()) {
            try (PreparedStatement st = c.prepareStatement("SELECT k.name, o.state_size, o.tid, o.refs,"
                    + " (SELECT count(*) FROM packer.ref r WHERE r.to_zoid = o.zoid),"
                    + " (SELECT since_tid FROM packer.unreferenced u WHERE u.zoid = o.zoid),"
                    + " (SELECT since_tid FROM packer.unreachable u WHERE u.zoid = o.zoid),"
                    + " (SELECT reason FROM packer.quarantine q WHERE q.zoid = o.zoid)"
                    + " FROM packer.object o JOIN packer.class k ON k.id = o.class_id WHERE o.zoid = ?")) {
                st.setLong(1, zoid);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        c.commit();
                        return Optional.empty();
                    }
                    Long unreferenced = (Long) rs.getObject(6);
                    Long unreachable = (Long) rs.getObject(7);
                    String reachability = zoid == 0
                            ? "root"
                            : unreferenced != null
                                    ? "unreferenced"
                                    : unreachable != null ? "unreachable" : "referenced";
                    Long since = unreferenced != null ? unreferenced : unreachable;
                    ObjectInfo info = new ObjectInfo(
                            zoid,
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getLong(3),
                            longs(rs.getArray(4)),
                            referrers(c, zoid, maxReferrers),
                            rs.getLong(5),
                            reachability,
                            since == null ? null : Tids.toInstant(since),
                            rs.getString(8));
                    c.commit();
                    return Optional.of(info);
                }
            }
        }
    }

    /**
     * A shortest path from the root to {@code zoid}: a breadth-first walk backwards over {@code
     * packer.ref}, one set-based statement per level, visiting at most {@code maxVisited} objects.
     */
    public Path path(long zoid, int maxVisited) throws SQLException {
        try (Connection c = snapshot();
                Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE packer_path (zoid bigint PRIMARY KEY, via bigint, depth int NOT NULL)"
                    + " ON COMMIT DROP");
            try (PreparedStatement seed = c.prepareStatement(
                    "INSERT INTO packer_path SELECT zoid, NULL, 0 FROM packer.object WHERE zoid = ?")) {
                seed.setLong(1, zoid);
                if (seed.executeUpdate() == 0) {
                    c.commit();
                    return new Path(false, List.of(), 0, true);
                }
            }
            long visited = 1;
            try (PreparedStatement level = c.prepareStatement("INSERT INTO packer_path (zoid, via, depth)"
                    + " SELECT DISTINCT ON (r.from_zoid) r.from_zoid, r.to_zoid, ? FROM packer_path p"
                    + " JOIN packer.ref r ON r.to_zoid = p.zoid WHERE p.depth = ?"
                    + " ORDER BY r.from_zoid, r.to_zoid ON CONFLICT (zoid) DO NOTHING")) {
                for (int depth = 0; zoid != 0; depth++) {
                    if (reached(st)) {
                        break;
                    }
                    if (visited >= maxVisited) {
                        c.commit();
                        return new Path(false, List.of(), visited, false);
                    }
                    level.setInt(1, depth + 1);
                    level.setInt(2, depth);
                    int added = level.executeUpdate();
                    if (added == 0) {
                        c.commit();
                        return new Path(false, List.of(), visited, true);
                    }
                    visited += added;
                }
            }
            List<PathStep> steps = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("WITH RECURSIVE chain(zoid, via, n) AS ("
                    + " SELECT zoid, via, 0 FROM packer_path WHERE zoid = 0"
                    + " UNION ALL SELECT p.zoid, p.via, c.n + 1 FROM chain c JOIN packer_path p ON p.zoid = c.via)"
                    + " SELECT ch.zoid, k.name FROM chain ch JOIN packer.object o ON o.zoid = ch.zoid"
                    + " JOIN packer.class k ON k.id = o.class_id ORDER BY ch.n")) {
                while (rs.next()) {
                    steps.add(new PathStep(rs.getLong(1), rs.getString(2)));
                }
            }
            c.commit();
            return new Path(true, List.copyOf(steps), visited, true);
        }
    }

    /** Up to {@code limit} missing objects that something references, by zoid, and how many there are. */
    public DanglingReport dangling(int limit) throws SQLException {
        try (Connection c = snapshot();
                Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE packer_dangling ON COMMIT DROP AS"
                    + " SELECT r.to_zoid AS zoid, count(*) AS referrers,"
                    + " (array_agg(r.from_zoid ORDER BY r.from_zoid))[1:10] AS sample FROM packer.ref r"
                    + " WHERE NOT EXISTS (SELECT 1 FROM packer.object o WHERE o.zoid = r.to_zoid) GROUP BY r.to_zoid");
            long total;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM packer_dangling")) {
                rs.next();
                total = rs.getLong(1);
            }
            List<Dangling> list = new ArrayList<>();
            try (PreparedStatement page =
                    c.prepareStatement("SELECT zoid, referrers, sample FROM packer_dangling ORDER BY zoid LIMIT ?")) {
                page.setInt(1, limit);
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        list.add(new Dangling(rs.getLong(1), rs.getLong(2), longs(rs.getArray(3))));
                    }
                }
            }
            c.commit();
            return new DanglingReport(total, List.copyOf(list));
        }
    }

    /**
     * References to missing objects.
     *
     * @param total missing objects referenced
     * @param missing the first of them by zoid
     */
    public record DanglingReport(long total, List<Dangling> missing) {}

    /** Classes by state bytes, largest first. */
    public List<ClassStats> classes(int limit) throws SQLException {
        List<ClassStats> out = new ArrayList<>();
        query(
                "SELECT k.name, count(*), sum(o.state_size) FROM packer.object o JOIN packer.class k ON k.id = o.class_id"
                        + " GROUP BY k.name ORDER BY sum(o.state_size) DESC, k.name LIMIT ?",
                limit,
                rs -> out.add(new ClassStats(rs.getString(1), rs.getLong(2), rs.getLong(3))));
        return out;
    }

    /** The largest object states, largest first. */
    public List<Sized> largest(int limit) throws SQLException {
        List<Sized> out = new ArrayList<>();
        query(
                "SELECT o.zoid, k.name, o.state_size, o.tid FROM packer.object o JOIN packer.class k ON k.id = o.class_id"
                        + " ORDER BY o.state_size DESC, o.zoid LIMIT ?",
                limit,
                rs -> out.add(new Sized(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4))));
        return out;
    }

    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private void query(String sql, int limit, Row row) throws SQLException {
        try (Connection c = snapshot();
                PreparedStatement st = c.prepareStatement(sql)) {
            st.setInt(1, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
            c.commit();
        }
    }

    private static boolean reached(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM packer_path WHERE zoid = 0)")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static List<Long> referrers(Connection c, long zoid, int limit) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement st =
                c.prepareStatement("SELECT from_zoid FROM packer.ref WHERE to_zoid = ? ORDER BY from_zoid LIMIT ?")) {
            st.setLong(1, zoid);
            st.setInt(2, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private static List<Long> longs(@Nullable Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.asList((Long[]) array.getArray());
    }

    private Connection snapshot() throws SQLException {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        return c;
    }
}
