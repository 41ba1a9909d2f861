package io.github.relstoragepacker.collect;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The configured shared blob directory, as far as the collector may touch it: checked ({@link
 * BlobDirectoryCheck}) once the index is ready, again every {@link #RECHECK} and before every
 * collection run and housekeeping walk, and handed out only while the last check trusted it. While it
 * does not, blob removal is on hold: the metric {@code packer_blob_directory_on_hold} is 1, health
 * shows {@code relstorage} DOWN with the reason, and every change of verdict is logged once.
 */
@Component
public class BlobDirectoryGuard {

    /** How often the daemon re-checks between collection runs. */
    static final Duration RECHECK = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(BlobDirectoryGuard.class);

    private final @Nullable Path directory;
    private final BlobDirectoryCheck check;
    private final Clock clock;
    private volatile @Nullable BlobDirectoryVerdict last;
    private volatile long heldObjects;

    BlobDirectoryGuard(CollectorProperties properties, MeterRegistry registry, Clock clock) {
        this.directory = properties.blobDirectory();
        this.check = new BlobDirectoryCheck(clock);
        this.clock = clock;
        Gauge.builder("packer.blob.directory.on.hold", this, g -> g.onHold() ? 1 : 0)
                .description("1 while the configured blob directory has not proved to be this database's:"
                        + " no blob file is removed and garbage owning blob files is kept")
                .register(registry);
        Gauge.builder("packer.blob.directory.held.objects", this, g -> g.heldObjects)
                .description("Garbage objects owning blob files, kept at the last run because blob removal is on hold")
                .baseUnit("objects")
                .register(registry);
    }

    /** Whether a shared blob directory is configured at all. */
    boolean configured() {
        return directory != null;
    }

    /** The last verdict; null before the first check, or when no blob directory is configured. */
    public @Nullable BlobDirectoryVerdict last() {
        return last;
    }

    /** Whether blob removal is on hold: a directory is configured and its last check did not trust it. */
    public boolean onHold() {
        BlobDirectoryVerdict verdict = last;
        return verdict != null && !verdict.trusted();
    }

    /**
     * Checks the directory now, on {@code c} (the index must be ready), against the blob records of
     * {@code database}; returns it while it is trusted, null while not, or when none is configured.
     */
    @Nullable
    BlobDirectory verify(Connection c, String database) throws SQLException {
        if (directory == null) {
            return null;
        }
        BlobDirectoryVerdict verdict = check.check(c, directory, database);
        report(verdict);
        last = verdict;
        if (!verdict.trusted()) {
            return null;
        }
        try {
            return BlobDirectory.open(directory);
        } catch (java.io.IOException e) {
            // changed since the check an instant ago: the next check says so
            return null;
        }
    }

    /** Checks now when the last check is older than {@link #RECHECK}; failures are logged, never thrown. */
    void verifyIfDue(DataSource dataSource, String database) {
        BlobDirectoryVerdict verdict = last;
        if (directory == null
                || verdict != null && verdict.checkedAt().plus(RECHECK).isAfter(clock.instant())) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            verify(c, database);
        } catch (SQLException e) {
            log.warn(
                    "Could not check the blob directory {}; trying again at the next step: {}",
                    directory,
                    e.getMessage());
        }
    }

    /** The number of garbage objects owning blob files the last run kept because of the hold. */
    void held(long objects) {
        heldObjects = objects;
    }

    private void report(BlobDirectoryVerdict verdict) {
        BlobDirectoryVerdict previous = last;
        boolean changed = previous == null
                || previous.trusted() != verdict.trusted()
                || !verdict.trusted() && !Objects.equals(previous.reason(), verdict.reason());
        if (!changed) {
            return;
        }
        if (verdict.trusted()) {
            log.info(
                    "Blob directory {} checked in {} ms: {}",
                    verdict.directory(),
                    verdict.took().toMillis(),
                    verdict.reason());
        } else {
            log.error(
                    "Blob removal on hold, no file in {} is removed and garbage owning blob files is kept: {}",
                    verdict.directory(),
                    verdict.reason());
        }
    }
}
