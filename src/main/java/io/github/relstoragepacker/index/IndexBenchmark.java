package io.github.relstoragepacker.index;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.relstoragepacker.demo.WriteLoad;
import io.github.relstoragepacker.relstorage.ObjectStateReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code benchmark-index}: measures the index on one RelStorage database, in one process.
 *
 * <ol>
 *   <li>The I/O floor: {@code COPY (SELECT zoid, tid, state FROM object_state) TO STDOUT}, discarded.
 *   <li>The initial build, from an empty {@code packer} schema (dropped first: the database must be
 *       a benchmark copy).
 *   <li>The poller under a write load: writer threads commit {@code --tps} transactions per second of
 *       {@code --objects-per-tx} existing objects each through RelStorage's commit path ({@link
 *       WriteLoad}) while the poller runs every {@code --poll-interval}; the lag of a
 *       transaction is the time from its COMMIT returning to the poll that indexed it.
 * </ol>
 *
 * Prints objects/s, MB/s, the build/floor ratio, lag p50/p99 and the peak heap. Never run it against
 * a production database: it drops the {@code packer} schema and rewrites objects.
 */
public final class IndexBenchmark {

    /** The usage line of {@code benchmark-index}. */
    public static final String USAGE = "usage: java -jar relstorage-packer.jar benchmark-index --url=JDBC_URL"
            + " [--user=U] [--password=P] [--tps=100] [--objects-per-tx=10] [--load-seconds=30]"
            + " [--poll-interval=200] [--threads=0]";

    private final PrintStream out;
    private final Map<String, String> options;

    private IndexBenchmark(PrintStream out, Map<String, String> options) {
        this.out = out;
        this.options = options;
    }

