package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.ObjectStateReader;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the index up to date, one scheduled step at a time: wait for a readable history-free
 * database, become the active instance (or stay a standby), migrate our schema, build the index if it
 * was never completed, then poll; every {@code reconcile-interval}, drop vanished objects.
 *
 * <p>Every step is idempotent and restartable: a failure is logged and the next tick starts over from
 * what the database says, never from what this process remembers.
 */
@Component
class IndexMaintainer {

    private static final Logger log = LoggerFactory.getLogger(IndexMaintainer.class);

    private final TargetDatabase target;
    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final IndexProperties properties;
    private final BuildProgress buildProgress;
    private final LeaderLock leader;
    private @Nullable Steps steps;
    private long nextReconcileNanos = System.nanoTime();
    private volatile long caughtUpAtMillis;
    private volatile long quarantined;
    private @Nullable String lastFailure;

    IndexMaintainer(
            TargetDatabase target,
            DataSource dataSource,
            IndexProperties properties,
            BuildProgress buildProgress,
            MeterRegistry registry) {
        this.target = target;
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.properties = properties;
        this.buildProgress = buildProgress;
        this.leader = LeaderLock.over(dataSource);
        Gauge.builder("packer.index.lag", this, m -> m.lagSeconds())
                .description("Seconds since the index last caught up with every committed transaction")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("packer.index.quarantined", this, m -> m.quarantined)
                .description("Objects whose state cannot be read and whose risk no operator accepted;"
                        + " collection waits while there are any")
                .baseUnit("objects")
                .register(registry);
    }

    @Scheduled(fixedDelayString = "${packer.index.poll-interval:200ms}")
    void tick() {
        try {
            step();
            lastFailure = null;
        } catch (Exception e) {
            String failure = String.valueOf(e.getMessage());
            if (!failure.equals(lastFailure)) {
                log.error("Index maintenance failed, retrying at the next poll: {}", failure, e);
            }
            lastFailure = failure;
        }
    }

    private void step() throws Exception {
        RelStorageDatabase db = target.current();
        if (db == null || !db.readable() || !leader.tryAcquire()) {
            return;
        }
        Steps s = steps(db);
        try (Connection c = dataSource.getConnection()) {
            if (IndexState.read(c).phase() != IndexState.Phase.READY) {
                s.build.run();
            }
        }
        long started = System.currentTimeMillis();
        s.poller.poll();
        caughtUpAtMillis = started;
        quarantined =
                jdbc.queryForObject("SELECT count(*) FROM packer.quarantine WHERE accepted_at IS NULL", Long.class);
        if (System.nanoTime() >= nextReconcileNanos) {
            try (Connection c = dataSource.getConnection()) {
                int gone = s.vanished.remove(c);
                if (gone > 0) {
                    log.info("Removed {} objects deleted outside relstorage-packer from the index", gone);
                }
            }
            nextReconcileNanos =
                    System.nanoTime() + properties.reconcileInterval().toNanos();
        }
    }

    private Steps steps(RelStorageDatabase db) {
        if (steps == null) {
            IndexSchema.migrate(dataSource);
            ObjectStateReader reader = new ObjectStateReader(String.valueOf(db.schema()));
            ClassRegistry classes = new ClassRegistry(jdbc);
            steps = new Steps(
                    new InitialBuild(dataSource, reader, classes, properties, buildProgress, leader),
                    new IndexPoller(dataSource, reader, new ChangeApplier(classes), leader, properties.batchSize()),
                    new VanishedObjects(String.valueOf(db.schema()), leader));
        }
        return steps;
    }

    /** Whether this instance holds the leader lock, as of its last tick. */
    boolean active() {
        return leader.held();
    }

    private double lagSeconds() {
        long at = caughtUpAtMillis;
        return at == 0 ? Double.NaN : (System.currentTimeMillis() - at) / 1000.0;
    }

    @PreDestroy
    void stop() {
        leader.close();
    }

    private record Steps(InitialBuild build, IndexPoller poller, VanishedObjects vanished) {}
}
