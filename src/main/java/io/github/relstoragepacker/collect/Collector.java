package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.collect.Attempt.Ending;
import io.github.relstoragepacker.index.Eligibility;
import io.github.relstoragepacker.index.GarbageBatch;
import io.github.relstoragepacker.index.GarbageSets;
import io.github.relstoragepacker.index.IndexBehindException;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.ReachabilityMark;
import io.github.relstoragepacker.relstorage.DedicatedSessions;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection run: deletes garbage from {@code object_state} in short batches while Plone commits.
 *
 * <ol>
 *   <li>Refuse a database that may not be collected; check the blob directory ({@link
 *       BlobDirectoryGuard}); finish what a process that died left (the journal's objects go to the blob
 *       outbox and leave the index, the outbox is emptied); hold everything while an object is
 *       quarantined.
 *   <li>A cycle run (and a dry run) marks from the root ({@link ReachabilityMark}), which fills {@code
 *       packer.unreachable}; the poller keeps that set closed under incoming references ever after.
 *   <li>Cycle candidates ({@link GarbageSets}): members of {@code packer.unreachable} unreachable for longer than the grace,
 *       minus everything a younger member reaches (a re-link of the younger member within its grace
 *       would need them). A drain takes them too, so garbage a mark found while Plone wrote goes at the
 *       next run, not a full mark later.
 *   <li>Batches ({@link DeletionBatch}) of the cycle candidates, then cascades from the unreferenced
 *       objects old enough, in passes over the zoids until a pass deletes nothing. Each batch holds
 *       RelStorage's commit lock for at most {@code max-fence-hold}: every statement under it has a
 *       deadline ({@link HoldDeadline}); a batch that would run past it is rolled back and the next one
 *       is smaller ({@link BatchSizer}).
 *   <li>After each batch's commit, the {@link BatchFollowUp}: the journal's objects that have an oid
 *       directory (all of them while blob removal is on hold) go to the blob outbox (a flushed commit, so
 *       that no file goes before its deletion is durable), they leave the index, and the outbox's files
 *       go; beside the next cycle batch's choice and deletion, which never write the index meanwhile.
 * </ol>
 *
 * RelStorage's pack lock is held for the deletions, before the commit lock, as RelStorage orders them.
 * The run looks at {@link CollectionProgress#stopReason()} at every batch boundary (and between the
 * steps of a mark) and ends there when asked: a batch is one transaction, never left half done.
 */
final class Collector {

    private static final Logger log = LoggerFactory.getLogger(Collector.class);
    /** Overruns in a row at the smallest batch size before the run gives up. */
    private static final int SMALLEST_OVERRUNS = 3;

    private final DataSource dataSource;
    private final DataSource dedicated;
    private final IndexMaintainer index;
    private final CollectorProperties properties;
    private final CollectorMetrics metrics;
    private final BlobDirectoryGuard blobs;
    private final Clock clock;
    private final LongSupplier ticker;
    private BatchSizer sizer;
    private FenceHolds holds = new FenceHolds();
    private Runnable afterMark = () -> {};
    private Runnable beforeFence = () -> {};
    private Runnable besideFollowUp = () -> {};

    Collector(
            DataSource dataSource,
            IndexMaintainer index,
            CollectorProperties properties,
            CollectorMetrics metrics,
            BlobDirectoryGuard blobs,
            Clock clock,
            LongSupplier ticker) {
        this.dataSource = dataSource;
        this.dedicated = DedicatedSessions.of(dataSource);
        this.index = index;
        this.properties = properties;
        this.metrics = metrics;
        this.blobs = blobs;
        this.clock = clock;
        this.ticker = ticker;
        this.sizer = new BatchSizer(properties.maxFenceHold());
    }

