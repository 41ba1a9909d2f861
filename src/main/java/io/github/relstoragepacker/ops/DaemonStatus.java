package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.CollectionProgress;
import io.github.relstoragepacker.collect.PackJob;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything an operator asks first, in one answer: what the daemon is doing and why, how far behind
 * the index is, how much garbage waits, what the last pack did, and what database this is.
 *
 * @param phase building, catching up, idle, draining, marking, paused, on hold, standby or waiting
 *     for the database
 * @param reason why, for the phases that need one (on hold, waiting for the database), else null
 * @param paused whether an operator paused the poller and the continuous collector
 * @param active whether this instance holds the leader lock (a standby only reads)
 * @param index where the index stands, null before it exists
 * @param lagSeconds seconds since this instance last caught up with every commit; null if it never did
 * @param run the collection run under way, null when idle
 * @param lastRun the last collection run that ended on this instance, null if none
 * @param lastPack the newest pack job, from any instance, null if none
 * @param database what the probe found
 */
public record DaemonStatus(
        String phase,
        @Nullable String reason,
        boolean paused,
        boolean active,
        @Nullable Index index,
        @Nullable Double lagSeconds,
        CollectionProgress.@Nullable Snapshot run,
        @Nullable LastRun lastRun,
        @Nullable PackJob lastPack,
        Database database) {

    /**
     * The index, as of its last recount.
     *
     * @param state empty, building or ready
     * @param watermark every commit up to this tid (hexadecimal) is in the index
     * @param watermarkTime that tid's commit time
     * @param objects objects indexed
     * @param bytes their state bytes
     * @param unreferenced objects without a strong referrer, waiting for the drain
     * @param unreferencedBytes their state bytes
     * @param unreachable objects the last mark found unreachable (unreferenced ones included)
     * @param unreachableBytes their state bytes
     * @param quarantined objects whose state cannot be read; collection waits while there are any
     * @param countedAt when these numbers were counted
     */
    public record Index(
            String state,
            String watermark,
            @Nullable Instant watermarkTime,
            long objects,
            long bytes,
            long unreferenced,
            long unreferencedBytes,
            long unreachable,
            long unreachableBytes,
            long quarantined,
            Instant countedAt) {}

    /**
     * A collection run that ended.
     *
     * @param kind drain or cycles
     * @param outcome how it ended
     * @param objects objects deleted
     * @param bytes their state bytes
     * @param at when it ended
     * @param message why it did not complete, if it did not
     */
    public record LastRun(String kind, String outcome, long objects, long bytes, Instant at, String message) {}

    /**
     * The target database.
     *
     * @param reachable whether the last probe reached it
     * @param summary one line: name, layout, RelStorage generation, blob storage
     * @param generation the RelStorage lock generation, null if unknown
     * @param blobs where blobs live: "database", "shared directory" or "none found"
     * @param problems what forbids reading or collecting, with the fix
     * @param warnings what costs performance, with the fix
     */
    public record Database(
            boolean reachable,
            String summary,
            @Nullable String generation,
            String blobs,
            List<String> problems,
            List<String> warnings) {}
}
