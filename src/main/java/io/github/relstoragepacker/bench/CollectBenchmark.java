package io.github.relstoragepacker.bench;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.collect.CollectionProgress;
import io.github.relstoragepacker.collect.CollectionResult;
import io.github.relstoragepacker.collect.CollectorProperties;
import io.github.relstoragepacker.collect.FenceHolds;
import io.github.relstoragepacker.collect.PackRequest;
import io.github.relstoragepacker.demo.RelStorageCommitter;
import io.github.relstoragepacker.demo.WriteLoad;
import io.github.relstoragepacker.index.GarbageSets;
import io.github.relstoragepacker.index.IndexMaintainer;
import java.io.PrintStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
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
 *       latency counts the commits started once the pack's progress says it deletes, when the deletion
 *       batches take the commit lock; the deletion rate is objects over the time from then to the end of
 *       the pack;
 *       how long the batches held the commit lock (p50, p99, longest; and apart, the work before the
 *       COMMIT, which {@code max-fence-hold} bounds, and the COMMIT itself); and the index's lag, sampled
 *       every 100 ms while the deletion runs (the poller goes on beside it).
 * </ol>
 *
 * {@code --busy-threads=N} keeps N threads spinning on the CPU during both phases, as a loaded
 * machine does: where a hold limit that is only a target breaks.
 *
 * With {@code --packer.collector.blob-directory=...} the deletion removes blob files too. Never run it
 * against a production database. The command line lives in {@code cli.BenchmarkCommand}.
 */
public final class CollectBenchmark {

    private final PrintStream out;
    private final int tps;
    private final int perTx;
    private final int writers;
    private final long millis;
    private final int busyThreads;
    /** Where the busy threads' arithmetic goes, so that the compiler cannot drop it. */
    private static volatile long sink;

    /**
     * A benchmark printing to {@code out}: {@code writers} threads commit {@code tps} transactions per
     * second of {@code perTx} objects, for {@code seconds} per phase, beside {@code busyThreads} threads
     * that keep a CPU busy each.
     */
    public CollectBenchmark(PrintStream out, int tps, int perTx, int writers, long seconds, int busyThreads) {
        this.out = out;
        this.tps = tps;
        this.perTx = perTx;
        this.writers = writers;
        this.millis = seconds * 1000;
        this.busyThreads = busyThreads;
    }

    /** Runs both phases in {@code context}, a service started without continuous collection. */
    public void run(ConfigurableApplicationContext context) throws Exception {
        AtomicBoolean spinning = new AtomicBoolean(true);
        List<Thread> busy = new ArrayList<>();
        for (int i = 0; i < busyThreads; i++) {
            Thread t = new Thread(() -> spin(spinning), "busy-" + i);
            t.setDaemon(true);
            t.start();
            busy.add(t);
        }
        try {
            run(
                    context.getBean(CollectionLoop.class),
                    context.getBean(IndexMaintainer.class),
                    context.getBean(DataSource.class),
                    context.getBean(CollectorProperties.class).maxFenceHold());
        } finally {
            spinning.set(false);
            for (Thread t : busy) {
                t.join();
            }
        }
    }

    /** Keeps one CPU busy until told to stop. */
    private static void spin(AtomicBoolean spinning) {
        long x = 1;
        while (spinning.get()) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }

    private void run(CollectionLoop loop, IndexMaintainer index, DataSource dataSource, Duration maxFenceHold)
            throws Exception {
        CollectionResult marked = loop.pack(Duration.ZERO, true);
        if (marked.outcome() != CollectionResult.Outcome.DRY_RUN) {
            throw new IllegalStateException("the dry run did not complete: " + marked.message());
        }
        Map<Long, byte[]> sample;
        try (Connection c = dataSource.getConnection()) {
            sample = GarbageSets.reachableSample(c, 20_000);
        }
        out.printf(
                "garbage: %,d objects; writers: %d threads, %d tx/s of %d objects; %d busy CPU threads%n",
                marked.objects(), writers, tps, perTx, busyThreads);

        Load idle = new Load(dataSource, sample, true);
        Thread.sleep(millis);
        List<Double> idleLatencies = idle.stop();
        report("collector idle", idleLatencies);

        Load draining = new Load(dataSource, sample, false);
        PackRequest request = new PackRequest(Duration.ZERO, false, true, false);
        CollectionProgress progress = loop.progressFor(request);
        AtomicLong deletingSince = new AtomicLong();
        List<Double> lags = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean packing = new AtomicBoolean(true);
        // the deletion starts when the pack's progress says so: from then on, commits meet its batches
        Thread sampler = new Thread(() -> {
            long nextLag = 0;
            while (packing.get()) {
                if (deletingSince.get() == 0 && progress.snapshot().step() == CollectionProgress.Step.DELETING) {
                    deletingSince.set(System.nanoTime());
                    draining.measureFromNow();
                }
                if (deletingSince.get() != 0 && System.nanoTime() >= nextLag) {
                    lags.add(index.lagSeconds());
                    nextLag = System.nanoTime() + 100_000_000L;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        CollectionResult result;
        try {
            result = loop.pack(request, progress);
        } finally {
            packing.set(false);
            sampler.join();
        }
        long since = deletingSince.get() == 0 ? System.nanoTime() : deletingSince.get();
        double deletionSeconds = Math.max(1e-9, (System.nanoTime() - since) / 1e9);
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
        FenceHolds holds = loop.fenceHolds();
        out.printf(
                "commit-lock holds: %,d batches, p50 %.1f ms, p99 %.1f ms, longest %.1f ms (max-fence-hold %d ms);"
                        + " before the COMMIT p99 %.1f ms, longest %.1f ms; the COMMIT p99 %.1f ms, longest %.1f ms%n",
                holds.count(),
                holds.quantileMillis(0.5),
                holds.quantileMillis(0.99),
                holds.quantileMillis(1),
                maxFenceHold.toMillis(),
                holds.beforeCommitQuantileMillis(0.99),
                holds.beforeCommitQuantileMillis(1),
                holds.commitQuantileMillis(0.99),
                holds.commitQuantileMillis(1));
        List<Double> sortedLags = new ArrayList<>(lags);
        Collections.sort(sortedLags);
        out.printf(
                "index lag while deleting: %,d samples, p50 %.2f s, p99 %.2f s, max %.2f s%n",
                sortedLags.size(),
                WriteLoad.percentile(sortedLags, 0.5),
                WriteLoad.percentile(sortedLags, 0.99),
                sortedLags.isEmpty() ? 0 : sortedLags.get(sortedLags.size() - 1));
    }

    private void report(String phase, List<Double> latencies) {
        Collections.sort(latencies);
        out.printf(
                "commit latency, %s: %,d commits, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                phase,
                latencies.size(),
                WriteLoad.percentile(latencies, 0.5),
                WriteLoad.percentile(latencies, 0.99),
                latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1));
    }

    /** The writers ({@link WriteLoad}), recording each commit's duration once {@link #measureFromNow}. */
    private final class Load {
        private volatile boolean measuring;
        private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        private final WriteLoad writing;

        Load(DataSource dataSource, Map<Long, byte[]> sample, boolean measuring) {
            this.measuring = measuring;
            this.writing = WriteLoad.start(dataSource, sample, writers, tps, perTx, (tid, start, end) -> {
                if (this.measuring) {
                    latencies.add((end - start) / 1e6);
                }
            });
        }

        void measureFromNow() {
            latencies.clear();
            measuring = true;
        }

        List<Double> stop() throws InterruptedException {
            writing.stop();
            return new ArrayList<>(latencies);
        }
    }
}
