package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.relstorage.LockHolders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/packer}: the status, plus who holds RelStorage's commit and pack locks and our
 * leader lock right now, and what waiting for the commit lock has cost so far. Read-only.
 *
 * <p>The management port is open to anyone inside the cluster, so an anonymous reader sees each lock
 * holder by its pid and application name only: database user names and client addresses tell an
 * attacker whom to impersonate and where to go, and are shown to authenticated operators alone.
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
     * @param redacted what was left out of {@code locks} for an anonymous reader and how to see it, or null
     */
    record Report(
            DaemonStatus status,
            List<LockHolders.Holder> locks,
            @Nullable String locksError,
            Fence fence,
            @Nullable String redacted) {}

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
    Report report(SecurityContext security) {
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
        if (security.getPrincipal() != null) {
            return new Report(status.status(), locks, error, fence, null);
        }
        List<LockHolders.Holder> anonymous = locks.stream()
                .map(h -> new LockHolders.Holder(
                        h.lock(), h.pid(), h.granted(), h.application(), null, null, h.transactionStart(), h.since()))
                .toList();
        return new Report(
                status.status(),
                anonymous,
                error,
                fence,
                "database users and client addresses of lock holders are shown only with the API's credential"
                        + " (Authorization: Bearer <packer.api.token>, or HTTP basic)");
    }
}
