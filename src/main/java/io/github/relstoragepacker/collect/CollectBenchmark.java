package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.demo.RelStorageCommitter;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code benchmark-collect}: what the collector costs Plone's writers, and how fast it deletes, on one
 * RelStorage database with garbage (a {@code generate}d copy; the benchmark deletes and rewrites).
 *
 * <ol>
 *   <li>Starts the service without HTTP and without continuous collection, builds the index and marks
 *       (a dry-run pack), and samples reachable objects for the writers.
 *   <li><b>Idle</b>: {@code --writers} threads commit {@code --tps} transactions per second in all, of
 *       {@code --objects-per-tx} reachable objects each, through RelStorage's commit path ({@link
 *       RelStorageCommitter}: commit lock, tid choice, row moves) for {@code --seconds}, while the
 *       service polls; commit latency is the time of one whole commit, as a Plone request sees it.
 *   <li><b>Draining</b>: the same load while a pack with grace 0 deletes every garbage object; the
 *       latency counts the commits started after the mark, when the deletion batches take the commit
 *       lock; the deletion rate is objects over the time from the end of the mark to the end of the pack.
 * </ol>
 *
 * With {@code --packer.collector.blob-directory=...} the deletion removes blob files too. Any other
 * {@code --name=value} argument goes to Spring, as for {@code pack}. Never run it against a
 * production database.
 */
public final class CollectBenchmark {

    public static final String NAME = "benchmark-collect";
    private static final String USAGE = "usage: java -jar relstorage-packer.jar benchmark-collect"
            + " --spring.datasource.url=JDBC_URL [--tps=50] [--objects-per-tx=10] [--writers=4] [--seconds=20]"
            + " [--packer.collector.blob-directory=PATH]";

    private final PrintStream out;
    private final int tps;
    private final int perTx;
    private final int writers;
    private final long millis;

    private CollectBenchmark(PrintStream out, Map<String, String> options) {
        this.out = out;
        this.tps = Integer.parseInt(options.getOrDefault("tps", "50"));
        this.perTx = Integer.parseInt(options.getOrDefault("objects-per-tx", "10"));
        this.writers = Integer.parseInt(options.getOrDefault("writers", "4"));
        this.millis = Long.parseLong(options.getOrDefault("seconds", "20")) * 1000;
    }

    /** Runs the benchmark and returns the exit code: 0 done, 1 failed, 2 usage error. */
    public static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        List<String> springArgs = new ArrayList<>();
        for (String arg : Arrays.copyOfRange(args, 1, args.length)) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                err.println(USAGE);
                return 2;
            }
            String name = arg.substring(2, eq);
            if (List.of("tps", "objects-per-tx", "writers", "seconds").contains(name)) {
                options.put(name, arg.substring(eq + 1));
            } else {
                springArgs.add(arg);
            }
        }
        SpringApplication spring = new SpringApplication(application);
        spring.setWebApplicationType(WebApplicationType.NONE);
        spring.setDefaultProperties(Map.of("spring.main.banner-mode", "off"));
        // an argument, not a default: the packaged application.yml enables continuous collection
        springArgs.add(0, "--packer.collector.enabled=false");
        try (ConfigurableApplicationContext context = spring.run(springArgs.toArray(String[]::new))) {
            new CollectBenchmark(out, options)
                    .run(context.getBean(CollectionLoop.class), context.getBean(DataSource.class));
            return 0;
        } catch (Exception e) {
            err.println(NAME + " failed: " + e);
            return 1;
        }
    }

    private void run(CollectionLoop loop, DataSource dataSource) throws Exception {
        CollectionResult marked = loop.pack(Duration.ZERO, true);
        if (marked.outcome() != CollectionResult.Outcome.DRY_RUN) {
            throw new IllegalStateException("the dry run did not complete: " + marked.message());
        }
        Map<Long, byte[]> sample = reachableSample(dataSource, 20_000);
        out.printf(
                "garbage: %,d objects; writers: %d threads, %d tx/s of %d objects%n",
                marked.objects(), writers, tps, perTx);

        Load idle = new Load(dataSource, sample, true);
        Thread.sleep(millis);
        List<Double> idleLatencies = idle.stop();
        report("collector idle", idleLatencies);

        Load draining = new Load(dataSource, sample, false);
        long[] markEnd = {0};
        loop.collector().afterMark(() -> {
            markEnd[0] = System.nanoTime();
            draining.measureFromNow();
        });
        CollectionResult result;
        try {
            result = loop.pack(Duration.ZERO, false);
        } finally {
            loop.collector().afterMark(() -> {});
        }
        double deletionSeconds = (System.nanoTime() - markEnd[0]) / 1e9;
        List<Double> drainLatencies = draining.stop();
        report("collector draining", drainLatencies);
        out.printf(
                "deletion: %s, %,d objects, %,d blob files, %,d large objects in %.2f s: %,.0f objects/s%n",
                result.outcome(),
                result.objects(),
                result.blobFiles(),
                result.largeObjects(),
                deletionSeconds,
                result.objects() / deletionSeconds);
    }

    private void report(String phase, List<Double> latencies) {
        Collections.sort(latencies);
        out.printf(
                "commit latency, %s: %,d commits, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                phase,
                latencies.size(),
                percentile(latencies, 0.5),
                percentile(latencies, 0.99),
                latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1));
    }

    /** Writer threads at a fixed rate, recording each commit's duration once {@link #measureFromNow}. */
    private final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile boolean measuring;
        private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> threads = new ArrayList<>();

        Load(DataSource dataSource, Map<Long, byte[]> sample, boolean measuring) {
            this.measuring = measuring;
            Long[] zoids = sample.keySet().toArray(Long[]::new);
            for (int w = 0; w < writers; w++) {
                long seed = w;
                Thread t = new Thread(() -> write(dataSource, sample, zoids, seed), "writer-" + w);
                t.start();
                threads.add(t);
            }
        }

        void measureFromNow() {
            latencies.clear();
            measuring = true;
        }

        List<Double> stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            return new ArrayList<>(latencies);
        }

        private void write(DataSource dataSource, Map<Long, byte[]> sample, Long[] zoids, long seed) {
            Random random = new Random(seed);
            long intervalNanos = (long) (1e9 * writers / tps);
            long next = System.nanoTime();
            try (RelStorageCommitter committer = new RelStorageCommitter(dataSource.getConnection())) {
                while (running.get()) {
                    Map<Long, byte[]> states = new LinkedHashMap<>();
                    while (states.size() < perTx) {
                        Long zoid = zoids[random.nextInt(zoids.length)];
                        states.put(zoid, sample.get(zoid));
                    }
                    long start = System.nanoTime();
                    committer.commit(states);
                    if (measuring) {
                        latencies.add((System.nanoTime() - start) / 1e6);
                    }
                    next += intervalNanos;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    }
                }
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Objects the last mark found reachable: rewriting them with their own state changes no reference. */
    private static Map<Long, byte[]> reachableSample(DataSource dataSource, int size) throws SQLException {
        Map<Long, byte[]> sample = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT s.zoid, s.state FROM object_state s"
                        + " WHERE s.state IS NOT NULL AND s.zoid <> 0"
                        + " AND NOT EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = s.zoid)"
                        + " ORDER BY random() LIMIT " + size)) {
            while (rs.next()) {
                sample.put(rs.getLong(1), rs.getBytes(2));
            }
        }
        return sample;
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }
}
