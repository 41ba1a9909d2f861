package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Operators' commands against a drain or a pack that runs many short batches (continuous collection
 * on, grace 0, the smallest hold limit), on a real database: each acts at the next batch boundary.
 * "Within one batch" is counted in batches ({@code packer.collector.batch}), never in seconds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class CollectorCommandsTest {

    private static final int ORPHANS = 20_000;

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.register(registry);
        registry.add("packer.index.poll-interval", () -> "50ms");
        registry.add("packer.collector.grace", () -> "0s");
        registry.add("packer.collector.drain-interval", () -> "100ms");
        registry.add("packer.collector.mark-interval", () -> "1h");
        registry.add("packer.collector.max-fence-hold", () -> "50ms");
    }

    @Autowired
    CollectionLoop loop;

    @Autowired
    PackJobs packs;

    @Autowired
    MeterRegistry registry;

    /** RelStorage's tids only grow, also when the newest objects are deleted. */
    private static final AtomicLong lastTid = new AtomicLong();

    private final JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());

    /**
     * Adds {@link #ORPHANS} objects without referrer, in one transaction of a tid above every other, while
     * collection is paused, and waits until they are indexed. (How they got there does not matter here:
     * the contract tests go through RelStorage's commit path.)
     */
    @BeforeEach
    void orphansWhilePaused() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(loop::refreshIndex);
        loop.pause("test");
        if (jdbc.queryForObject("SELECT count(*) FROM object_state WHERE zoid = 0", Long.class) == 0) {
            new ObjectGraph(new RelStorageWriter(
                            db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()))
                    .commit(0, List.of());
        }
        byte[] state = ObjectGraph.record(List.of());
        jdbc.update(
                "INSERT INTO object_state (zoid, tid, state_size, state)"
                        + " SELECT n, ?, ?, ? FROM generate_series("
                        + " (SELECT max(zoid) + 1 FROM object_state), (SELECT max(zoid) + ? FROM object_state)) AS n",
                lastTid.updateAndGet(last -> Math.max(Tids.toTid(Instant.now()), last + 1)),
                state.length,
                state,
                ORPHANS);
        await().atMost(Duration.ofSeconds(60)).until(() -> unreferenced() >= ORPHANS);
    }

    @AfterEach
    void collectTheRest() {
        loop.resume();
        await().atMost(Duration.ofSeconds(120)).until(() -> objects() == 1);
    }

    private long objects() {
        return jdbc.queryForObject("SELECT count(*) FROM object_state", Long.class);
    }

    private long unreferenced() {
        return jdbc.queryForObject("SELECT count(*) FROM packer.unreferenced", Long.class);
    }

    private long batches() {
        return registry.get("packer.collector.batch").timer().count();
    }

    private void drainUnderWay() {
        long before = objects();
        loop.resume();
        await().atMost(Duration.ofSeconds(60)).until(() -> objects() < before);
    }

    @Test
    void aPauseStopsTheDrainWithinOneBatchAndHoldsUntilResumed() {
        drainUnderWay();

        long batchesAtPause = batches();
        loop.pause("test");
        await().atMost(Duration.ofSeconds(30)).until(() -> loop.current() == null);

        assertThat(batches() - batchesAtPause).as("batches after the pause").isLessThanOrEqualTo(1);
        long left = objects();
        assertThat(left).as("the pause came before the end of the drain").isGreaterThan(1);
        long due = loop.pausedWhileDue();
        await().atMost(Duration.ofSeconds(30)).until(() -> loop.pausedWhileDue() >= due + 3);
        assertThat(objects())
                .as("three times a drain was due while paused: nothing deleted")
                .isEqualTo(left);
    }

    @Test
    void aPackPreemptsARunningDrainWithinOneBatch() throws Exception {
        drainUnderWay();

        long batchesAtRequest = batches();
        PackJob job = packs.submit(new PackRequest(Duration.ZERO, true, true, false), "test");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !packs.find(job.id()).orElseThrow().state().equals("queued"));

        assertThat(batches() - batchesAtRequest)
                .as("drain batches before the pack started")
                .isLessThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !packs.find(job.id()).orElseThrow().active());
        assertThat(packs.find(job.id()).orElseThrow().state()).isEqualTo("dry_run");
    }

    @Test
    void aCancelStopsARunningPackWithinOneBatch() throws Exception {
        PackJob job = packs.submit(new PackRequest(Duration.ZERO, false, false, false), "test");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> packs.find(job.id()).orElseThrow().progress().deleted() > 0);

        long batchesAtCancel = batches();
        packs.cancel(job.id());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !packs.find(job.id()).orElseThrow().active());

        PackJob ended = packs.find(job.id()).orElseThrow();
        assertThat(ended.state()).isEqualTo("cancelled");
        assertThat(batches() - batchesAtCancel).as("batches after the cancel").isLessThanOrEqualTo(1);
        assertThat(ended.progress().deleted()).isLessThan(ORPHANS);
        assertThat(objects()).isEqualTo(1 + ORPHANS - ended.progress().deleted());
    }

    @Test
    void aPackWhoseConnectionsAreKilledGoesOn() throws Exception {
        RelStorageWriter writer =
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation());
        PackJob job;
        try (RelStorageWriter.LockHolder plone = writer.holdCommitLock()) {
            job = packs.submit(new PackRequest(Duration.ZERO, false, false, false), "test");
            // the pack has chosen its first batch and waits for the commit lock Plone holds
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            packs.find(job.id()).orElseThrow().progress().step().equals("deleting"));

            List<Boolean> killed = jdbc.queryForList(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND pid NOT IN (pg_backend_pid(), ?) AND backend_type = 'client backend'",
                    Boolean.class,
                    plone.backendPid());
            assertThat(killed).as("the packer's sessions were terminated").contains(true);
        }
        await().atMost(Duration.ofSeconds(120))
                .until(() -> !packs.find(job.id()).orElseThrow().active());

        assertThat(packs.find(job.id()).orElseThrow().state()).isEqualTo("completed");
        assertThat(objects()).isEqualTo(1);
    }
}
