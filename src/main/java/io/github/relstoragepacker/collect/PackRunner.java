package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One explicit pack, on the collector's thread ({@link CollectionLoop}). It catches the index up with
 * every commit before it (its own index step, waiting for the poller's or its build under the index's
 * write lock), collects, then walks the blob directory after a cycle collection. A connection lost on the
 * way is tried again with back-off: every batch committed before stays. A refused request (a standby, an
 * index not ready) says nothing about the collector's health and is not counted as its last run.
 */
final class PackRunner {

    private static final Logger log = LoggerFactory.getLogger(PackRunner.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final int RETRIES = 8;
    private static final Duration INDEX_READY_WAIT = Duration.ofMinutes(2);

    private final IndexMaintainer index;
    private final TargetDatabase target;
    private final Collector collector;
    private final BlobHousekeepingService housekeeping;
    private final CollectionSchedule schedule;

    PackRunner(
            IndexMaintainer index,
            TargetDatabase target,
            Collector collector,
            BlobHousekeepingService housekeeping,
            CollectionSchedule schedule) {
        this.index = index;
        this.target = target;
        this.collector = collector;
        this.housekeeping = housekeeping;
        this.schedule = schedule;
    }

    /** Runs the pack {@code request}; {@code progress} shows how far it got and stops it when asked. */
    CollectionResult run(PackRequest request, CollectionProgress progress) throws Exception {
        CollectionResult result;
        try {
            Duration backoff = FIRST_RETRY;
            for (int attempt = 1; ; attempt++) {
                try {
                    result = packNow(request, progress);
                    break;
                } catch (Exception e) {
                    if (!TransientFailure.is(e) || progress.stopReason() != null || attempt > RETRIES) {
                        throw e;
                    }
                    log.warn(
                            "The pack lost its database connection ({}); trying again in {} s, every batch it committed stays",
                            TransientFailure.describe(e),
                            backoff.toSeconds());
                    Thread.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2);
                }
            }
        } finally {
            progress.step(CollectionProgress.Step.FINISHED);
        }
        if (result.outcome() != CollectionResult.Outcome.REFUSED) {
            schedule.finished(result, null);
        }
        return result;
    }

    private CollectionResult packNow(PackRequest request, CollectionProgress progress) throws Exception {
        long deadline = System.nanoTime() + INDEX_READY_WAIT.toNanos();
        // a step of our own catches up with every commit before this moment (waiting for the poller's
        // step, or its build, under the index's write lock)
        while (!index.maintain()) {
            RelStorageDatabase db = target.current();
            if (db == null) {
                return CollectionResult.refused(request.kind(), "the database cannot be reached: " + target.failure());
            }
            if (!db.readProblems().isEmpty()) {
                return CollectionResult.refused(request.kind(), String.join(" ", db.readProblems()));
            }
            if (index.phase() == IndexMaintainer.Phase.STANDBY) {
                return CollectionResult.instanceBusy(request.kind());
            }
            String stop = progress.stopReason();
            if (stop != null) {
                return CollectionResult.builder(request.kind()).stopped(stop);
            }
            if (System.nanoTime() > deadline) {
                return CollectionResult.refused(
                        request.kind(),
                        "the index could not be brought up to date"
                                + (index.lastFailure() == null ? "" : ": " + index.lastFailure()));
            }
            Thread.sleep(200);
        }
        RelStorageDatabase db = target.current();
        CollectionResult result = collector.run(
                request.kind(), request.grace(), request.objectTidForUnknownHistory(), request.dryRun(), db, progress);
        boolean done = result.outcome() == CollectionResult.Outcome.COMPLETED
                || result.outcome() == CollectionResult.Outcome.DRY_RUN;
        if (done && request.kind() == CollectionKind.CYCLES) {
            progress.step(CollectionProgress.Step.HOUSEKEEPING);
            try {
                BlobHousekeeping walk = housekeeping.run(request.grace(), request.dryRun());
                if (walk != null) {
                    result = result.withHousekeeping(walk.summary());
                }
            } catch (IOException | SQLException e) {
                log.error("Blob housekeeping after the pack failed; the pack itself stands: {}", e.getMessage(), e);
            }
        }
        return result;
    }
}
