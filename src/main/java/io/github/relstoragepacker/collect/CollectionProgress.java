package io.github.relstoragepacker.collect;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * Live progress of one collection run, written by the collector at batch boundaries and read by any
 * thread (status, pack jobs), and the run's stop signal: an operator's cancel, or whatever the
 * collector's thread asks it to stop for (shutting down, paused, a pack waiting). The signal is only
 * looked at between batches: a batch is one transaction, so stopping never leaves one half done.
 */
public final class CollectionProgress {

    /** The stop reason of an operator's cancel. */
    static final String CANCELLED = "cancelled by an operator";

    /** Where a run is. */
    public enum Step {
        /** Bringing the index up to date: its catch-up, or its initial build. */
        STARTING,
        MARKING,
        DELETING,
        /** The pack's walk of the shared blob directory (stale revisions of live objects). */
        HOUSEKEEPING,
        FINISHED
    }

    private final CollectionKind kind;
    private final Clock clock;
    private final Instant startedAt;
    private volatile Step step = Step.STARTING;
    private volatile long candidates = -1;
    private volatile @Nullable Instant deletingSince;
    private volatile boolean cancelRequested;
    private volatile Supplier<@Nullable String> otherStop = () -> null;
    private volatile @Nullable Connection working;
    private final AtomicLong examined = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong largeObjects = new AtomicLong();
    private final AtomicLong blobFiles = new AtomicLong();
    private final long[] stepNanos = new long[Step.values().length];
    private long stepStarted = System.nanoTime();
    private volatile double fenceHoldP99Millis;

    public CollectionProgress(CollectionKind kind, Clock clock) {
        this.kind = kind;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /** Asks the run to stop at its next batch boundary. */
    public void cancel() {
        cancelRequested = true;
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Also stop when {@code reason} says why (non-null), looked at every batch boundary. */
    void stopWhen(Supplier<@Nullable String> reason) {
        otherStop = reason;
    }

    /** Why the run should stop at its next boundary, or null to go on. */
    @Nullable
    String stopReason() {
        return cancelRequested ? CANCELLED : otherStop.get();
    }

    /** The connection the run works on now (null when none), so that a shutdown can cancel its statement. */
    void working(@Nullable Connection connection) {
        working = connection;
    }

    /**
     * Cancels the statement the run is executing, if any: it fails, its transaction rolls back, and the
     * run ends at that boundary. For a shutdown, which must not wait for a long statement.
     */
    void interruptWork() {
        Connection c = working;
        if (c == null) {
            return;
        }
        try {
            c.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            // the connection is gone already: nothing to interrupt
        }
    }

    synchronized void step(Step value) {
        long now = System.nanoTime();
        stepNanos[step.ordinal()] += now - stepStarted;
        stepStarted = now;
        step = value;
        if (value == Step.DELETING) {
            deletingSince = clock.instant();
        }
    }

    /** The 99th percentile of the run's commit-lock holds, once its deletion ended. */
    void fenceHoldP99(double millis) {
        fenceHoldP99Millis = millis;
    }

    /** Where the run's time went so far (the step under way counts up to now). */
    public synchronized Timings timings() {
        long[] nanos = stepNanos.clone();
        if (step != Step.FINISHED) {
            nanos[step.ordinal()] += System.nanoTime() - stepStarted;
        }
        return new Timings(
                nanos[Step.STARTING.ordinal()] / 1e9,
                nanos[Step.MARKING.ordinal()] / 1e9,
                nanos[Step.DELETING.ordinal()] / 1e9,
                nanos[Step.HOUSEKEEPING.ordinal()] / 1e9,
                fenceHoldP99Millis);
    }

    /**
     * Where a run's time went, step by step.
     *
     * @param indexSeconds bringing the index up to date (its catch-up, or its initial build)
     * @param markSeconds the mark from the root and the choice of candidates
     * @param deletionSeconds the deletion batches, the waits at the fence included
     * @param housekeepingSeconds the blob directory's housekeeping walk after a pack
     * @param fenceHoldP99Millis the 99th percentile of the batches' commit-lock holds, 0 when none
     */
    public record Timings(
            double indexSeconds,
            double markSeconds,
            double deletionSeconds,
            double housekeepingSeconds,
            double fenceHoldP99Millis) {

        /** Nothing recorded: a job from before timings were kept, or one that never ran. */
        public static final Timings NONE = new Timings(0, 0, 0, 0, 0);
    }

    void candidates(long value) {
        candidates = value;
    }

    void batch(long examinedCount, long deletedCount, long stateBytes, long unlinked, long files) {
        examined.addAndGet(examinedCount);
        deleted.addAndGet(deletedCount);
        bytes.addAndGet(stateBytes);
        largeObjects.addAndGet(unlinked);
        blobFiles.addAndGet(files);
    }

    /** A consistent-enough copy for display: each number is exact, they may be one batch apart. */
    public Snapshot snapshot() {
        Instant now = clock.instant();
        long done = deleted.get();
        Instant since = deletingSince;
        double seconds = since == null ? 0 : Duration.between(since, now).toMillis() / 1000.0;
        double rate = seconds > 0 ? done / seconds : 0;
        long total = candidates;
        Duration eta = null;
        if (total >= 0 && rate > 0 && step == Step.DELETING) {
            eta = Duration.ofSeconds((long) Math.ceil(Math.max(0, total - examined.get()) / rate));
        }
        return new Snapshot(
                kind,
                step,
                startedAt,
                total,
                examined.get(),
                done,
                bytes.get(),
                largeObjects.get(),
                blobFiles.get(),
                rate,
                eta,
                cancelRequested);
    }

    /**
     * Progress as of one moment.
     *
     * @param candidates objects the run expects to examine, or -1 while unknown (a drain learns its
     *     cascade as it goes)
     * @param examined candidates taken into batches and re-checked under the fence
     * @param deleted objects deleted
     * @param rate objects deleted per second since deleting started
     * @param eta estimated time left, null while unknown
     */
    public record Snapshot(
            CollectionKind kind,
            Step step,
            Instant startedAt,
            long candidates,
            long examined,
            long deleted,
            long bytes,
            long largeObjects,
            long blobFiles,
            double rate,
            @Nullable Duration eta,
            boolean cancelRequested) {}
}