    /** Runs one collection of {@code kind} with {@code grace}; the index must be ready and led by us. */
    CollectionResult run(
            CollectionKind kind,
            Duration grace,
            boolean objectTidForUnknownHistory,
            boolean dryRun,
            RelStorageDatabase db,
            CollectionProgress progress)
            throws Exception {
        long cutoffTid = Tids.toTid(clock.instant().minus(grace));
        LockGeneration generation = db.generation();
        if (generation == null || !db.collectProblems().isEmpty()) {
            return CollectionResult.refused(kind, String.join(" ", db.collectProblems()));
        }
        try (Connection c = dataSource.getConnection()) {
            progress.working(c);
            BlobDirectory directory = blobs.verify(c, db.database());
            BlobOutbox outbox = directory == null ? null : new BlobOutbox(directory, metrics);
            Eligibility cutoff = GarbageSets.eligibility(c, cutoffTid, objectTidForUnknownHistory, blobs.onHold());
            CollectionResult result;
            try (BatchFollowUp followUp =
                    new BatchFollowUp(dataSource, index, properties.blobDirectory() != null, outbox, besideFollowUp)) {
                result = run(c, kind, cutoff, dryRun, generation, followUp, progress);
            }
            if (!cutoff.blobHold()) {
                return result;
            }
            long held = GarbageSets.heldBlobGarbage(c);
            blobs.held(held);
            return result.withNote("Blob removal is on hold, %,d garbage objects owning blob files were kept: %s"
                    .formatted(held, blobs.last() == null ? "" : blobs.last().reason()));
        } finally {
            progress.working(null);
        }
    }

    private CollectionResult run(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            boolean dryRun,
            LockGeneration generation,
            BatchFollowUp followUp,
            CollectionProgress progress)
            throws Exception {
        // what a process that died after a batch's commit left: the journal and the outbox
        followUp.now(c);
        followUp.take();
        String hold = GarbageSets.quarantineHold(c);
        if (hold != null) {
            metrics.hold("quarantine");
            log.warn("Collection on hold: {}", hold);
            return CollectionResult.onHold(kind, hold);
        }
        if (kind == CollectionKind.CYCLES || dryRun) {
            progress.step(CollectionProgress.Step.MARKING);
            ReachabilityMark.Result mark = new ReachabilityMark(index).run(c, () -> progress.stopReason() != null);
            if (mark == null) {
                return CollectionResult.builder(kind).stopped(progress.stopReason());
            }
            metrics.mark(mark.reused());
            afterMark.run();
        }
        long cycleCandidates = GarbageSets.prepareCandidates(c, cutoff);
        progress.candidates(cycleCandidates + GarbageSets.eligibleUnreferenced(c, cutoff));
        if (dryRun) {
            return CollectionResult.dryRun(kind, GarbageSets.candidatesByClass(c));
        }
        try (PackLock pack = PackLock.tryAcquire(dedicated, generation)) {
            if (pack == null) {
                return CollectionResult.packLockBusy(kind, generation.packLockKey());
            }
            progress.step(CollectionProgress.Step.DELETING);
            try {
                return deleteInBatches(c, kind, cutoff, generation, cycleCandidates > 0, followUp, progress, pack);
            } finally {
                progress.fenceHoldP99(holds.quantileMillis(0.99));
            }
        }
    }

