package io.github.relstoragepacker.collect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Explicit packs as jobs: accepted at once, run one at a time on the collector's thread ({@link
 * CollectionLoop}), which preempts a scheduled run for them at its next batch boundary; recorded
 * ({@link PackJobRecords}) when accepted and when they end, so that their outcome outlives the
 * process. Cancelling asks the run to stop at its next batch boundary; a batch is one transaction, so
 * nothing is ever left half done. A job the shutdown stops, or that never started, ends {@code
 * interrupted}; so do the unfinished jobs of another instance as soon as this one becomes active.
 */
@Component
public class PackJobs {

    private static final Logger log = LoggerFactory.getLogger(PackJobs.class);

    private final CollectionLoop loop;
    private final PackJobRecords records;
    private final MeterRegistry registry;
    private final Object lock = new Object();
    private volatile @Nullable Running running;

    private record Running(
            long id,
            PackRequest request,
            String requestedBy,
            Instant startedAt,
            CollectionProgress progress,
            AtomicBoolean started) {}

    PackJobs(CollectionLoop loop, DataSource dataSource, MeterRegistry registry) {
        this.loop = loop;
        this.records = new PackJobRecords(dataSource, UUID.randomUUID().toString());
        this.registry = registry;
        Gauge.builder("packer.pack.running", this, j -> j.running == null ? 0 : 1)
                .description("1 while a pack job is queued or running on this instance")
                .register(registry);
        for (String outcome :
                List.of("completed", "dry_run", "cancelled", "failed", "refused", "busy", "on_hold", "interrupted")) {
            packs(outcome);
        }
        loop.onBecomingActive(() -> {
            int rows = records.forgetInterrupted();
            if (rows > 0) {
                log.info("Marked {} pack job(s) of a stopped instance as interrupted", rows);
            }
        });
    }

    /**
     * Accepts a pack and starts it in the background.
     *
     * @throws PackBusyException when a pack of this instance is still under way
     * @throws org.springframework.dao.DataAccessException when the job cannot be recorded (the
     *     database is unreachable, or our schema does not exist yet)
     */
    public PackJob submit(PackRequest request, String requestedBy) throws PackBusyException {
        Running job;
        synchronized (lock) {
            Running busy = running;
            if (busy != null) {
                throw new PackBusyException(busy.id());
            }
            job = new Running(
                    records.insert(request, requestedBy),
                    request,
                    requestedBy,
                    Instant.now(),
                    loop.progressFor(request),
                    new AtomicBoolean());
            running = job;
        }
        log.info("Pack job {} accepted from {}: {}", job.id(), requestedBy, request);
        loop.submit(new CollectionLoop.Task(job.progress(), () -> execute(job), why -> abandoned(job, why)));
        return live(job);
    }

    /** The job with {@code id}, live if it runs here. */
    public Optional<PackJob> find(long id) {
        Running job = running;
        if (job != null && job.id() == id) {
            return Optional.of(live(job));
        }
        return records.find(id);
    }

    /** The newest {@code limit} jobs, newest first. */
    public List<PackJob> recent(int limit) {
        Running job = running;
        return records.recent(limit).stream()
                .map(recorded -> job != null && job.id() == recorded.id() ? live(job) : recorded)
                .toList();
    }

    /**
     * Asks the job with {@code id} to stop at its next batch boundary, if it runs here; returns the job
     * as it stands (finished jobs and jobs of other instances are returned unchanged).
     */
    public Optional<PackJob> cancel(long id) {
        Running job = running;
        if (job != null && job.id() == id) {
            job.progress().cancel();
            log.info("Pack job {}: cancellation requested; it stops at the next batch boundary", id);
        }
        return find(id);
    }

    /** Whether the job with {@code id} runs on this instance. */
    public boolean runsHere(long id) {
        Running job = running;
        return job != null && job.id() == id;
    }

    private void execute(Running job) {
        job.started().set(true);
        String state;
        CollectionResult result = null;
        String message;
        try {
            result = loop.runPack(job.request(), job.progress());
            state = stateOf(result.outcome());
            message = outcome(result);
        } catch (Exception e) {
            state = "failed";
            message = "The pack failed; nothing of the failed batch was deleted, earlier batches stay done: "
                    + e.getMessage();
            log.error("Pack job {} failed", job.id(), e);
        }
        try {
            records.finish(job.id(), state, job.progress(), result, message);
        } catch (RuntimeException e) {
            log.error("Pack job {} ended ({}) but could not be recorded: {}", job.id(), state, e.getMessage());
        } finally {
            packs(state).increment();
            running = null;
        }
        log.info("Pack job {} ended: {}{}", job.id(), state, message.isEmpty() ? "" : " (" + message + ")");
    }

    /** A job that never ran: cancelled while queued, or the instance stopped first. */
    private void abandoned(Running job, String why) {
        String state = why.startsWith(CollectionProgress.CANCELLED) ? "cancelled" : "interrupted";
        try {
            records.finish(job.id(), state, job.progress(), null, "Never started: " + why + ".");
        } catch (RuntimeException e) {
            log.error("Pack job {} ended ({}) but could not be recorded: {}", job.id(), state, e.getMessage());
        } finally {
            packs(state).increment();
            running = null;
        }
        log.info("Pack job {} ended: {} ({})", job.id(), state, why);
    }

    /** What a run that got to delete did (or would have), before whatever else its message says. */
    private static String outcome(CollectionResult result) {
        String did = switch (result.outcome()) {
            case DRY_RUN ->
                String.format(Locale.ROOT, "would delete %,d objects (%s)", result.objects(), size(result.bytes()));
            case COMPLETED, CANCELLED, STOPPED ->
                String.format(
                        Locale.ROOT,
                        "deleted %,d objects (%s), %,d blob files and %,d blob large objects",
                        result.objects(),
                        size(result.bytes()),
                        result.blobFiles(),
                        result.largeObjects());
            default -> "";
        };
        if (did.isEmpty() || result.message().isEmpty()) {
            return did.isEmpty() ? result.message() : did + ".";
        }
        return did + ". " + result.message();
    }

    /** State bytes as an operator reads them: 2,560 B, 5.6 MiB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return String.format(Locale.ROOT, "%,d B", bytes);
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes / 1024.0;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String stateOf(CollectionResult.Outcome outcome) {
        return switch (outcome) {
            case PACK_LOCK_BUSY, INSTANCE_BUSY, FENCE_BUSY -> "busy";
            case STOPPED -> "interrupted";
            default -> outcome.name().toLowerCase(Locale.ROOT);
        };
    }

    private Counter packs(String outcome) {
        return Counter.builder("packer.packs")
                .description("Pack jobs that ended, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    private static PackJob live(Running job) {
        CollectionProgress.Snapshot p = job.progress().snapshot();
        return new PackJob(
                job.id(),
                job.started().get() ? "running" : "queued",
                job.request(),
                job.requestedBy(),
                job.startedAt(),
                null,
                new PackJob.Progress(
                        p.step().name().toLowerCase(Locale.ROOT),
                        p.candidates(),
                        p.examined(),
                        p.deleted(),
                        p.bytes(),
                        p.largeObjects(),
                        p.blobFiles(),
                        p.rate(),
                        p.eta() == null ? null : p.eta().toSeconds()),
                job.progress().timings(),
                p.cancelRequested() ? "cancellation requested; stops at the next batch boundary" : "",
                Map.of(),
                "");
    }
}
