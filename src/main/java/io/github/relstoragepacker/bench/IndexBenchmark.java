package io.github.relstoragepacker.bench;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.demo.WriteLoad;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexStatistics;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code benchmark-index}: measures the index on one RelStorage database, in the service started as
 * for a command (the command line lives in {@code cli.BenchmarkCommand}).
 *
 * <ol>
 *   <li>The I/O floor: {@code COPY (SELECT zoid, tid, state FROM object_state) TO STDOUT}, discarded.
 *   <li>The initial build: the service builds or catches up the index as it starts; the benchmark then
 *       throws the index away ({@link CollectionLoop#rebuildIndex}) and times its rebuild until the
 *       index is ready.
 *   <li>The footprint of our tables against RelStorage's own pre-pack tables for the same references.
 *   <li>The poller under a write load: writer threads commit {@code --tps} transactions per second of
 *       {@code --objects-per-tx} existing objects each through RelStorage's commit path ({@link
 *       WriteLoad}) while the service polls every {@code packer.index.poll-interval}; the lag of a
 *       transaction is the time from its COMMIT returning to the index's watermark passing its tid
 *       (looked at every 10 ms).
 * </ol>
 *
 * Prints objects/s, MB/s, the build/floor ratio, lag p50/p99 and the peak heap. Never run it against
 * a production database: it rebuilds the index and rewrites objects.
 */
public final class IndexBenchmark {

    private static final Duration READY_WAIT = Duration.ofHours(2);

    private final PrintStream out;
    private final int tps;
    private final int perTx;
    private final long loadMillis;

    /** A benchmark printing to {@code out}, with {@code tps} transactions per second of {@code perTx} objects. */
    public IndexBenchmark(PrintStream out, int tps, int perTx, long loadSeconds) {
        this.out = out;
        this.tps = tps;
        this.perTx = perTx;
        this.loadMillis = loadSeconds * 1000;
    }

    /** Runs every step in {@code context}, a service started without continuous collection. */
    public void run(ConfigurableApplicationContext context) throws Exception {
        DataSource dataSource = context.getBean(DataSource.class);
        IndexMaintainer index = context.getBean(IndexMaintainer.class);
        awaitReady(index);
        out.printf("database: %,d objects, %.1f MB of states%n", count(dataSource), stateMb(dataSource));
        double floor = floor(dataSource);
        double build = build(context.getBean(CollectionLoop.class), index, dataSource);
        out.printf("build/floor ratio: %.2f%n", build / floor);
        footprint(context.getBean(IndexStatistics.class));
        load(dataSource, index);
        out.printf(
                "peak heap: %.0f MB (max heap %d MB)%n",
                peakHeapMb(), Runtime.getRuntime().maxMemory() >> 20);
    }

    private double floor(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            long[] bytes = {0};
            OutputStream counting = new OutputStream() {
                @Override
                public void write(int b) {
                    bytes[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    bytes[0] += len;
                }
            };
            long start = System.nanoTime();
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY (SELECT zoid, tid, state FROM object_state) TO STDOUT", counting);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("floor (COPY out): %.2f s, %.1f MB/s%n", seconds, bytes[0] / seconds / 1e6);
            return seconds;
        }
    }

    private double build(CollectionLoop loop, IndexMaintainer index, DataSource dataSource) throws Exception {
        long objects = count(dataSource);
        long start = System.nanoTime();
        loop.rebuildIndex();
        // built on this thread at once, rather than at the poller's next turn
        loop.refreshIndex();
        awaitReady(index);
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(
                "initial build: %.2f s, %,.0f objects/s, %.1f MB/s%n",
                seconds, objects / seconds, stateMb(dataSource) / seconds);
        return seconds;
    }

    private static void awaitReady(IndexMaintainer index) throws InterruptedException {
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (!(index.phase() == IndexMaintainer.Phase.READY && index.ready())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the index was not ready within " + READY_WAIT + ": phase "
                        + index.phase().label() + (index.lastFailure() == null ? "" : ", " + index.lastFailure()));
            }
            Thread.sleep(20);
        }
    }

    private void footprint(IndexStatistics statistics) throws SQLException {
        IndexStatistics.Footprint f = statistics.footprint();
        out.printf(
                "footprint: packer schema %.1f MB (%.0f bytes/object); RelStorage object_ref + object_refs_added"
                        + " for the same references %.1f MB (%.0f bytes/object)%n",
                f.ours() / 1e6,
                f.ours() / (double) f.objects(),
                f.relStorage() / 1e6,
                f.relStorage() / (double) f.objects());
    }

    private void load(DataSource dataSource, IndexMaintainer index) throws Exception {
        Map<Long, byte[]> sample = sample(dataSource, 20_000);
        ConcurrentSkipListMap<Long, Long> committedAt = new ConcurrentSkipListMap<>();
        int writers = Math.max(1, Math.min(4, tps / 25));
        WriteLoad writing = WriteLoad.start(
                dataSource, sample, writers, tps, perTx, (tid, start, end) -> committedAt.put(tid, end));
        List<Double> lags = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            long end = System.currentTimeMillis() + loadMillis;
            while (System.currentTimeMillis() < end) {
                long watermark = index.watermark(c, HoldDeadline.NONE, "").tid();
                long now = System.nanoTime();
                for (var e = committedAt.firstEntry();
                        e != null && e.getKey() <= watermark;
                        e = committedAt.firstEntry()) {
                    lags.add((now - e.getValue()) / 1e6);
                    committedAt.remove(e.getKey());
                }
                Thread.sleep(10);
            }
        } finally {
            writing.stop();
        }
        lags.sort(null);
        out.printf(
                "poller under load: %d transactions of %d objects in %d s (%.0f/s), lag p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                lags.size(),
                perTx,
                loadMillis / 1000,
                lags.size() * 1000.0 / loadMillis,
                WriteLoad.percentile(lags, 0.5),
                WriteLoad.percentile(lags, 0.99),
                lags.isEmpty() ? 0 : lags.get(lags.size() - 1));
    }

    private static Map<Long, byte[]> sample(DataSource dataSource, int size) throws SQLException {
        Map<Long, byte[]> sample = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT zoid, state FROM object_state WHERE state IS NOT NULL"
                        + " ORDER BY random() LIMIT " + size)) {
            while (rs.next()) {
                sample.put(rs.getLong(1), rs.getBytes(2));
            }
        }
        return sample;
    }

    private static long count(DataSource dataSource) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT count(*) FROM object_state", Long.class);
    }

    private static double stateMb(DataSource dataSource) {
        return new JdbcTemplate(dataSource)
                        .queryForObject("SELECT COALESCE(sum(length(state)), 0) FROM object_state", Long.class)
                / 1e6;
    }

    private static double peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1e6;
    }
}