    private CollectionResult deleteInBatches(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            LockGeneration generation,
            boolean cycleCandidates,
            BatchFollowUp followUp,
            CollectionProgress progress,
            PackLock pack)
            throws Exception {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        GarbageBatch.prepare(c);
        c.commit();
        DeletionRun run = new DeletionRun(
                c, kind, cutoff, generation, new DeletionBatch(index, properties), followUp, progress, metrics);
        long started = ticker.getAsLong();
        holds = new FenceHolds();
        for (boolean cascade : cycleCandidates ? new boolean[] {false, true} : new boolean[] {true}) {
            long cursor = -1;
            long deletedInPass = 0;
            while (true) {
                String stop = progress.stopReason();
                if (stop != null) {
                    run.settle();
                    return run.result.stopped(stop);
                }
                pack.requireHeld();
                Attempt attempt = attempt(run, cascade, cursor);
                run.account();
                switch (attempt.ending()) {
                    case FENCE_BUSY -> {
                        run.settle();
                        return run.result
                                .outcome(CollectionResult.Outcome.FENCE_BUSY)
                                .build();
                    }
                    case STOPPED -> {
                        run.settle();
                        return run.result.stopped(String.valueOf(progress.stopReason()));
                    }
                    case NOTHING_LEFT -> {
                        // objects a cascade pass left without referrer, at zoids it had passed, go in the next pass
                        if (!cascade || deletedInPass == 0) {
                            break;
                        }
                        cursor = -1;
                        deletedInPass = 0;
                        continue;
                    }
                    case DONE -> {
                        cursor = attempt.cursor();
                        deletedInPass += attempt.deleted();
                        continue;
                    }
                    case RETRY -> {
                        continue;
                    }
                }
                break;
            }
        }
        run.settle();
        return completed(run.result, kind, started);
    }

    /**
     * Chooses, fences, deletes and commits one batch; the index's write lock is held from choice to commit
     * and until the follow-up of the batch before, which runs beside a cycle batch, ended.
     */
    private Attempt attempt(DeletionRun run, boolean cascade, long cursor) throws Exception {
        Lock writes = index.writes();
        writes.lock();
        try {
            if (cascade) {
                run.followUp.now(run.c);
            } else {
                run.followUp.startBeside();
            }
            DeletionBatch.Choice choice = cascade
                    ? run.batch.chooseCascade(run.c, run.cutoff, cursor, sizer.size())
                    : run.batch.chooseUnreachable(run.c, run.cutoff, cursor, sizer.size());
            if (choice.count() == 0) {
                return Attempt.of(Ending.NOTHING_LEFT, cursor);
            }
            choice = run.batch.refresh(run.c, choice, run.followUp);
            metrics.kept("changed", choice.kept());
            if (choice.count() == 0) {
                return new Attempt(Ending.DONE, choice.cursor(), 0);
            }
            beforeFence.run();
            long waitStart = ticker.getAsLong();
            int busy = run.fence.acquire(
                    run.c, properties.maxFenceWait(), writes, run.followUp, () -> run.progress.stopReason() != null);
            metrics.fenceWait(ticker.getAsLong() - waitStart, Math.max(busy, 0));
            if (busy < 0) {
                run.c.rollback();
                return Attempt.of(run.progress.stopReason() != null ? Ending.STOPPED : Ending.FENCE_BUSY, cursor);
            }
            long held = ticker.getAsLong();
            HoldDeadline deadline = HoldDeadline.after(properties.maxFenceHold(), ticker);
            DeletionBatch.Deleted deleted;
            long holdNanos;
            long commitNanos;
            try {
                deleted = run.batch.delete(run.c, choice, run.generation, deadline, run.followUp);
                long committing = ticker.getAsLong();
                run.c.commit();
                holdNanos = ticker.getAsLong() - held;
                commitNanos = ticker.getAsLong() - committing;
            } catch (SQLException e) {
                run.c.rollback();
                if (!HoldDeadline.isExpiry(e)) {
                    throw e;
                }
                overran(run);
                return Attempt.of(Ending.RETRY, cursor);
            } catch (IndexBehindException e) {
                // the poller catches up outside the fence; the next attempt finds little to read
                run.c.rollback();
                return Attempt.of(Ending.RETRY, cursor);
            } catch (DeletionBatch.VanishedException e) {
                run.c.rollback();
                run.followUp.awaitWithin(HoldDeadline.NONE);
                log.warn("{}; removing such objects from the index and trying again", e.getMessage());
                index.reconcile();
                return Attempt.of(Ending.RETRY, cursor);
            } catch (Exception e) {
                run.c.rollback();
                throw e;
            }
            // counted before the follow-up beside is waited for, whose failure would not undo the commit
            committed(run, deleted, holdNanos, commitNanos, waitStart);
            return new Attempt(Ending.DONE, choice.cursor(), deleted.deleted());
        } finally {
            try {
                run.followUp.awaitWithin(HoldDeadline.NONE);
            } finally {
                writes.unlock();
            }
        }
    }

