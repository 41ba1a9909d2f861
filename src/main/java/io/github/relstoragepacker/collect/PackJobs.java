package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;

/**
 * Explicit packs as jobs: accepted at once, run one at a time on the collector's thread ({@link
 * CollectionLoop}), which preempts a scheduled run for them at its next batch boundary; recorded in
 * {@code packer.collection_run} when accepted and when they end, so that their outcome outlives the
 * process. Cancelling asks the run to stop at its next batch boundary; a batch is one transaction, so
 * nothing is ever left half done. A job the shutdown stops, or that never started, ends {@code
 * interrupted}; so do the unfinished jobs of another instance as soon as this one becomes active.
 */
@Component
public class PackJobs {

    private static final Logger log = LoggerFactory.getLogger(PackJobs.class);

    private final CollectionLoop loop;
    private final JdbcTemplate jdbc;
    private final MeterRegistry registry;
    private final String instance = UUID.randomUUID().toString();
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
        this.jdbc = new JdbcTemplate(dataSource);
        this.registry = registry;
        Gauge.builder("packer.pack.running", this, j -> j.running == null ? 0 : 1)
                .description("1 while a pack job is queued or running on this instance")
                .register(registry);
        for (String outcome :
                List.of("completed", "dry_run", "cancelled", "failed", "refused", "busy", "on_hold", "interrupted")) {
            packs(outcome);
        }
        loop.onBecomingActive(this::forgetInterrupted);
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
                    insert(request, requestedBy),
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
        return jdbc.query("SELECT * FROM packer.collection_run WHERE id = ?", PackJobs::recorded, id).stream()
                .findFirst();
    }

    /** The newest {@code limit} jobs, newest first. */
    public List<PackJob> recent(int limit) {
        Running job = running;
        return jdbc
                .query("SELECT * FROM packer.collection_run ORDER BY id DESC LIMIT ?", PackJobs::recorded, limit)
                .stream()
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
            finish(job, state, result, message);
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
            finish(job, state, null, "Never started: " + why + ".");
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
        return did + "; " + result.message();
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

    private long insert(PackRequest request, String requestedBy) {
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.update(
                c -> {
                    var st = c.prepareStatement(
                            "INSERT INTO packer.collection_run (kind, grace_seconds, dry_run, include_cycles,"
                                    + " requested_by, instance, object_tid_for_unknown_history)"
                                    + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            new String[] {"id"});
                    st.setString(1, request.kind().name());
                    st.setLong(2, request.grace().toSeconds());
                    st.setBoolean(3, request.dryRun());
                    st.setBoolean(4, request.includeCycles());
                    st.setString(5, requestedBy);
                    st.setString(6, instance);
                    st.setBoolean(7, request.objectTidForUnknownHistory());
                    return st;
                },
                key);
        return key.getKeyAs(Long.class);
    }

    private void finish(Running job, String state, @Nullable CollectionResult result, String message) {
        CollectionProgress.Snapshot p = job.progress().snapshot();
        CollectionProgress.Timings t = job.progress().timings();
        Map<String, ClassTotal> classes = result == null ? Map.of() : result.classes();
        jdbc.update(
                "UPDATE packer.collection_run SET finished_at = now(), outcome = ?, objects = ?, bytes = ?, blobs = ?,"
                        + " examined = ?, large_objects = ?, message = ?, class_names = ?, class_counts = ?,"
                        + " class_bytes = ?,"
                        + " candidates = ?, rate = ?, housekeeping = ?, index_seconds = ?, mark_seconds = ?,"
                        + " deletion_seconds = ?, housekeeping_seconds = ?, fence_hold_p99_ms = ? WHERE id = ?",
                state,
                result == null ? p.deleted() : result.objects(),
                result == null ? p.bytes() : result.bytes(),
                result == null ? p.blobFiles() : result.blobFiles(),
                p.examined(),
                result == null ? p.largeObjects() : result.largeObjects(),
                message,
                classes.keySet().toArray(String[]::new),
                classes.values().stream().map(ClassTotal::objects).toArray(Long[]::new),
                classes.values().stream().map(ClassTotal::bytes).toArray(Long[]::new),
                // a drain learns its cascade as it goes: once it ended, what it examined is what there was
                p.candidates() < 0 ? p.examined() : Math.max(p.candidates(), p.examined()),
                p.rate(),
                result == null ? "" : result.housekeeping(),
                t.indexSeconds(),
                t.markSeconds(),
                t.deletionSeconds(),
                t.housekeepingSeconds(),
                t.fenceHoldP99Millis(),
                job.id());
    }

    /** Jobs left unfinished by another instance: we lead now, so their process is gone. */
    private void forgetInterrupted() {
        int rows = jdbc.update(
                "UPDATE packer.collection_run SET finished_at = now(), outcome = 'interrupted',"
                        + " message = 'the instance running it stopped before it ended; every batch it committed stays'"
                        + " WHERE finished_at IS NULL AND instance IS DISTINCT FROM ?",
                instance);
        if (rows > 0) {
            log.info("Marked {} pack job(s) of a stopped instance as interrupted", rows);
        }
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

    private static PackJob recorded(ResultSet rs, int row) throws SQLException {
        Timestamp finished = rs.getTimestamp("finished_at");
        String outcome = rs.getString("outcome");
        Map<String, ClassTotal> classes = new LinkedHashMap<>();
        Array names = rs.getArray("class_names");
        Array counts = rs.getArray("class_counts");
        Array bytes = rs.getArray("class_bytes");
        if (names != null && counts != null) {
            String[] n = (String[]) names.getArray();
            Long[] c = (Long[]) counts.getArray();
            Long[] b = bytes == null ? null : (Long[]) bytes.getArray();
            for (int i = 0; i < n.length; i++) {
                classes.put(n[i], new ClassTotal(c[i], b == null ? -1 : b[i]));
            }
        }
        return new PackJob(
                rs.getLong("id"),
                outcome == null ? "running" : outcome,
                new PackRequest(
                        Duration.ofSeconds(rs.getLong("grace_seconds")),
                        rs.getBoolean("dry_run"),
                        rs.getBoolean("include_cycles"),
                        rs.getBoolean("object_tid_for_unknown_history")),
                String.valueOf(rs.getString("requested_by")),
                rs.getTimestamp("started_at").toInstant(),
                finished == null ? null : finished.toInstant(),
                new PackJob.Progress(
                        finished == null ? "running elsewhere" : "finished",
                        rs.getObject("candidates") == null ? -1 : rs.getLong("candidates"),
                        rs.getLong("examined"),
                        rs.getLong("objects"),
                        rs.getLong("bytes"),
                        rs.getLong("large_objects"),
                        rs.getLong("blobs"),
                        rs.getDouble("rate"),
                        null),
                rs.getObject("index_seconds") == null
                        ? CollectionProgress.Timings.NONE
                        : new CollectionProgress.Timings(
                                rs.getDouble("index_seconds"),
                                rs.getDouble("mark_seconds"),
                                rs.getDouble("deletion_seconds"),
                                rs.getDouble("housekeeping_seconds"),
                                rs.getDouble("fence_hold_p99_ms")),
                String.valueOf(rs.getString("message") == null ? "" : rs.getString("message")),
                classes,
                String.valueOf(rs.getString("housekeeping") == null ? "" : rs.getString("housekeeping")));
    }
}
