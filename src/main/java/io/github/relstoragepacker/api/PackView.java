package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.PackJob;
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
 * @param progress its numbers
 * @param message why it did not complete, if it did not
 * @param classes for a dry run, objects per class that would go
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
        String message,
        Map<String, Long> classes) {

    static PackView of(PackJob job) {
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
                job.progress(),
                job.message(),
                job.classes());
    }
}
