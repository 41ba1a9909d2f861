package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The daemon's one working thread: every poll interval it maintains the index (build, poll,
 * reconcile) and, when due, runs a drain or a cycle collection with the configured grace period;
 * after each cycle collection, a housekeeping walk of the shared blob directory.
 * Explicit packs run through {@link #pack}, excluded from the scheduled steps, so the index is never
 * written by two transactions of this process at once. An operator's pause stops the scheduled steps
 * only; an explicit pack still runs, catching the index up under its own fences.
 */
@Component
public class CollectionLoop {

    private static final Logger log = LoggerFactory.getLogger(CollectionLoop.class);

    private final IndexMaintainer index;
    private final TargetDatabase target;
    private final CollectorProperties properties;
    private final Collector collector;
    private final DataSource dataSource;
    private final CollectorMetrics metrics;
    private final BlobDirectoryGuard blobs;
    private final Clock clock;
    private Instant nextDrain;
    private Instant nextMark;
    private volatile boolean paused;
    private volatile @Nullable CollectionProgress current;
    private volatile @Nullable Finished lastRun;
    private volatile double lastSuccessSeconds = Double.NaN;

    /** A run that ended, and when. */
    public record Finished(CollectionResult result, Instant at) {}

    CollectionLoop(
            IndexMaintainer index,
            TargetDatabase target,
            DataSource dataSource,
            CollectorProperties properties,
            CollectorMetrics metrics,
            BlobDirectoryGuard blobs,
            MeterRegistry registry,
            Clock clock) {
        this.index = index;
        this.blobs = blobs;
        this.target = target;
        this.properties = properties;
        this.clock = clock;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.collector = new Collector(dataSource, index, properties, metrics, blobs, clock);
        this.nextDrain = clock.instant().plus(properties.drainInterval());
        this.nextMark = clock.instant().plus(properties.markInterval());
        Gauge.builder("packer.collector.paused", this, l -> l.paused ? 1 : 0)
                .description("1 while an operator has paused the poller and the continuous collector")
                .register(registry);
        Gauge.builder("packer.collector.on.hold", this, l -> l.holdReason() == null ? 0 : 1)
                .description("1 while collection is on hold: the last run refused to delete, the status says why")
                .register(registry);
        Gauge.builder("packer.collector.last.success.timestamp", this, l -> l.lastSuccessSeconds)
                .description("When a collection run last completed (epoch seconds)")
                .baseUnit("seconds")
                .register(registry);
    }

    @Scheduled(fixedDelayString = "${packer.index.poll-interval:200ms}")
    synchronized void tick() {
        if (paused || !index.maintain()) {
            return;
        }
        RelStorageDatabase db = target.current();
        if (db != null) {
            blobs.verifyIfDue(dataSource, db.database());
        }
        if (!properties.enabled()) {
            return;
        }
        Instant now = clock.instant();
        if (!now.isBefore(nextMark)) {
            runLogged(CollectionKind.CYCLES);
            housekeepLogged();
            nextMark = clock.instant().plus(properties.markInterval());
            nextDrain = clock.instant().plus(properties.drainInterval());
        } else if (!now.isBefore(nextDrain)) {
            runLogged(CollectionKind.DRAIN);
            nextDrain = clock.instant().plus(properties.drainInterval());
        }
    }

    /**
     * One pack now: catch the index up, then collect everything unreachable for longer than the
     * request's grace, cycles and what hangs below them included unless the request says otherwise.
     * {@code progress} shows how far it got, and cancels it at the next batch boundary.
     */
    public synchronized CollectionResult pack(PackRequest request, CollectionProgress progress) throws Exception {
        CollectionResult result = packNow(request, progress);
        // a refused request (a standby, an index not ready) says nothing about the collector's health
        if (result.outcome() != CollectionResult.Outcome.REFUSED) {
            finished(result);
        }
        return result;
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

    private CollectionResult packNow(PackRequest request, CollectionProgress progress) throws Exception {
        RelStorageDatabase db = target.current();
        if (db == null || !index.maintain()) {
            String why;
            if (db == null) {
                why = "the database cannot be reached: " + target.failure();
            } else if (!db.readProblems().isEmpty()) {
                why = String.join(" ", db.readProblems());
            } else if (!index.active()) {
                return CollectionResult.instanceBusy(CollectionKind.CYCLES);
            } else {
                why = "the index could not be brought up to date; the log names the cause";
            }
            return CollectionResult.refused(request.kind(), why);
        }
        current = progress;
        CollectionResult result;
        try {
            result = collector.run(
                    request.kind(),
                    request.grace(),
                    request.objectTidForUnknownHistory(),
                    request.dryRun(),
                    db,
                    progress);
        } finally {
            progress.step(CollectionProgress.Step.FINISHED);
            current = null;
        }
        boolean done = result.outcome() == CollectionResult.Outcome.COMPLETED
                || result.outcome() == CollectionResult.Outcome.DRY_RUN;
        if (done && request.kind() == CollectionKind.CYCLES) {
            try {
                BlobHousekeeping blobs = housekeepBlobs(request.grace(), request.dryRun());
                if (blobs != null) {
                    result = result.withNote("Blob directory: " + blobs.summary());
                }
            } catch (IOException | SQLException e) {
                log.error("Blob housekeeping after the pack failed; the pack itself stands: {}", e.getMessage(), e);
            }
        }
        return result;
    }

    /** Stops the scheduled index maintenance and collection until {@link #resume}; a running batch ends first. */
    public void pause() {
        paused = true;
        log.warn("Paused by an operator: no polling and no continuous collection until resumed");
    }

    public void resume() {
        paused = false;
        log.info("Resumed by an operator");
    }

    public boolean paused() {
        return paused;
    }

    /** The run under way (scheduled or explicit), or null when idle. */
    public @Nullable CollectionProgress current() {
        return current;
    }

    /** The last run that ended, scheduled or explicit, or null if none did since the start. */
    public @Nullable Finished lastRun() {
        return lastRun;
    }

    /** Why the last run refused to delete anything, or null if it did not. */
    public @Nullable String holdReason() {
        Finished last = lastRun;
        if (last == null) {
            return null;
        }
        return switch (last.result().outcome()) {
            case ON_HOLD, REFUSED -> last.result().message();
            default -> null;
        };
    }

    /** One index step now, between two runs: true when this instance leads and the index is up to date. */
    public synchronized boolean refreshIndex() {
        return index.maintain();
    }

    /** Throws the index away and lets the next step rebuild it, between two runs. */
    public synchronized void rebuildIndex() throws Exception {
        if (!index.maintain()) {
            throw new IllegalStateException("this instance cannot write the index now (phase " + index.phase()
                    + (index.lastFailure() == null ? "" : ", " + index.lastFailure()) + ")");
        }
        index.discard();
    }

    private void finished(CollectionResult result) {
        lastRun = new Finished(result, clock.instant());
        if (result.outcome() == CollectionResult.Outcome.COMPLETED) {
            lastSuccessSeconds = clock.millis() / 1000.0;
        }
    }

    /**
     * One housekeeping walk of the shared blob directory ({@link BlobHousekeeper}): removes the revision
     * files of live objects superseded for longer than {@code grace} and counts directories without an
     * object. Null when no blob directory is configured, or when it is not trusted (blob removal on hold,
     * {@link BlobDirectoryGuard}); the guard checks it again first.
     */
    public synchronized @Nullable BlobHousekeeping housekeepBlobs(Duration grace, boolean dryRun)
            throws SQLException, IOException {
        RelStorageDatabase db = target.current();
        if (!blobs.configured() || db == null) {
            return null;
        }
        BlobHousekeeping result;
        Path root;
        try (Connection c = dataSource.getConnection()) {
            BlobDirectory directory = blobs.verify(c, db.database());
            if (directory == null) {
                log.warn("Blob housekeeping skipped: blob removal is on hold");
                return null;
            }
            root = directory.root();
            c.setAutoCommit(true);
            result = new BlobHousekeeper(directory)
                    .run(c, Tids.toTid(clock.instant().minus(grace)), dryRun);
        }
        metrics.blobHousekeeping(result);
        if (result.orphanDirectories() > 0) {
            log.warn("Blob directory {}: {}; first ones: {}", root, result.summary(), result.orphanExamples());
        } else {
            log.info("Blob directory {}: {}", root, result.summary());
        }
        return result;
    }

    Collector collector() {
        return collector;
    }

    private void housekeepLogged() {
        try {
            housekeepBlobs(properties.grace(), false);
        } catch (Exception e) {
            log.error(
                    "Blob housekeeping failed; it is tried again after the next cycle collection: {}",
                    e.getMessage(),
                    e);
        }
    }

    private void runLogged(CollectionKind kind) {
        try {
            CollectionProgress progress = new CollectionProgress(kind, clock);
            current = progress;
            CollectionResult result;
            try {
                result = collector.run(kind, properties.grace(), false, false, target.current(), progress);
            } finally {
                current = null;
            }
            finished(result);
            if (result.objects() > 0 || result.outcome() != CollectionResult.Outcome.COMPLETED) {
                log.info(
                        "{} collection: {} objects ({} bytes) deleted, {}{}",
                        kind,
                        result.objects(),
                        result.bytes(),
                        result.outcome(),
                        result.message().isEmpty() ? "" : ": " + result.message());
            }
        } catch (Exception e) {
            log.error("{} collection failed; nothing of the failed batch was deleted: {}", kind, e.getMessage(), e);
        }
    }
}
