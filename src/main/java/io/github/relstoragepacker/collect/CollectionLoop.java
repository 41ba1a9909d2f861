package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The daemon's one working thread: every poll interval it maintains the index (build, poll,
 * reconcile) and, when due, runs a drain or a cycle collection with the configured grace period;
 * after each cycle collection, a housekeeping walk of the shared blob directory.
 * Explicit packs run through {@link #pack}, excluded from the scheduled steps, so the index is never
 * written by two transactions of this process at once.
 */
@Component
public class CollectionLoop {

    private static final Logger log = LoggerFactory.getLogger(CollectionLoop.class);

    private final IndexMaintainer index;
    private final TargetDatabase target;
    private final CollectorProperties properties;
    private final Collector collector;
    private final DataSource dataSource;
    private final CollectorMetrics metrics;
    private final Clock clock;
    private Instant nextDrain;
    private Instant nextMark;

    CollectionLoop(
            IndexMaintainer index,
            TargetDatabase target,
            DataSource dataSource,
            CollectorProperties properties,
            CollectorMetrics metrics,
            Clock clock) {
        this.index = index;
        this.target = target;
        this.properties = properties;
        this.clock = clock;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.collector = new Collector(dataSource, index, properties, metrics, clock);
        this.nextDrain = clock.instant().plus(properties.drainInterval());
        this.nextMark = clock.instant().plus(properties.markInterval());
    }

    @Scheduled(fixedDelayString = "${packer.index.poll-interval:200ms}")
    synchronized void tick() {
        if (!index.maintain() || !properties.enabled()) {
            return;
        }
        Instant now = clock.instant();
        if (!now.isBefore(nextMark)) {
            runLogged(CollectionKind.CYCLES);
            housekeepLogged();
            nextMark = clock.instant().plus(properties.markInterval());
            nextDrain = clock.instant().plus(properties.drainInterval());
        } else if (!now.isBefore(nextDrain)) {
            runLogged(CollectionKind.DRAIN);
            nextDrain = clock.instant().plus(properties.drainInterval());
        }
    }

    /**
     * One pack now: catch the index up, then collect everything unreachable for longer than {@code
     * grace}, cycles and what hangs below them included.
     */
    public synchronized CollectionResult pack(Duration grace, boolean dryRun) throws Exception {
        RelStorageDatabase db = target.current();
        if (db == null || !index.maintain()) {
            String why;
            if (db == null) {
                why = "the database cannot be reached: " + target.failure();
            } else if (!db.readProblems().isEmpty()) {
                why = String.join(" ", db.readProblems());
            } else if (!index.active()) {
                return CollectionResult.instanceBusy(CollectionKind.CYCLES);
            } else {
                why = "the index could not be brought up to date; the log names the cause";
            }
            return CollectionResult.refused(CollectionKind.CYCLES, why);
        }
        return collector.run(CollectionKind.CYCLES, grace, dryRun, db);
    }

    /**
     * One housekeeping walk of the shared blob directory ({@link BlobHousekeeper}): removes the revision
     * files of live objects superseded for longer than {@code grace} and counts directories without an
     * object. Null when no blob directory is configured.
     */
    public synchronized @Nullable BlobHousekeeping housekeepBlobs(Duration grace, boolean dryRun)
            throws SQLException, IOException {
        Path root = properties.blobDirectory();
        if (root == null) {
            return null;
        }
        BlobHousekeeping result;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            result = new BlobHousekeeper(BlobDirectory.open(root))
                    .run(c, Tids.toTid(clock.instant().minus(grace)), dryRun);
        }
        metrics.blobHousekeeping(result);
        if (result.orphanDirectories() > 0) {
            log.warn("Blob directory {}: {}; first ones: {}", root, result.summary(), result.orphanExamples());
        } else {
            log.info("Blob directory {}: {}", root, result.summary());
        }
        return result;
    }

    Collector collector() {
        return collector;
    }

    private void housekeepLogged() {
        try {
            housekeepBlobs(properties.grace(), false);
        } catch (Exception e) {
            log.error(
                    "Blob housekeeping failed; it is tried again after the next cycle collection: {}",
                    e.getMessage(),
                    e);
        }
    }

    private void runLogged(CollectionKind kind) {
        try {
            CollectionResult result = collector.run(kind, properties.grace(), false, target.current());
            if (result.objects() > 0 || result.outcome() != CollectionResult.Outcome.COMPLETED) {
                log.info(
                        "{} collection: {} objects ({} bytes) deleted, {}{}",
                        kind,
                        result.objects(),
                        result.bytes(),
                        result.outcome(),
                        result.message().isEmpty() ? "" : ": " + result.message());
            }
        } catch (Exception e) {
            log.error("{} collection failed; nothing of the failed batch was deleted: {}", kind, e.getMessage(), e);
        }
    }
}
