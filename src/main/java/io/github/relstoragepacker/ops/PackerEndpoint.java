package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.relstorage.LockHolders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/packer}: the status, plus who holds RelStorage's commit and pack locks and our
 * leader lock right now, and what waiting for the commit lock has cost so far. Read-only.
 */
@Component
@Endpoint(id = "packer")
class PackerEndpoint {

    private final StatusService status;
    private final MeterRegistry registry;

    PackerEndpoint(StatusService status, MeterRegistry registry) {
        this.status = status;
        this.registry = registry;
    }

    /**
     * The endpoint's answer.
     *
     * @param status as {@code GET /api/v1/status}
     * @param locks holders and waiters of the commit, pack and leader locks, from pg_locks
     * @param locksError why the locks could not be read, if they could not
     * @param fence what the commit lock cost this instance since it started
     */
    record Report(
            DaemonStatus status,
            List<LockHolders.Holder> locks,
            @Nullable String locksError,
            Fence fence) {}

    /**
     * Commit-lock waits of this instance since it started.
     *
     * @param batches deletion batches run
     * @param busyBackoffs attempts that found the commit lock busy and backed off
     * @param waitSecondsTotal time spent waiting for the commit lock
     * @param longestWaitSeconds the longest single wait recently
     * @param longestHoldSeconds the longest hold recently
     */
    record Fence(
            long batches,
            double busyBackoffs,
            double waitSecondsTotal,
            double longestWaitSeconds,
            double longestHoldSeconds) {}

    @ReadOperation
    Report report() {
        List<LockHolders.Holder> locks = List.of();
        String error = null;
        try {
            locks = status.locks();
        } catch (SQLException e) {
            error = e.getMessage();
        }
        Timer wait = registry.find("packer.collector.fence.wait").timer();
        Timer hold = registry.find("packer.collector.fence.hold").timer();
        Counter busy = registry.find("packer.collector.fence.busy").counter();
        Fence fence = new Fence(
                hold == null ? 0 : hold.count(),
                busy == null ? 0 : busy.count(),
                wait == null ? 0 : wait.totalTime(TimeUnit.SECONDS),
                wait == null ? 0 : wait.max(TimeUnit.SECONDS),
                hold == null ? 0 : hold.max(TimeUnit.SECONDS));
        return new Report(status.status(), locks, error, fence);
    }
}
