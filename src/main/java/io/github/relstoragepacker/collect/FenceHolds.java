package io.github.relstoragepacker.collect;

import java.util.Arrays;

/**
 * How long the deletion batches of one run held RelStorage's commit lock, in all and without their
 * COMMIT (the one part allowed past {@code max-fence-hold}): for the log and the benchmark.
 */
public final class FenceHolds {

    private long[] holds = new long[64];
    private long[] commits = new long[64];
    private int count;

    FenceHolds() {}

    void record(long holdNanos, long commitNanos) {
        if (count == holds.length) {
            holds = Arrays.copyOf(holds, count * 2);
            commits = Arrays.copyOf(commits, count * 2);
        }
        holds[count] = holdNanos;
        commits[count++] = commitNanos;
    }

    /** Batches that held the lock. */
    public int count() {
        return count;
    }

    /** The hold that {@code quantile} of the batches did not exceed (nearest rank), in milliseconds. */
    public double quantileMillis(double quantile) {
        return quantile(holds, quantile);
    }

    /** The same for the hold before the COMMIT: the part the deadline bounds. */
    public double beforeCommitQuantileMillis(double quantile) {
        long[] before = new long[count];
        for (int i = 0; i < count; i++) {
            before[i] = holds[i] - commits[i];
        }
        return quantile(before, quantile);
    }

    /** The same for the COMMIT alone. */
    public double commitQuantileMillis(double quantile) {
        return quantile(commits, quantile);
    }

    private double quantile(long[] nanos, double quantile) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(quantile * count);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }
}
