package io.github.relstoragepacker.index;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The poller's own thread: one {@link IndexMaintainer#maintain() step} every {@code poll-interval},
 * whatever the collector does. The steps share only the index's write lock with the collector, which
 * holds it for one deletion batch at a time, so the index never falls behind by more than a batch and
 * readiness reflects the real lag. Stopped first on shutdown, before the data source closes.
 */
@Component
class IndexPolling implements SmartLifecycle {

    private final IndexMaintainer maintainer;
    private final IndexProperties properties;
    private ScheduledExecutorService executor;

    IndexPolling(IndexMaintainer maintainer, IndexProperties properties) {
        this.maintainer = maintainer;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "index-poller");
            t.setDaemon(true);
            return t;
        });
        long delay = properties.pollInterval().toMillis();
        executor.scheduleWithFixedDelay(maintainer::maintain, 0, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
