package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One explicit pack, as recorded in {@code packer.collection_run} and, while it runs, as its live
 * progress says.
 *
 * @param id the job's number, increasing
 * @param state queued, running, or how it ended: completed, dry_run, cancelled, failed, refused, busy,
 *     on_hold, interrupted (its process died)
 * @param request what was asked
 * @param requestedBy who asked (the authenticated user, or "command line")
 * @param startedAt when it was accepted
 * @param finishedAt when it ended, null while under way
 * @param progress live numbers while it runs; the final ones once it ended
 * @param timings where its time went so far, step by step
 * @param message what it deleted (a dry run: would delete), then, for a job that did not complete, why
 *     and what to do
 * @param classes objects and state bytes deleted per class (a dry run: that would go), most objects
 *     first; bytes are -1 for a job recorded before they were
 * @param housekeeping what the blob directory's housekeeping walk after the pack did, empty if none
 */
public record PackJob(
        long id,
        String state,
        PackRequest request,
        String requestedBy,
        Instant startedAt,
        @Nullable Instant finishedAt,
        Progress progress,
        CollectionProgress.Timings timings,
        String message,
        Map<String, ClassTotal> classes,
        String housekeeping) {

    /** Whether the job is still queued or running. */
    public boolean active() {
        return finishedAt == null;
    }

    /**
     * The job's numbers.
     *
     * @param step where a running job is (starting, marking, deleting, finished)
     * @param candidates objects it expects to examine, -1 while unknown; once ended, how many there were
     * @param examined candidates re-checked under the fence
     * @param deleted objects deleted (for a dry run: that would be)
     * @param bytes their state bytes
     * @param largeObjects blob large objects unlinked
     * @param blobFiles blob files removed
     * @param rate objects deleted per second while deleting
     * @param etaSeconds estimated seconds left, null while unknown
     */
    public record Progress(
            String step,
            long candidates,
            long examined,
            long deleted,
            long bytes,
            long largeObjects,
            long blobFiles,
            double rate,
            @Nullable Long etaSeconds) {}
}
