package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexStatistics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private final MeterRegistry registry;
    // the counter starts at 0 with this process
    private double deletedBefore;

    GarbageSampler(GarbageHistory history, IndexStatistics statistics, IndexMaintainer index, MeterRegistry registry) {
        this.history = history;
        this.statistics = statistics;
        this.index = index;
        this.registry = registry;
    }

    @Scheduled(
            fixedDelayString = "${packer.index.statistics-interval:30s}",
            initialDelayString = "${packer.index.statistics-interval:30s}")
    void sample() {
        IndexStatistics.Counts counts = statistics.latest();
        Counter counter = registry.find("packer.collector.deleted.objects").counter();
        double deleted = counter == null ? 0 : counter.count();
        long since = Math.round(deleted - deletedBefore);
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
