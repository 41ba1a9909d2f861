package io.github.relstoragepacker.collect;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * When the collector's scheduled runs are due, and how the last runs ended. A cycle collection is due
 * {@code mark-interval} after the last one completed, a drain {@code drain-interval} after the last
 * drain or cycle collection; a run that stopped at a batch boundary (a command waiting, a pause) has not
 * completed, so it is due again as soon as it may run. Kept in memory: after a restart both are due one
 * interval after the start.
 */
@Component
public class CollectionSchedule {

    /** A collection run that ended, and when. */
    public record Finished(CollectionResult result, Instant at) {}

    private final CollectorProperties properties;
    private final Clock clock;
    private volatile @Nullable Finished lastRun;
    private volatile @Nullable Finished lastDrain;
    private volatile @Nullable Finished lastMark;
    private volatile double lastSuccessSeconds = Double.NaN;
    private volatile Instant nextDrain;
    private volatile Instant nextMark;

    CollectionSchedule(CollectorProperties properties, MeterRegistry registry, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        this.nextDrain = clock.instant().plus(properties.drainInterval());
        this.nextMark = clock.instant().plus(properties.markInterval());
        Gauge.builder("packer.collector.on.hold", this, s -> s.holdReason() == null ? 0 : 1)
                .description("1 while collection is on hold: the last run refused to delete, the status says why")
                .register(registry);
        Gauge.builder("packer.collector.last.success.timestamp", this, s -> s.lastSuccessSeconds)
                .description("When a collection run last completed (epoch seconds)")
                .baseUnit("seconds")
                .register(registry);
    }

    /** The scheduled run due now, a cycle collection before a drain; null when none is. */
    @Nullable
    CollectionKind due() {
        Instant now = clock.instant();
        return !now.isBefore(nextMark) ? CollectionKind.CYCLES : !now.isBefore(nextDrain) ? CollectionKind.DRAIN : null;
    }

    /** How long until the next scheduled run is due, at least 1 ms and at most {@code cap}. */
    long millisUntilDue(Duration cap) {
        Instant due = nextDrain.isBefore(nextMark) ? nextDrain : nextMark;
        long untilDue = Math.max(1, Duration.between(clock.instant(), due).toMillis());
        return Math.min(cap.toMillis(), untilDue);
    }

    /** A scheduled run of {@code kind} completed now: the next ones are due an interval from now. */
    void completed(CollectionKind kind) {
        Instant now = clock.instant();
        if (kind == CollectionKind.CYCLES) {
            nextMark = now.plus(properties.markInterval());
        }
        nextDrain = now.plus(properties.drainInterval());
    }

    /** A run ended with {@code result}: a scheduled one of {@code kind}, or an explicit one when null. */
    void finished(CollectionResult result, @Nullable CollectionKind scheduled) {
        Finished finished = new Finished(result, clock.instant());
        lastRun = finished;
        if (scheduled == CollectionKind.DRAIN) {
            lastDrain = finished;
        } else if (scheduled == CollectionKind.CYCLES) {
            lastMark = finished;
        }
        if (result.outcome() == CollectionResult.Outcome.COMPLETED) {
            lastSuccessSeconds = clock.millis() / 1000.0;
        }
    }

    /** The last run that ended, scheduled or explicit, or null if none did since the start. */
    public @Nullable Finished lastRun() {
        return lastRun;
    }

    /** The last scheduled drain that ended, or null if none did since the start (packs are not counted). */
    public @Nullable Finished lastDrain() {
        return lastDrain;
    }

    /** The last scheduled cycle collection (mark) that ended, or null if none did since the start. */
    public @Nullable Finished lastMark() {
        return lastMark;
    }

    /** Whether drains and marks run on their schedule at all ({@code packer.collector.enabled}). */
    public boolean continuous() {
        return properties.enabled();
    }

    /** When the next scheduled drain is due (it waits while paused, on hold or a command runs). */
    public Instant nextDrain() {
        return nextDrain;
    }

    /** When the next scheduled cycle collection (mark) is due. */
    public Instant nextMark() {
        return nextMark;
    }

    /** Why the last run refused to delete anything, or null if it did not. */
    public @Nullable String holdReason() {
        Finished last = lastRun;
        if (last == null) {
            return null;
        }
        return switch (last.result().outcome()) {
            case ON_HOLD, REFUSED -> last.result().message();
            default -> null;
        };
    }
}
