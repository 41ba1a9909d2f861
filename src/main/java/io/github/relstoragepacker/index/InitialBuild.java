package io.github.relstoragepacker.index;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.relstorage.KeyProbes;
import io.github.relstoragepacker.relstorage.ObjectStateReader;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the index from scratch over a database that Plone keeps writing.
 *
 * <ol>
 *   <li><b>Plan</b> (one transaction): W0 = {@code MAX(object_state.tid)}, the zoid space cut into
 *       ranges, phase {@code building}.
 *   <li><b>Ranges</b>, in parallel: each streams its rows with COPY, scans them, loads them with COPY
 *       into {@code packer.object} and their edges into {@code packer.ref}, in one transaction
 *       that also marks the range done. A crash loses at most the ranges in flight; a restart reads only
 *       the others, keeping the first W0.
 *   <li><b>Finish</b> (one transaction): the primary key of {@code packer.ref} built after the load,
 *       every object without a referrer recorded as unreferenced since the plan's wall-clock time (its
 *       history before the build is unknown, and W0, the newest commit's time, can be days old), phase
 *       {@code ready} with watermark W0. When this process loaded every range, its {@link
 *       ReferenceCensus} names the unreferenced objects (each still checked against {@code packer.ref});
 *       a resumed build derives every edge again and finds them in SQL.
 * </ol>
 *
 * <p>Why concurrent commits cannot be missed: tids are chosen under RelStorage's commit lock and
 * commits become visible in tid order (docs/relstorage.md §3), so every state committed after the plan's snapshot
 * has a tid above W0. Each range reads some snapshot taken after the plan, so it sees every object
 * that existed at W0 (unless deleted since, which the periodic reconciliation removes), possibly in a
 * newer state. The poller then re-reads everything with a tid above W0; applying a state is
 * idempotent, so states read twice are harmless and none is missed.
 */
final class InitialBuild {

    private static final Logger log = LoggerFactory.getLogger(InitialBuild.class);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final ObjectStateReader reader;
    private final ClassRegistry classes;
    private final IndexProperties properties;
    private final BuildProgress progress;
    private final LeaderLock leader;
    private final Clock clock;

    InitialBuild(
            DataSource dataSource,
            ObjectStateReader reader,
            ClassRegistry classes,
            IndexProperties properties,
            BuildProgress progress,
            LeaderLock leader,
            Clock clock) {
        this.leader = leader;
        this.clock = clock;
        this.dataSource = dataSource;
        this.reader = reader;
        this.classes = classes;
        this.properties = properties;
        this.progress = progress;
    }

