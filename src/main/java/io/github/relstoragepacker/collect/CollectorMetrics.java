package io.github.relstoragepacker.collect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The collector's meters: what was examined, deleted and kept, and what the fence cost Plone. Names
 * and units are the ones the README's metric table, the Grafana dashboard and the alerts use.
 */
@Component
public class CollectorMetrics {

    /**
     * What this process deleted since it started.
     *
     * @param objects objects deleted
     * @param bytes their state bytes
     * @param blobFiles blob files removed with them
     */
    public record Deleted(long objects, long bytes, long blobFiles) {}

    private final MeterRegistry registry;
    private final Counter scanned;
    private final Counter objects;
    private final Counter bytes;
    private final Counter largeObjects;
    private final Counter blobFiles;
    private final Counter busy;
    private final Timer fenceHold;
    private final Counter queued;
    private final Counter overruns;
    private final Timer fenceWait;
    private final Timer batch;
    private final Counter staleBlobFiles;
    private final AtomicLong orphanBlobDirectories = new AtomicLong();

    CollectorMetrics(MeterRegistry registry) {
        this.registry = registry;
        scanned = Counter.builder("packer.collector.scanned")
                .description("Candidates taken into a deletion batch and re-checked under the commit lock")
                .baseUnit("objects")
                .register(registry);
        objects = Counter.builder("packer.collector.deleted.objects")
                .description("Objects deleted from object_state")
                .baseUnit("objects")
                .register(registry);
        bytes = Counter.builder("packer.collector.deleted.bytes")
                .description("State bytes of the deleted objects")
                .baseUnit("bytes")
                .register(registry);
        largeObjects = Counter.builder("packer.collector.deleted.large.objects")
                .description("Blob large objects unlinked with the deleted objects")
                .baseUnit("objects")
                .register(registry);
        blobFiles = Counter.builder("packer.collector.deleted.blob.files")
                .description("Blob files removed from the shared blob directory with the deleted objects")
                .baseUnit("files")
                .register(registry);
        busy = Counter.builder("packer.collector.fence.busy")
                .description("Attempts to take RelStorage's commit lock that found it busy and backed off")
                .register(registry);
        fenceHold = Timer.builder("packer.collector.fence.hold")
                .description("Time RelStorage's commit lock was held by one deletion batch")
                .publishPercentileHistogram()
                .register(registry);
        queued = Counter.builder("packer.collector.fence.queued")
                .description("Sessions (Plone commits) found waiting behind a deletion batch's commit lock at its"
                        + " end; the next batches are shorter")
                .register(registry);
        overruns = Counter.builder("packer.collector.fence.overruns")
                .description("Deletion batches rolled back and halved because they would have held RelStorage's"
                        + " commit lock longer than max-fence-hold")
                .register(registry);
        fenceWait = Timer.builder("packer.collector.fence.wait")
                .description("Time spent waiting for RelStorage's commit lock before a batch")
                .publishPercentileHistogram()
                .register(registry);
        batch = Timer.builder("packer.collector.batch")
                .description("Duration of one deletion batch, waiting for the commit lock included")
                .publishPercentileHistogram()
                .register(registry);
        kept("locked", 0);
        kept("changed", 0);
        holds("quarantine");
        for (BlobDirectory.Kept kept : BlobDirectory.Kept.values()) {
            keptBlobDirectories(kept.reason);
        }
        staleBlobFiles = Counter.builder("packer.collector.deleted.stale.blob.files")
                .description("Superseded blob revision files of live objects removed by housekeeping")
                .baseUnit("files")
                .register(registry);
        Gauge.builder("packer.blob.orphan.directories", orphanBlobDirectories, AtomicLong::get)
                .description("Blob directories without an object at the last housekeeping walk (reported, kept)")
                .register(registry);
    }

    void deleted(long count, long stateBytes, long unlinked, long files) {
        blobFiles.increment(files);
        objects.increment(count);
        bytes.increment(stateBytes);
        largeObjects.increment(unlinked);
    }

    /** The deletion counters' totals (they start at zero with the process). */
    public Deleted deletedSinceStart() {
        return new Deleted(Math.round(objects.count()), Math.round(bytes.count()), Math.round(blobFiles.count()));
    }

    void fenceHold(long nanos, int sessionsQueued) {
        fenceHold.record(nanos, TimeUnit.NANOSECONDS);
        queued.increment(sessionsQueued);
    }

    /** A mark ran: read the graph, or {@code reused} the last one's result. */
    void mark(boolean reused) {
        Counter.builder("packer.collector.marks")
                .description("Marks of the reachable objects by how they ended: fresh (the graph read and"
                        + " marked) or reused (nothing committed or vanished since the last one)")
                .tag("result", reused ? "reused" : "fresh")
                .register(registry)
                .increment();
    }

    void overrun() {
        overruns.increment();
    }

    void fenceWait(long nanos, int busyAttempts) {
        fenceWait.record(nanos, TimeUnit.NANOSECONDS);
        if (busyAttempts > 0) {
            busy.increment(busyAttempts);
        }
    }

    void batch(long nanos, long examined) {
        batch.record(nanos, TimeUnit.NANOSECONDS);
        scanned.increment(examined);
    }

    /** Candidates left in place for {@code reason}: never deleted on doubt, always counted. */
    void kept(String reason, long count) {
        Counter.builder("packer.collector.kept")
                .description("Candidates re-checked under the commit lock and kept, by reason")
                .baseUnit("objects")
                .tag("reason", reason)
                .register(registry)
                .increment(count);
    }

    /** A deleted object's blob directory left untouched for {@code reason} ({@link BlobDirectory#removeDeleted}). */
    void keptBlobDirectory(String reason) {
        keptBlobDirectories(reason).increment();
    }

    private Counter keptBlobDirectories(String reason) {
        return Counter.builder("packer.collector.kept.blob.directories")
                .description("Blob directories of deleted objects left untouched because nothing in them was"
                        + " provably the object's, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    /** A run refused to delete anything for {@code reason}. */
    void hold(String reason) {
        holds(reason).increment();
    }

    private Counter holds(String reason) {
        return Counter.builder("packer.collector.holds")
                .description("Collection runs that deleted nothing because collecting was not safe, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    void blobHousekeeping(BlobHousekeeping result) {
        if (!result.dryRun()) {
            staleBlobFiles.increment(result.staleFiles());
        }
        orphanBlobDirectories.set(result.orphanDirectories());
    }
}
