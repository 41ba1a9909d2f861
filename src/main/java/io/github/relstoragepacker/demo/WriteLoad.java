package io.github.relstoragepacker.demo;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * Plone-like writers for the benchmarks: {@code writers} threads commit {@code tps} transactions per
 * second in all, each rewriting {@code perTx} objects of {@code sample} with their own states, through
 * RelStorage's commit path ({@link RelStorageCommitter}). Rewriting an object with its own state changes
 * no reference, so the load never makes garbage or rescues any. Each commit is reported with its tid
 * and its start and end ({@link System#nanoTime}); a writer keeps its pace by sleeping to the next slot.
 */
public final class WriteLoad {

    /** Told of every commit, from the writer's thread. */
    public interface Listener {
        void committed(long tid, long startNanos, long endNanos);
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    private WriteLoad() {}

    /** Starts the writers; they run until {@link #stop}. */
    public static WriteLoad start(
            DataSource dataSource, Map<Long, byte[]> sample, int writers, double tps, int perTx, Listener listener) {
        WriteLoad load = new WriteLoad();
        Long[] zoids = sample.keySet().toArray(Long[]::new);
        long intervalNanos = (long) (1e9 * writers / tps);
        for (int w = 0; w < writers; w++) {
            long seed = w;
            Thread t = new Thread(
                    () -> load.write(dataSource, sample, zoids, perTx, intervalNanos, seed, listener), "writer-" + w);
            t.start();
            load.threads.add(t);
        }
        return load;
    }

    /** Stops the writers and waits for their last commits. */
    public void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
    }

    private void write(
            DataSource dataSource,
            Map<Long, byte[]> sample,
            Long[] zoids,
            int perTx,
            long intervalNanos,
            long seed,
            Listener listener) {
        Random random = new Random(seed);
        long next = System.nanoTime();
        try (RelStorageCommitter committer = new RelStorageCommitter(dataSource.getConnection())) {
            while (running.get()) {
                Map<Long, byte[]> states = new LinkedHashMap<>();
                while (states.size() < perTx) {
                    Long zoid = zoids[random.nextInt(zoids.length)];
                    states.put(zoid, sample.get(zoid));
                }
                long start = System.nanoTime();
                long tid = committer.commit(states);
                listener.committed(tid, start, System.nanoTime());
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

    /** The {@code p} quantile of {@code sorted}, 0 when empty. */
    public static double percentile(List<Double> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }
}
