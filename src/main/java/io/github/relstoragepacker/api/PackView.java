package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.CollectionProgress;
import io.github.relstoragepacker.collect.PackJob;
import io.github.relstoragepacker.index.ClassTotal;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A pack job as the API shows it.
 *
 * @param id the job's number
 * @param url where to follow it
 * @param state queued, running, completed, dry_run, cancelled, failed, refused, busy, on_hold or interrupted
 * @param graceSeconds objects unreachable for less than this were kept
 * @param dryRun whether it only reported
 * @param includeCycles whether it marked from the root (cycles) or only drained unreferenced objects
 * @param unknownHistory "build" or "object-tid": how garbage older than the index was judged
 * @param requestedBy who asked
 * @param startedAt when it was accepted
 * @param finishedAt when it ended, null while under way
 * @param progress its numbers; a dry run deletes nothing, so its {@code deleted} stays 0
 * @param timings where its time went, step by step, and its commit-lock hold p99
 * @param wouldDelete for a dry run, how many objects would go; null otherwise
 * @param message what it deleted ("deleted 1,234 objects (5.6 MiB), ..."; a dry run: "would delete
 *     ..."), then why it did not complete, if it did not
 * @param classes objects and state bytes deleted per class (a dry run: that would go), most objects
 *     first; bytes -1 where a job was recorded before they were
 * @param housekeeping what the blob directory's housekeeping walk after the pack did (stale blob
 *     revisions of live objects), empty if none
 */
record PackView(
        long id,
        String url,
        String state,
        long graceSeconds,
        boolean dryRun,
        boolean includeCycles,
        String unknownHistory,
        String requestedBy,
        Instant startedAt,
        @Nullable Instant finishedAt,
        PackJob.Progress progress,
        CollectionProgress.Timings timings,
        @Nullable Long wouldDelete,
        String message,
        Map<String, ClassTotal> classes,
        String housekeeping) {

    static PackView of(PackJob job) {
        PackJob.Progress p = job.progress();
        boolean dry = job.request().dryRun();
        return new PackView(
                job.id(),
                PacksController.PATH + "/" + job.id(),
                job.state(),
                job.request().grace().toSeconds(),
                job.request().dryRun(),
                job.request().includeCycles(),
                job.request().objectTidForUnknownHistory() ? "object-tid" : "build",
                job.requestedBy(),
                job.startedAt(),
                job.finishedAt(),
                dry
                        ? new PackJob.Progress(
                                p.step(),
                                p.candidates(),
                                p.examined(),
                                0,
                                p.bytes(),
                                p.largeObjects(),
                                p.blobFiles(),
                                p.rate(),
                                p.etaSeconds())
                        : p,
                job.timings(),
                dry ? p.deleted() : null,
                job.message(),
                job.classes(),
                job.housekeeping());
    }
}
