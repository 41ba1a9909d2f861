package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs the housekeeping walk of the shared blob directory ({@link BlobHousekeeper}), after a cycle
 * collection or a pack, one walk at a time: only once the directory is trusted again ({@link
 * BlobDirectoryGuard}, checked first), and recorded in the metrics and the log.
 */
@Component
public class BlobHousekeepingService {

    private static final Logger log = LoggerFactory.getLogger(BlobHousekeepingService.class);

    private final TargetDatabase target;
    private final DataSource dataSource;
    private final BlobDirectoryGuard blobs;
    private final CollectorMetrics metrics;
    private final Clock clock;

    BlobHousekeepingService(
            TargetDatabase target,
            DataSource dataSource,
            BlobDirectoryGuard blobs,
            CollectorMetrics metrics,
            Clock clock) {
        this.target = target;
        this.dataSource = dataSource;
        this.blobs = blobs;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * One walk: removes the revision files of live objects superseded for longer than {@code grace} and
     * counts directories without an object. Null when no blob directory is configured, or when it is not
     * trusted (blob removal on hold).
     */
    public synchronized @Nullable BlobHousekeeping run(Duration grace, boolean dryRun)
            throws SQLException, IOException {
        RelStorageDatabase db = target.current();
        if (!blobs.configured() || db == null) {
            return null;
        }
        BlobHousekeeping result;
        Path root;
        try (Connection c = dataSource.getConnection()) {
            BlobDirectory directory = blobs.verify(c, db.database());
            if (directory == null) {
                log.warn("Blob housekeeping skipped: blob removal is on hold");
                return null;
            }
            root = directory.root();
            c.setAutoCommit(true);
            result = new BlobHousekeeper(directory)
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

    /** {@link #run}, its failure logged: the walk is tried again after the next cycle collection. */
    void runLogged(Duration grace) {
        try {
            run(grace, false);
        } catch (Exception e) {
            log.error(
                    "Blob housekeeping failed; it is tried again after the next cycle collection: {}",
                    e.getMessage(),
                    e);
        }
    }
}
