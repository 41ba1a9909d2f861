package io.github.relstoragepacker.collect;

import java.time.Duration;

/**
 * How many objects the next deletion batch takes, so that it holds RelStorage's commit lock about as
 * long as the target: a batch's cost under the lock is roughly proportional to its size.
 *
 * <ul>
 *   <li>The target starts at half of {@code maxHold}; the margin absorbs the variance (blob rows, a
 *       slower disk, a busy CPU).
 *   <li>When Plone committed since the batch before, or a commit was found queued behind this one, the
 *       target halves, down to a sixteenth of {@code maxHold}; it grows back by a quarter per batch only
 *       while Plone commits nothing at all. A commit that arrives during a hold waits for its end, so
 *       while Plone writes, holds are kept short (a writer's worst wait is the hold); a quiet site (a
 *       pack at night) gets the throughput of long ones.
 *   <li>The size starts at 2,000 objects (about 20 ms of deletion on a quiet server) and follows the
 *       rate just seen, at most doubling per batch: a pack of a site's first garbage reaches the target
 *       within three batches.
 *   <li>A batch that ran out of the limit (rolled back) halves the size; the smallest size always gets
 *       its chance, so a slow disk cannot stop the collector altogether.
 * </ul>
 */
final class BatchSizer {

    static final int MIN_BATCH = 20;
    static final int MAX_BATCH = 20_000;

    private final long maxHoldNanos;
    private long targetNanos;
    private int size = 2_000;

    BatchSizer(Duration maxHold) {
        this.maxHoldNanos = maxHold.toNanos();
        this.targetNanos = maxHoldNanos / 2;
    }

    /** The size of the next batch. */
    int size() {
        return size;
    }

    /** Whether the size cannot shrink any more. */
    boolean smallest() {
        return size <= MIN_BATCH;
    }

    /** The hold the sizer aims at now. */
    long targetNanos() {
        return targetNanos;
    }

    /**
     * A batch of the current size held the lock {@code holdNanos}; {@code queued} sessions waited behind
     * it (negative when that could not be looked at in time: taken as someone waiting), and {@code
     * ploneWrote} whether Plone committed since the batch before.
     */
    void held(long holdNanos, int queued, boolean ploneWrote) {
        if (queued != 0 || ploneWrote) {
            targetNanos = Math.max(maxHoldNanos / 16, targetNanos / 2);
        } else if (!ploneWrote) {
            targetNanos = Math.min(maxHoldNanos / 2, targetNanos + targetNanos / 4);
        }
        double scaled = size * (double) targetNanos / Math.max(holdNanos, 1);
        size = (int) Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.min(scaled, size * 2.0)));
    }

    /** A batch ran out of the hold limit and was rolled back. */
    void overran() {
        size = Math.max(MIN_BATCH, size / 2);
        targetNanos = Math.max(maxHoldNanos / 16, targetNanos / 2);
    }
}