    private void committed(
            DeletionRun run, DeletionBatch.Deleted deleted, long holdNanos, long commitNanos, long waitStart) {
        run.followUp.committed();
        run.smallestOverruns = 0;
        holds.record(holdNanos, commitNanos);
        metrics.fenceHold(holdNanos, deleted.queued());
        metrics.kept("changed", deleted.changed());
        metrics.kept("locked", deleted.locked());
        boolean ploneWrote = run.watermark >= 0 && deleted.watermark() != run.watermark;
        run.watermark = deleted.watermark();
        sizer.held(holdNanos - commitNanos, deleted.queued(), ploneWrote);
        metrics.batch(ticker.getAsLong() - waitStart, deleted.selected());
        metrics.deleted(deleted.deleted(), deleted.bytes(), deleted.largeObjects(), 0);
        run.result.add(deleted.deleted(), deleted.bytes(), deleted.largeObjects(), 0);
        run.progress.batch(deleted.selected(), deleted.deleted(), deleted.bytes(), deleted.largeObjects(), 0);
    }

    private void overran(DeletionRun run) {
        metrics.overrun();
        if (sizer.smallest() && ++run.smallestOverruns >= SMALLEST_OVERRUNS) {
            throw new IllegalStateException("even the smallest batch (" + BatchSizer.MIN_BATCH
                    + " objects) could not be deleted within packer.collector.max-fence-hold ("
                    + properties.maxFenceHold().toMillis() + " ms) " + SMALLEST_OVERRUNS
                    + " times in a row: the database is too slow or too busy for this limit. Raise"
                    + " packer.collector.max-fence-hold, or collect when Plone is quieter.");
        }
        log.debug(
                "A batch of {} would have held the commit lock too long; rolled back, next one smaller", sizer.size());
        sizer.overran();
    }

    private CollectionResult completed(CollectionResult.Builder result, CollectionKind kind, long started) {
        CollectionResult done =
                result.outcome(CollectionResult.Outcome.COMPLETED).build();
        double seconds = (ticker.getAsLong() - started) / 1e9;
        if (done.objects() == 0 && holds.count() == 0) {
            log.debug("{}: nothing to delete ({} s)", kind, "%.2f".formatted(seconds));
            return done;
        }
        log.info(
                "{}: deleted {} objects in {} batches, {} s ({} objects/s), commit-lock hold p50 {} ms, p99 {} ms,"
                        + " longest {} ms",
                kind,
                done.objects(),
                holds.count(),
                "%.2f".formatted(seconds),
                "%.0f".formatted(done.objects() / Math.max(seconds, 1e-9)),
                "%.1f".formatted(holds.quantileMillis(0.5)),
                "%.1f".formatted(holds.quantileMillis(0.99)),
                "%.1f".formatted(holds.quantileMillis(1)));
        return done;
    }

    /** Test seam: runs between the mark and the choice of candidates, to commit "during the analysis". */
    void afterMark(Runnable hook) {
        afterMark = hook;
    }

    /** Test seam: runs between a batch's choice and its fence, to commit "while the batch waits". */
    void beforeFence(Runnable hook) {
        beforeFence = hook;
    }

    /** Test seam: runs on the helper thread before the follow-up of a batch that runs beside the next one. */
    void besideFollowUp(Runnable hook) {
        besideFollowUp = hook;
    }

    /** Test seam: the next batch has the first size again, as after a start. */
    void resetBatchSize() {
        sizer = new BatchSizer(properties.maxFenceHold());
    }

    /** How long the batches of the last run held the commit lock. */
    FenceHolds fenceHolds() {
        return holds;
    }
}