    /** Entry point of {@code benchmark-index --url=JDBC_URL [--user= --password= --tps= ...]}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        for (String arg : Arrays.copyOfRange(args, 1, args.length)) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                err.println(USAGE);
                return 2;
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        if (!options.containsKey("url")) {
            err.println("benchmark-index: --url=JDBC_URL is required");
            return 2;
        }
        try {
            new IndexBenchmark(out, options).run();
            return 0;
        } catch (Exception e) {
            err.println("benchmark-index failed: " + e);
            return 1;
        }
    }

    private void run() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(options.get("url"));
        config.setUsername(options.get("user"));
        config.setPassword(options.get("password"));
        config.setMaximumPoolSize(16);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            out.printf(
                    "database: %s, %,d objects, %.1f MB of states%n",
                    options.get("url"), count(dataSource), stateMb(dataSource));
            double floor = floor(dataSource);
            double build = build(dataSource);
            out.printf("build/floor ratio: %.2f%n", build / floor);
            footprint(dataSource);
            load(dataSource);
            out.printf(
                    "peak heap: %.0f MB (max heap %d MB)%n",
                    peakHeapMb(), Runtime.getRuntime().maxMemory() >> 20);
        }
    }

    private double floor(HikariDataSource dataSource) throws Exception {
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

    private double build(HikariDataSource dataSource) throws Exception {
        new JdbcTemplate(dataSource).execute("DROP SCHEMA IF EXISTS packer CASCADE");
        IndexSchema.migrate(dataSource);
        IndexProperties properties = new IndexProperties(
                Duration.ofMillis(200),
                5000,
                Integer.parseInt(options.getOrDefault("threads", "0")),
                250_000,
                Duration.ofMinutes(10),
                Duration.ofSeconds(30));
        try (LeaderLock leader = LeaderLock.over(dataSource)) {
            leader.tryAcquire();
            long objects = count(dataSource);
            long start = System.nanoTime();
            new InitialBuild(
                            dataSource,
                            new ObjectStateReader("public"),
                            new ClassRegistry(new JdbcTemplate(dataSource)),
                            properties,
                            new BuildProgress(new SimpleMeterRegistry()),
                            leader,
                            Clock.systemUTC())
                    .run();
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(
                    "initial build: %.2f s, %,.0f objects/s, %.1f MB/s%n",
                    seconds, objects / seconds, stateMb(dataSource) / seconds);
            return seconds;
        }
    }

    /**
     * Our tables' size per object against what RelStorage's pre-pack keeps for the same references:
     * its {@code object_ref} (one row per distinct edge) and {@code object_refs_added} (one per object),
     * rebuilt with RelStorage's DDL in a scratch schema and dropped afterwards.
     */
    private void footprint(HikariDataSource dataSource) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("DROP SCHEMA IF EXISTS packer_footprint CASCADE; CREATE SCHEMA packer_footprint;"
                + " CREATE TABLE packer_footprint.object_ref (zoid bigint NOT NULL, to_zoid bigint NOT NULL,"
                + " tid bigint NOT NULL, PRIMARY KEY (zoid, to_zoid));"
                + " CREATE TABLE packer_footprint.object_refs_added (zoid bigint NOT NULL PRIMARY KEY, tid bigint NOT NULL);"
                + " INSERT INTO packer_footprint.object_ref SELECT r.from_zoid, r.to_zoid, o.tid"
                + " FROM packer.ref r JOIN packer.object o ON o.zoid = r.from_zoid;"
                + " INSERT INTO packer_footprint.object_refs_added SELECT zoid, tid FROM packer.object;");
        long objects = jdbc.queryForObject("SELECT count(*) FROM packer.object", Long.class);
        long ours = jdbc.queryForObject(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = 'packer' AND c.relkind = 'r'",
                Long.class);
        long theirs = jdbc.queryForObject(
                "SELECT pg_total_relation_size('packer_footprint.object_ref')"
                        + " + pg_total_relation_size('packer_footprint.object_refs_added')",
                Long.class);
        jdbc.execute("DROP SCHEMA packer_footprint CASCADE");
        out.printf(
                "footprint: packer schema %.1f MB (%.0f bytes/object); RelStorage object_ref + object_refs_added"
                        + " for the same references %.1f MB (%.0f bytes/object)%n",
                ours / 1e6, ours / (double) objects, theirs / 1e6, theirs / (double) objects);
    }

    private void load(HikariDataSource dataSource) throws Exception {
        int tps = Integer.parseInt(options.getOrDefault("tps", "100"));
        int perTx = Integer.parseInt(options.getOrDefault("objects-per-tx", "10"));
        long loadMillis = Long.parseLong(options.getOrDefault("load-seconds", "30")) * 1000;
        long pollMillis = Long.parseLong(options.getOrDefault("poll-interval", "200"));
        Map<Long, byte[]> sample = sample(dataSource, 20_000);
        ConcurrentSkipListMap<Long, Long> committedAt = new ConcurrentSkipListMap<>();
        int writers = Math.max(1, Math.min(4, tps / 25));
        WriteLoad writing = WriteLoad.start(
                dataSource, sample, writers, tps, perTx, (tid, start, end) -> committedAt.put(tid, end));
        List<Double> lags = new ArrayList<>();
        try (LeaderLock leader = LeaderLock.over(dataSource)) {
            leader.tryAcquire();
            IndexPoller poller = new IndexPoller(
                    dataSource,
                    new ObjectStateReader("public"),
                    new ChangeApplier(new ClassRegistry(new JdbcTemplate(dataSource))),
                    leader,
                    5000);
            long end = System.currentTimeMillis() + loadMillis;
            while (System.currentTimeMillis() < end) {
                poller.poll();
                long watermark;
                try (Connection c = dataSource.getConnection()) {
                    watermark = IndexState.read(c).watermark();
                }
                long now = System.nanoTime();
                for (var e = committedAt.firstEntry();
                        e != null && e.getKey() <= watermark;
                        e = committedAt.firstEntry()) {
                    lags.add((now - e.getValue()) / 1e6);
                    committedAt.remove(e.getKey());
                }
                Thread.sleep(pollMillis);
            }
        }
        writing.stop();
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

    private static Map<Long, byte[]> sample(HikariDataSource dataSource, int size) throws SQLException {
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

    private static long count(HikariDataSource dataSource) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT count(*) FROM object_state", Long.class);
    }

    private static double stateMb(HikariDataSource dataSource) {
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
