package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.Eligibility;
import io.github.relstoragepacker.relstorage.LockGeneration;
import java.sql.Connection;
import org.jspecify.annotations.Nullable;

/**
 * The state of one collection run's deletions, on the run's connection: what it deletes (its kind and
 * cutoff), how (the commit fence of the database's lock generation, the batch), its totals, the
 * watermark the last batch saw under the commit lock (a change tells that Plone wrote meanwhile), and
 * the overruns in a row at the smallest batch size.
 */
final class DeletionRun {
    final Connection c;
    final CollectionKind kind;
    final Eligibility cutoff;
    final LockGeneration generation;
    final CommitFence fence;
    final DeletionBatch batch;
    final @Nullable BlobOutbox outbox;
    final CollectionProgress progress;
    final CollectionResult.Builder result;
    long watermark = -1;
    int smallestOverruns;

    DeletionRun(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            LockGeneration generation,
            DeletionBatch batch,
            @Nullable BlobOutbox outbox,
            CollectionProgress progress) {
        this.c = c;
        this.kind = kind;
        this.cutoff = cutoff;
        this.generation = generation;
        this.fence = new CommitFence(generation);
        this.batch = batch;
        this.outbox = outbox;
        this.progress = progress;
        this.result = CollectionResult.builder(kind);
    }
}
