package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.Eligibility;
import io.github.relstoragepacker.relstorage.LockGeneration;
import java.sql.Connection;

/**
 * The state of one collection run's deletions, on the run's connection: what it deletes (its kind and
 * cutoff), how (the commit fence of the database's lock generation, the batch, the follow-up of the
 * batches committed), its totals, the watermark the last batch saw under the commit lock (a change
 * tells that Plone wrote meanwhile), and the overruns in a row at the smallest batch size.
 */
final class DeletionRun {
    final Connection c;
    final CollectionKind kind;
    final Eligibility cutoff;
    final LockGeneration generation;
    final CommitFence fence;
    final DeletionBatch batch;
    final BatchFollowUp followUp;
    final CollectionProgress progress;
    private final CollectorMetrics metrics;
    final CollectionResult.Builder result;
    long watermark = -1;
    int smallestOverruns;

    DeletionRun(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            LockGeneration generation,
            DeletionBatch batch,
            BatchFollowUp followUp,
            CollectionProgress progress,
            CollectorMetrics metrics) {
        this.c = c;
        this.kind = kind;
        this.cutoff = cutoff;
        this.generation = generation;
        this.fence = new CommitFence(generation);
        this.batch = batch;
        this.followUp = followUp;
        this.progress = progress;
        this.metrics = metrics;
        this.result = CollectionResult.builder(kind);
    }

    /** Follows up on the batches committed since the last follow-up, and counts what it did. */
    void settle() throws Exception {
        followUp.now(c);
        account();
    }

    /** Counts what the follow-ups that ended did: the objects the index forgot, the blob files removed. */
    void account() {
        BatchFollowUp.Done done = followUp.take();
        result.addClasses(done.classes());
        metrics.deleted(0, 0, 0, done.files());
        result.add(0, 0, 0, done.files());
        progress.batch(0, 0, 0, 0, done.files());
    }
}
