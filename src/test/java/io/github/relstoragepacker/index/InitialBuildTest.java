package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The initial build: exact on a quiet database, exact after catching up with commits made during it, resumable. */
class InitialBuildTest {

    @Test
    void buildWhilePloneCommitsThenCatchUpEqualsARecomputation() throws Exception {
        long seed = System.nanoTime();
        try (IndexHarness h = new IndexHarness("buildwrites")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(0, List.of());
            Random random = new Random(seed);
            for (int i = 0; i < 150; i++) {
                graph.mutate(random);
            }
            AtomicBoolean building = new AtomicBoolean(true);
            CompletableFuture<Integer> writes = CompletableFuture.supplyAsync(() -> {
                int commits = 0;
                Random r = new Random(seed + 1);
                while (building.get() || commits < 20) {
                    try {
                        graph.mutate(r);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    commits++;
                }
                return commits;
            });
            h.leader.tryAcquire();
            h.build(8, 2).run();
            building.set(false);
            assertThat(writes.get(60, TimeUnit.SECONDS)).isPositive();
            h.poller(50).poll();

            VerificationReport report = h.verify();

            assertThat(report.differences()).as("seed %d", seed).isEmpty();
            assertThat(report.objectsChecked()).isEqualTo(graph.children.size());
        }
    }

    @Test
    void garbageFoundByTheBuildCountsFromTheBuildNotFromTheNewestCommit() throws Exception {
        try (IndexHarness h = new IndexHarness("buildsince")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            long orphan = graph.newOid();
            graph.commit(Map.of(0L, List.of(), orphan, List.of()));
            long newestCommit = h.jdbc.queryForObject("SELECT max(tid) FROM object_state", Long.class);
            // a restored database: the build runs eleven days after its newest commit
            Instant built = Tids.toInstant(newestCommit).plus(Duration.ofDays(11));
            h.clock = Clock.fixed(built, ZoneOffset.UTC);
            h.leader.tryAcquire();

            h.build(8, 1).run();

            assertThat(h.state().buildSnapshotTid()).isEqualTo(newestCommit);
            assertThat(h.state().buildSinceTid()).isEqualTo(Tids.toTid(built));
            assertThat(h.unreferencedSince(orphan))
                    .as("unlinked at an unknown time: its grace counts from the build")
                    .isEqualTo(Tids.toTid(built));
        }
    }

    @Test
    void zoidsTooSparseToCountInMemoryAreDerivedInSql() throws Exception {
        long far = ReferenceCensus.MAX_SPAN + 1_000;
        try (IndexHarness h = new IndexHarness("buildsparse")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(Map.of(
                    0L,
                    List.of(5L, far),
                    5L,
                    List.of(),
                    far,
                    List.of(7L),
                    7L,
                    List.of(),
                    6L,
                    List.of(5L),
                    far - 1,
                    List.of()));
            h.leader.tryAcquire();

            h.build(1L << 40, 2).run();

            assertThat(h.state().phase()).isEqualTo(IndexState.Phase.READY);
            assertThat(h.verify().differences()).isEmpty();
            assertThat(h.jdbc.queryForList("SELECT zoid FROM packer.unreferenced ORDER BY zoid", Long.class))
                    .containsExactly(6L, far - 1);
            assertThat(h.jdbc.queryForObject("SELECT count(*) FROM packer.ref", Long.class))
                    .isEqualTo(4);
        }
    }

    @Test
    void aBuildInterruptedByALostConnectionContinuesWhereItStopped() throws Exception {
        try (IndexHarness h = new IndexHarness("buildresume")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            graph.commit(0, List.of());
            Random random = new Random(7);
            for (int i = 0; i < 200; i++) {
                graph.mutate(random);
            }
            h.leader.tryAcquire();

            assertThatThrownBy(() ->
                            h.build(new FailingAfter(h.dataSource, 12), 16, 1).run())
                    .hasRootCauseMessage("connection lost (simulated)");
            long doneBefore = h.jdbc.queryForObject("SELECT count(*) FROM packer.build_range WHERE done", Long.class);
            long ranges = h.jdbc.queryForObject("SELECT count(*) FROM packer.build_range", Long.class);
            assertThat(doneBefore).isPositive().isLessThan(ranges);
            assertThat(h.state().phase()).isEqualTo(IndexState.Phase.BUILDING);

            h.build(16, 2).run();
            h.poller(50).poll();

            assertThat(h.state().phase()).isEqualTo(IndexState.Phase.READY);
            assertThat(h.verify().differences()).isEmpty();
        }
    }

    @Test
    void onlyTheLeaderMayBuild() throws Exception {
        try (IndexHarness h = new IndexHarness("buildleader")) {
            new ObjectGraph(h.writer).commit(0, List.of());

            assertThatThrownBy(() -> h.build(16, 1).run()).hasMessageContaining("leader lock");
            assertThat(h.state().phase()).isEqualTo(IndexState.Phase.EMPTY);
        }
    }

    /** A data source whose connections stop coming after a number of them, like a database gone away. */
    private static final class FailingAfter implements DataSource {
        private final DataSource delegate;
        private final AtomicInteger left;

        FailingAfter(DataSource delegate, int connections) {
            this.delegate = delegate;
            this.left = new AtomicInteger(connections);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (left.decrementAndGet() < 0) {
                throw new SQLException("connection lost (simulated)");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
