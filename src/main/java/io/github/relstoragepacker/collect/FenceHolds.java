package io.github.relstoragepacker.collect;

import java.util.Arrays;

/** How long the deletion batches of one run held RelStorage's commit lock: for the log and the benchmark. */
final class FenceHolds {

    private long[] nanos = new long[64];
    private int count;

    void record(long holdNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = holdNanos;
    }

    int count() {
        return count;
    }

    /** The hold that {@code quantile} of the batches did not exceed (nearest rank), in milliseconds. */
    double quantileMillis(double quantile) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(quantile * count);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }
}