    /** Plans (unless a build is already under way), loads every range not done, and finishes. */
    void run() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            if (IndexState.read(c).phase() == IndexState.Phase.EMPTY) {
                plan(c);
            }
        }
        List<Range> all = ranges();
        List<Range> ranges = all.stream().filter(r -> !r.done()).toList();
        boolean whole = ranges.size() == all.size() && !ranges.isEmpty();
        ReferenceCensus census = whole
                ? ReferenceCensus.over(
                        ranges.get(0).lo(), ranges.get(ranges.size() - 1).hi())
                : null;
        progress.start(estimatedObjects(), doneObjects());
        log.info(
                "Index build: {} ranges to read with {} threads, about {} objects",
                ranges.size(),
                properties.effectiveBuildThreads(),
                progress.total());
        loadRanges(ranges, census);
        finish(whole, census);
    }

    private void plan(Connection c) throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            leader.requireHeld(c);
            long w0 = reader.maxTid(c);
            long[] bounds = reader.zoidBounds(c);
            long span = bounds[1] - bounds[0] + 1;
            long ranges = rangeCount(span, properties.buildRangeSize(), properties.effectiveBuildThreads());
            try (PreparedStatement range =
                    c.prepareStatement("INSERT INTO packer.build_range (lo, hi) VALUES (?, ?)")) {
                for (long i = 0; i < ranges; i++) {
                    range.setLong(1, bounds[0] + offset(span, ranges, i));
                    range.setLong(2, bounds[0] + offset(span, ranges, i + 1));
                    range.addBatch();
                }
                range.executeBatch();
            }
            // Garbage found by the build has an unknown history: its grace counts from now, never from W0,
            // which is the newest commit's time and can be days old on a quiet or restored database.
            long since = Math.max(w0, Tids.toTid(clock.instant()));
            try (PreparedStatement st = c.prepareStatement("UPDATE packer.progress SET phase = 'building',"
                    + " build_snapshot_tid = ?, build_since_tid = ?, watermark = ?, build_started_at = now()")) {
                st.setLong(1, w0);
                st.setLong(2, since);
                st.setLong(3, w0);
                st.executeUpdate();
            }
            c.commit();
            log.info("Index build planned: snapshot tid {}, zoids {} to {}", w0, bounds[0], bounds[1]);
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    /**
     * How many ranges cut {@code span} zoids: none wider than {@code maxWidth}, and a multiple of {@code
     * threads} in number (at most one per zoid), so that no thread reads a last range alone while the
     * others wait (3 ranges on 2 threads took a third longer than 4).
     */
    static long rangeCount(long span, long maxWidth, int threads) {
        long perRound = maxWidth > Long.MAX_VALUE / threads ? Long.MAX_VALUE : maxWidth * threads;
        return Math.min(span, ((span - 1) / perRound + 1) * threads);
    }

    /** Where range {@code i} of {@code ranges} equal ones starts, from the first zoid; {@code span} at the end. */
    static long offset(long span, long ranges, long i) {
        // the first span % ranges ranges are one zoid wider
        return span / ranges * i + Math.min(i, span % ranges);
    }

    /** A unit of build work: the zoids from {@code lo} to {@code hi} (exclusive), and whether it is loaded. */
    private record Range(long lo, long hi, boolean done) {}

    /** Every range, in zoid order. */
    private List<Range> ranges() throws SQLException {
        List<Range> ranges = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT lo, hi, done FROM packer.build_range ORDER BY lo")) {
            while (rs.next()) {
                ranges.add(new Range(rs.getLong(1), rs.getLong(2), rs.getBoolean(3)));
            }
        }
        return ranges;
    }

    private long estimatedObjects() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return Math.max(reader.estimatedRows(c), 0);
        }
    }

    private long doneObjects() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(sum(objects), 0) FROM packer.build_range WHERE done")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void loadRanges(List<Range> ranges, @Nullable ReferenceCensus census) throws Exception {
        ConcurrentLinkedQueue<Range> queue = new ConcurrentLinkedQueue<>(ranges);
        int threads = Math.max(1, Math.min(properties.effectiveBuildThreads(), ranges.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "index-build");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                workers.add(pool.submit(() -> {
                    ReferenceScanner scanner = new ReferenceScanner();
                    for (Range range = queue.poll(); range != null; range = queue.poll()) {
                        loadRange(scanner, range.lo(), range.hi(), census);
                    }
                    return null;
                }));
            }
            long nextReport = System.nanoTime() + REPORT_EVERY.toNanos();
            for (Future<?> worker : workers) {
                while (!worker.isDone()) {
                    Thread.sleep(100);
                    if (System.nanoTime() > nextReport) {
                        log.info("Index build: {}", progress.describe());
                        nextReport = System.nanoTime() + REPORT_EVERY.toNanos();
                    }
                }
                worker.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One range, read with COPY, loaded with COPY into {@code packer.object} and its edges into {@code
     * packer.ref}, committed together with its done mark; the build's threads load edges side by side
     * rather than one statement deriving all of them at the end.
     */
    private void loadRange(ReferenceScanner scanner, long lo, long hi, @Nullable ReferenceCensus census)
            throws Exception {
        try (Connection read = dataSource.getConnection();
                Connection write = dataSource.getConnection()) {
            write.setAutoCommit(false);
            List<ScannedObject> unreadable = new ArrayList<>();
            AtomicLong count = new AtomicLong();
            RangeEdges edges = new RangeEdges();
            try (ObjectRowCopy copy = new ObjectRowCopy(write, "packer.object")) {
                reader.readRange(read, lo, hi, row -> {
                    ScannedObject object = ScannedObject.scan(scanner, row);
                    copy.add(object, classes.idOf(object.className()));
                    edges.add(object.zoid(), object.refs());
                    if (census != null) {
                        census.add(object.zoid(), object.refs());
                    }
                    if (object.unreadable() != null) {
                        unreadable.add(object);
                    }
                    count.incrementAndGet();
                    progress.add(1, row.state().length);
                });
                copy.finish();
            }
            Quarantine.record(write, unreadable);
            edges.copyInto(write);
            leader.requireHeld(write);
            try (PreparedStatement done =
                    write.prepareStatement("UPDATE packer.build_range SET done = true, objects = ? WHERE lo = ?")) {
                done.setLong(1, count.get());
                done.setLong(2, lo);
                done.executeUpdate();
            }
            write.commit();
        }
    }

    /**
     * Derives what the ranges' rows imply and makes the index ready. A build resumed from ranges an
     * earlier process loaded ({@code whole} false) derives every edge again (that process may predate
     * per-range edges); the unreferenced set comes from the census when there is one (a build loaded
     * whole by this process, over a zoid span it could count), else from SQL.
     */
    private void finish(boolean whole, @Nullable ReferenceCensus census) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("TRUNCATE packer.unreferenced");
            if (!whole) {
                st.execute("TRUNCATE packer.ref");
                st.execute("INSERT INTO packer.ref (to_zoid, from_zoid)"
                        + " SELECT unnest(refs), zoid FROM packer.object WHERE refs IS NOT NULL");
            }
            if (!exists(c, "SELECT to_regclass('packer.ref_pkey') IS NOT NULL")) {
                // Debian's 64 MB sort the edges of a million objects with one parallel worker; this, with
                // two, in three quarters of the time
                st.execute("SET LOCAL maintenance_work_mem = '256MB'");
                st.execute("ALTER TABLE packer.ref ADD CONSTRAINT ref_pkey PRIMARY KEY (to_zoid, from_zoid)");
            }
            String unreferenced = "packer.object o";
            if (census != null) {
                st.execute("CREATE TEMP TABLE packer_census (zoid bigint) ON COMMIT DROP");
                census.copyUnreferenced(c, "packer_census");
                // two probes per listed object; neither table has statistics yet, and a hash join read all
                // of packer.object
                st.execute(KeyProbes.SETTINGS);
                unreferenced = "packer_census t JOIN packer.object o USING (zoid)";
            }
            st.execute("INSERT INTO packer.unreferenced (zoid, since_tid)"
                    + " SELECT o.zoid, GREATEST(o.tid, p.build_since_tid) FROM " + unreferenced + ", packer.progress p"
                    + " WHERE o.zoid <> 0 AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = o.zoid)");
            leader.requireHeld(c);
            st.execute("UPDATE packer.progress SET phase = 'ready', build_finished_at = now()");
            c.commit();
        }
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            // A bulk-loaded table has no visibility map and no statistics: without this, every index lookup
            // of the collector's batches and of the mark also reads the table's pages, until autovacuum comes.
            st.execute("VACUUM (ANALYZE) packer.ref, packer.object, packer.unreferenced");
        }
        log.info("Index build finished: {}", progress.describe());
    }

    private static boolean exists(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
