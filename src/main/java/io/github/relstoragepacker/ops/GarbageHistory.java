package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.index.IndexStatistics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The recent past for the status page's chart: garbage pending and objects deleted, one point per
 * statistics recount, the last {@value #POINTS} kept in memory (two hours at the default interval).
 * Prometheus keeps the long history; this only spares a newcomer from needing one.
 */
@Component
public class GarbageHistory {

    static final int POINTS = 240;

    private final IndexStatistics statistics;
    private final MeterRegistry registry;
    private final Deque<Point> points = new ArrayDeque<>();

    GarbageHistory(IndexStatistics statistics, MeterRegistry registry) {
        this.statistics = statistics;
        this.registry = registry;
    }

    /**
     * One moment.
     *
     * @param at when
     * @param pending garbage waiting: unreferenced objects and those unreachable at the last mark
     * @param deleted objects deleted by this instance since it started
     */
    public record Point(Instant at, long pending, double deleted) {}

    @Scheduled(
            fixedDelayString = "${packer.index.statistics-interval:30s}",
            initialDelayString = "${packer.index.statistics-interval:30s}")
    void sample() {
        IndexStatistics.Counts counts = statistics.latest();
        if (counts == null) {
            return;
        }
        Counter deleted = registry.find("packer.collector.deleted.objects").counter();
        synchronized (points) {
            if (points.size() == POINTS) {
                points.removeFirst();
            }
            points.addLast(new Point(Instant.now(), counts.pending(), deleted == null ? 0 : deleted.count()));
        }
    }

    /** The points, oldest first. */
    public List<Point> points() {
        synchronized (points) {
            return List.copyOf(points);
        }
    }
}
