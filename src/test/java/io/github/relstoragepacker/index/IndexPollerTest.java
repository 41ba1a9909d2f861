package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The poller keeps the index equal to a recomputation from {@code object_state}, whatever Plone commits. */
class IndexPollerTest {

    @Test
    void randomCommitsWithThePollerRunningConcurrentlyLeaveTheIndexExact() throws Exception {
        long seed = System.nanoTime();
        try (IndexHarness h = new IndexHarness("poller")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(0, List.of());
            h.buildAndPoll();
            AtomicBoolean writing = new AtomicBoolean(true);
            CompletableFuture<Long> polling = CompletableFuture.supplyAsync(() -> {
                long polls = 0;
                IndexPoller poller = h.poller(7);
                while (writing.get()) {
                    try {
                        poller.poll();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    polls++;
                }
                return polls;
            });
            Random random = new Random(seed);
            for (int i = 0; i < 300; i++) {
                graph.mutate(random);
            }
            writing.set(false);
            assertThat(polling.get(60, TimeUnit.SECONDS)).isPositive();
            h.poller(7).poll();

            VerificationReport report = h.verify();

            assertThat(report.differences()).as("seed %d", seed).isEmpty();
            assertThat(report.objectsChecked()).isEqualTo(graph.children.size());
        }
    }

    @Test
    void anObjectIsUnreferencedSinceTheTidThatDroppedItsLastReferrer() throws Exception {
        try (IndexHarness h = new IndexHarness("since")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            long a = graph.newOid();
            long b = graph.newOid();
            long c = graph.newOid();
            long d = graph.newOid();
            graph.commit(Map.of(0L, List.of(a), a, List.of(b), b, List.of(c), c, List.of()));
            h.buildAndPoll();
            assertThat(h.unreferencedSince(c)).isNull();

            long unlinked = graph.commit(Map.of(a, List.of(), b, List.of(d), d, List.of(c)));
            h.poller(100).poll();

            assertThat(h.unreferencedSince(b)).isEqualTo(unlinked);
            assertThat(h.unreferencedSince(d)).as("B -> D keeps D referenced").isNull();
            assertThat(h.unreferencedSince(c)).isNull();
            assertThat(h.referrers(c)).containsExactly(d);
            assertThat(h.unreferencedSince(a)).isNull();
            assertThat(h.verify().differences()).isEmpty();
        }
    }

    @Test
    void anObjectCreatedWithoutAReferrerIsUnreferencedSinceItsOwnTid() throws Exception {
        try (IndexHarness h = new IndexHarness("created")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(0, List.of());
            h.buildAndPoll();
            long lonely = graph.newOid();

            long tid = graph.commit(lonely, List.of());
            h.poller(100).poll();

            assertThat(h.unreferencedSince(lonely)).isEqualTo(tid);
            assertThat(h.unreferencedSince(0))
                    .as("the root is never unreferenced")
                    .isNull();
        }
    }

    @Test
    void anUnreadableStateKeepsItsLastKnownReferencesUntilItIsReadableAgain() throws Exception {
        try (IndexHarness h = new IndexHarness("quarantine")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            long x = graph.newOid();
            long y = graph.newOid();
            graph.commit(Map.of(0L, List.of(x), x, List.of(y), y, List.of()));
            h.buildAndPoll();

            h.writer.commit(Map.of(x, "brokenpickle".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            h.poller(100).poll();

            assertThat(h.jdbc.queryForObject("SELECT reason FROM packer.quarantine WHERE zoid = ?", String.class, x))
                    .contains("stack underflow");
            assertThat(h.referrers(y))
                    .as("the edge read from the last good state stays")
                    .containsExactly(x);
            assertThat(h.unreferencedSince(y)).isNull();

            long fixed = graph.commit(x, List.of());
            h.poller(100).poll();

            assertThat(h.jdbc.queryForObject("SELECT count(*) FROM packer.quarantine", Long.class))
                    .isZero();
            assertThat(h.unreferencedSince(y)).isEqualTo(fixed);
        }
    }

    @Test
    void objectsDeletedBehindTheIndexAreReconciledAway() throws Exception {
        try (IndexHarness h = new IndexHarness("vanished")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            long gone = graph.newOid();
            long child = graph.newOid();
            graph.commit(Map.of(0L, List.of(), gone, List.of(child), child, List.of()));
            h.buildAndPoll();
            h.writer.delete(gone);
            // noticed a day after the last commit: the deletion left no tid, so its time is when it was noticed
            long noticed = Tids.toTid(Tids.toInstant(h.state().watermark()).plus(Duration.ofDays(1)));

            try (var c = h.dataSource.getConnection()) {
                assertThat(h.vanished().remove(c, noticed)).isEqualTo(1);
            }

            assertThat(h.jdbc.queryForObject("SELECT count(*) FROM packer.object WHERE zoid = ?", Long.class, gone))
                    .isZero();
            assertThat(h.unreferencedSince(child))
                    .as("not the watermark, which is older than the deletion")
                    .isEqualTo(noticed);
            assertThat(h.verify().differences()).isEmpty();
        }
    }

    @Test
    void theLookForVanishedObjectsIsDueAnIntervalAfterTheLastOneOrTheBuildWhoeverMadeIt() throws Exception {
        try (IndexHarness h = new IndexHarness("reconcile-due");
                var c = h.dataSource.getConnection()) {
            Duration interval = Duration.ofMinutes(10);
            assertThat(VanishedObjects.untilDue(c, interval))
                    .as("never looked, never built")
                    .isZero();
            new ObjectGraph(h.writer).commit(0L, List.of());
            h.buildAndPoll();

            assertThat(VanishedObjects.untilDue(c, interval))
                    .as("the build read object_state after it began")
                    .isGreaterThan(Duration.ofMinutes(9));

            h.jdbc.update("UPDATE packer.progress SET build_started_at = now() - interval '11 minutes'");
            assertThat(VanishedObjects.untilDue(c, interval)).isZero();
            h.vanished().remove(c, Tids.toTid(Instant.now()));
            assertThat(VanishedObjects.untilDue(c, interval))
                    .as("a look, by any instance or command, counts from then")
                    .isGreaterThan(Duration.ofMinutes(9));
        }
    }

    @Test
    void theWatermarkOnlyMovesForward() throws Exception {
        try (IndexHarness h = new IndexHarness("watermark")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(0, List.of());
            h.buildAndPoll();
            long before = h.state().watermark();

            long tid = graph.commit(0, List.of(graph.newOid()));
            h.poller(100).poll();
            h.poller(100).poll();

            assertThat(h.state().watermark()).isEqualTo(tid).isGreaterThan(before);
        }
    }
}
