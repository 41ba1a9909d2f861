package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The collector's one thread. Everything that deletes runs on it, one thing at a time, and every
 * promise to operators follows from that and from runs that stop at batch boundaries:
 *
 * <ol>
 *   <li>Commands wait in a queue: explicit packs (API, command line) and index rebuilds. The thread
 *       takes the next one as soon as it is free.
 *   <li>Otherwise it runs the scheduled work: a cycle collection when {@code mark-interval} has passed
 *       (then a blob housekeeping walk), else a drain when {@code drain-interval} has; unless continuous
 *       collection is off or paused ({@link PauseSwitch}, kept in the database).
 *   <li>A run looks at its stop signal at every batch boundary: a scheduled run stops when a command
 *       waits (a pack preempts it within one batch), when paused, or on shutdown; a pack stops when
 *       cancelled, or on shutdown. A batch is one transaction: nothing is left half done.
 *   <li>On shutdown ({@link #stop()}) no batch starts any more; the statement under way is cancelled
 *       (its transaction rolls back), and the thread ends within {@link #SHUTDOWN_WAIT}. Commands still
 *       queued are abandoned as interrupted.
 *   <li>A pack whose connection was lost is tried again with back-off: every batch it committed
 *       stays.
 * </ol>
 *
 * The poller runs on a thread of its own ({@code IndexPolling}) and shares only the index's write lock
 * with this one.
 */
@Component
public class CollectionLoop implements SmartLifecycle {

    /** How long a shutdown waits for the thread (Kubernetes gives 30 s, we promise 5). */
    static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(4);

    private static final Logger log = LoggerFactory.getLogger(CollectionLoop.class);
    private static final Duration IDLE_WAKE = Duration.ofSeconds(1);

    private final IndexMaintainer index;
    private final TargetDatabase target;
    private final CollectorProperties properties;
    private final Collector collector;
    private final DataSource dataSource;
    private final BlobDirectoryGuard blobs;
    private final BlobHousekeepingService housekeeping;
    private final CollectionSchedule schedule;
    private final PackRunner packs;
    private final PauseSwitch pause;
    private final Clock clock;
    private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    private final List<Runnable> onBecomingActive = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private volatile @Nullable Thread thread;
    private volatile @Nullable CollectionProgress current;
    private boolean wasActive;
    private final AtomicLong pausedWhileDue = new AtomicLong();

    /** A run that ended, and when. */

    /**
     * A command for the collector's thread.
     *
     * @param progress the run's progress (and stop signal), for a pack; null for other commands
     * @param body what to do; runs on the collector's thread, and handles its own failures
     * @param abandoned told why, when the command never ran (the instance stopped first)
     */
    record Task(@Nullable CollectionProgress progress, Runnable body, Consumer<String> abandoned) {}

    CollectionLoop(
            IndexMaintainer index,
            TargetDatabase target,
            DataSource dataSource,
            CollectorProperties properties,
            CollectorMetrics metrics,
            BlobDirectoryGuard blobs,
            BlobHousekeepingService housekeeping,
            CollectionSchedule schedule,
            PauseSwitch pause,
            Clock clock) {
        this.index = index;
        this.target = target;
        this.properties = properties;
        this.clock = clock;
        this.dataSource = dataSource;
        this.blobs = blobs;
        this.housekeeping = housekeeping;
        this.schedule = schedule;
        this.pause = pause;
        this.collector = new Collector(dataSource, index, properties, metrics, blobs, clock, System::nanoTime);
        this.packs = new PackRunner(index, target, collector, housekeeping, schedule);
    }

    @Override
    public void start() {
        stopping = false;
        Thread t = new Thread(this::work, "collector");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Ends the thread within {@link #SHUTDOWN_WAIT}: no batch starts after this is called. */
    @Override
    public void stop() {
        stopping = true;
        Thread t = thread;
        if (t == null) {
            return;
        }
        CollectionProgress run = current;
        if (run != null) {
            log.info("Shutting down: the collection run stops now; every batch it committed stays");
            run.interruptWork();
        }
        t.interrupt();
        try {
            t.join(SHUTDOWN_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn(
                    "The collector's thread did not end within {}; its open batch rolls back with its connection",
                    SHUTDOWN_WAIT);
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    /** Queues {@code task} for the collector's thread; a scheduled run there stops at its next boundary. */
    void submit(Task task) {
        if (stopping) {
            task.abandoned().accept("the instance is shutting down");
            return;
        }
        tasks.add(task);
    }

    /** Runs {@code action} on the collector's thread whenever the index becomes ready under this instance. */
    void onBecomingActive(Runnable action) {
        onBecomingActive.add(action);
    }

    private void work() {
        while (!stopping) {
            try {
                Task task = tasks.poll(schedule.millisUntilDue(IDLE_WAKE), TimeUnit.MILLISECONDS);
                if (stopping) {
                    if (task != null) {
                        task.abandoned().accept("the instance is shutting down");
                    }
                    break;
                }
                noticeLeadership();
                if (task != null) {
                    run(task);
                } else {
                    scheduled();
                }
            } catch (InterruptedException e) {
                // a shutdown: the loop ends
            } catch (RuntimeException e) {
                log.error("The collector's thread caught an unexpected failure; it goes on: {}", e.getMessage(), e);
            }
        }
        for (Task task = tasks.poll(); task != null; task = tasks.poll()) {
            task.abandoned().accept("the instance is shutting down");
        }
    }

    /** The actions run once the index is ready under this instance's leadership (its schema exists then). */
    private void noticeLeadership() {
        boolean active = index.ready();
        if (active && !wasActive) {
            for (Runnable action : onBecomingActive) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.warn("On becoming the active instance: {}", e.getMessage());
                }
            }
        }
        wasActive = active;
    }

    private void run(Task task) {
        CollectionProgress progress = task.progress();
        if (progress != null && progress.cancelRequested()) {
            task.abandoned().accept(CollectionProgress.CANCELLED + " before it started");
            return;
        }
        task.body().run();
    }

    private void scheduled() {
        RelStorageDatabase db = target.current();
        if (db == null || !index.ready()) {
            return;
        }
        blobs.verifyIfDue(dataSource, db.database());
        if (!properties.enabled()) {
            return;
        }
        CollectionKind due = schedule.due();
        if (due == null) {
            return;
        }
        if (pause.paused() != null) {
            pausedWhileDue.incrementAndGet();
            return;
        }
        if (runScheduled(due, db)) {
            if (due == CollectionKind.CYCLES) {
                housekeeping.runLogged(properties.grace());
            }
            schedule.completed(due);
        }
    }

    /** Runs one scheduled collection; false when it stopped at a boundary before its end. */
    private boolean runScheduled(CollectionKind kind, RelStorageDatabase db) {
        CollectionProgress progress = new CollectionProgress(kind, clock);
        progress.stopWhen(() -> stopping
                ? "the instance is shutting down"
                : !tasks.isEmpty() ? "a command is waiting" : pause.paused() != null ? "paused by an operator" : null);
        current = progress;
        try {
            CollectionResult result = collector.run(kind, properties.grace(), false, false, db, progress);
            if (result.outcome() == CollectionResult.Outcome.STOPPED) {
                log.debug("{} collection stopped at a batch boundary after {} objects", kind, result.objects());
                return false;
            }
            schedule.finished(result, kind);
            if (result.objects() > 0 || result.outcome() != CollectionResult.Outcome.COMPLETED) {
                log.info(
                        "{} collection: {} objects ({} bytes) deleted, {}{}",
                        kind,
                        result.objects(),
                        result.bytes(),
                        result.outcome(),
                        result.message().isEmpty() ? "" : ": " + result.message());
            }
            return true;
        } catch (Exception e) {
            if (stopping) {
                log.info("{} collection stopped by the shutdown; every batch it committed stays", kind);
            } else if (TransientFailure.is(e)) {
                log.warn(
                        "{} collection lost its database connection ({}); it runs again when due",
                        kind,
                        TransientFailure.describe(e));
            } else {
                log.error("{} collection failed; nothing of the failed batch was deleted: {}", kind, e.getMessage(), e);
            }
            return true;
        } finally {
            current = null;
        }
    }

    /**
     * One pack, on the collector's thread after whatever runs there reaches its next batch boundary;
     * waits for it. Catches the index up, then collects everything unreachable for longer than the
     * request's grace, cycles and what hangs below them included unless the request says otherwise.
     * {@code progress} shows how far it got, and cancels it at the next batch boundary.
     */
    public CollectionResult pack(PackRequest request, CollectionProgress progress) throws Exception {
        if (Thread.currentThread() == thread) {
            return runPack(request, progress);
        }
        CompletableFuture<CollectionResult> result = new CompletableFuture<>();
        submit(new Task(
                progress,
                () -> {
                    try {
                        result.complete(runPack(request, progress));
                    } catch (Exception e) {
                        result.completeExceptionally(e);
                    }
                },
                why -> result.complete(CollectionResult.builder(request.kind()).stopped(why))));
        return await(result);
    }

    /** One pack of everything unreachable for longer than {@code grace}, cycles included. */
    public CollectionResult pack(Duration grace, boolean dryRun) throws Exception {
        PackRequest request = new PackRequest(grace, dryRun, true, false);
        return pack(request, progressFor(request));
    }

    /** A progress for a pack about to be asked of {@link #pack}. */
    public CollectionProgress progressFor(PackRequest request) {
        return new CollectionProgress(request.kind(), clock);
    }

    /** A pack on the collector's thread ({@link PackRunner}); the shutdown stops it at a batch boundary. */
    CollectionResult runPack(PackRequest request, CollectionProgress progress) throws Exception {
        progress.stopWhen(() -> stopping ? "the instance is shutting down" : null);
        current = progress;
        try {
            return packs.run(request, progress);
        } finally {
            current = null;
        }
    }

    /** Pauses the continuous collection on behalf of {@code by}: the run under way stops at its next batch. */
    public void pause(String by) {
        pause.pause(by);
    }

    public void resume() {
        pause.resume();
    }

    public boolean paused() {
        return pause.paused() != null;
    }

    /** The run under way (scheduled or explicit), or null when idle. */
    public @Nullable CollectionProgress current() {
        return current;
    }

    /** One index step now: true when this instance leads and the index is up to date. */
    public boolean refreshIndex() {
        return index.maintain();
    }

    /** Throws the index away and lets the poller rebuild it, between two runs of the collector's thread. */
    public void rebuildIndex() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable discard = () -> {
            try {
                if (!index.maintain()) {
                    throw new IllegalStateException("this instance cannot write the index now (phase "
                            + index.phase().label()
                            + (index.lastFailure() == null ? "" : ", " + index.lastFailure()) + ")");
                }
                index.discard();
                done.complete(null);
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        };
        if (Thread.currentThread() == thread) {
            discard.run();
        } else {
            submit(new Task(null, discard, why -> done.completeExceptionally(new IllegalStateException(why))));
        }
        await(done);
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    Collector collector() {
        return collector;
    }

    /** How long the batches of the last collection run held RelStorage's commit lock. */
    public FenceHolds fenceHolds() {
        return collector.fenceHolds();
    }

    /** How often a scheduled run was due but not started because collection was paused (for tests). */
    long pausedWhileDue() {
        return pausedWhileDue.get();
    }
}
