package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.CollectorMetrics;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexStatistics;
import java.time.Instant;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Writes the {@link GarbageHistory} after each statistics recount, on the leader only: garbage
 * pending, its bytes, the objects this instance deleted since its previous sample, and the index lag.
 * Only the leader deletes, so deletions are counted once whichever instance led; a sample stores
 * deletions since the previous one rather than this process' running total, so a restart does not
 * read as a drop.
 */
@Component
class GarbageSampler {

    private final GarbageHistory history;
    private final IndexStatistics statistics;
    private final IndexMaintainer index;
    private final CollectorMetrics metrics;
    // the counter starts at 0 with this process
    private long deletedBefore;

    GarbageSampler(
            GarbageHistory history, IndexStatistics statistics, IndexMaintainer index, CollectorMetrics metrics) {
        this.history = history;
        this.statistics = statistics;
        this.index = index;
        this.metrics = metrics;
    }

    @Scheduled(
            fixedDelayString = "${packer.index.statistics-interval:30s}",
            initialDelayString = "${packer.index.statistics-interval:30s}")
    void sample() {
        IndexStatistics.Counts counts = statistics.latest();
        long deleted = metrics.deletedSinceStart().objects();
        long since = deleted - deletedBefore;
        deletedBefore = deleted;
        if (counts == null || !index.active()) {
            return;
        }
        double lag = index.lagSeconds();
        try {
            history.record(
                    Instant.now(),
                    counts.pending(),
                    Math.max(counts.unreferencedBytes(), counts.unreachableBytes()),
                    since,
                    Double.isNaN(lag) ? null : lag);
            history.prune(Instant.now().minus(GarbageHistory.KEEP));
        } catch (DataAccessException e) {
            // no schema yet, or the database is gone: the next sample tries again
        }
    }
}
