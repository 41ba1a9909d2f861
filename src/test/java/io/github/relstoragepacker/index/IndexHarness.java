package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.ObjectStateReader;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The index's parts wired by hand over a fresh RelStorage database, as {@link IndexMaintainer} wires
 * them, so tests can drive the build, polls and reconciliation step by step.
 */
final class IndexHarness implements AutoCloseable {

    final TestDatabase db;
    final DataSource dataSource;
    final RelStorageWriter writer;
    final LeaderLock leader;
    final JdbcTemplate jdbc;
    private final ObjectStateReader reader = new ObjectStateReader("public");
    private final ClassRegistry classes;
    /** The build's wall clock; a test may set it to any time. */
    Clock clock = Clock.systemUTC();

    IndexHarness(String name, RelStorageSchema schema) throws SQLException {
        db = TestDatabase.open(name);
        db.install(schema);
        dataSource = db.dataSource();
        writer = new RelStorageWriter(dataSource, schema.generation());
        IndexSchema.migrate(dataSource);
        leader = new LeaderLock(dataSource);
        jdbc = new JdbcTemplate(dataSource);
        classes = new ClassRegistry(jdbc);
    }

    IndexHarness(String name) throws SQLException {
        this(name, RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
    }

    InitialBuild build(long rangeSize, int threads) {
        return build(dataSource, rangeSize, threads);
    }

    InitialBuild build(DataSource source, long rangeSize, int threads) {
        return new InitialBuild(
                source,
                reader,
                classes,
                properties(threads, rangeSize, Duration.ofSeconds(30)),
                new BuildProgress(new SimpleMeterRegistry()),
                leader,
                clock);
    }

    /** The index settings of these tests: polls every 10 ms in chunks of 50, reconciles every minute. */
    static IndexProperties properties(int threads, long rangeSize, Duration statisticsInterval) {
        return new IndexProperties(
                Duration.ofMillis(10), 50, threads, rangeSize, Duration.ofMinutes(1), statisticsInterval);
    }

    IndexPoller poller(int batchSize) {
        return new IndexPoller(dataSource, reader, new ChangeApplier(classes), leader, batchSize);
    }

    VanishedObjects vanished() {
        return new VanishedObjects("public", leader);
    }

    VerificationReport verify() throws SQLException {
        return new IndexVerifier(dataSource, "public").verify(1);
    }

    /** Builds the index (taking the leader lock first) and polls once. */
    void buildAndPoll() throws Exception {
        leader.tryAcquire();
        build(1000, 2).run();
        poller(100).poll();
    }

    IndexState state() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return IndexState.read(c);
        }
    }

    long[] indexedRefs(long zoid) {
        Long[] refs = jdbc.queryForObject(
                "SELECT COALESCE(refs, '{}') FROM packer.object WHERE zoid = ?",
                (rs, i) -> (Long[]) rs.getArray(1).getArray(),
                zoid);
        return Arrays.stream(refs).mapToLong(Long::longValue).toArray();
    }

    List<Long> referrers(long zoid) {
        return jdbc.queryForList(
                "SELECT from_zoid FROM packer.ref WHERE to_zoid = ? ORDER BY from_zoid", Long.class, zoid);
    }

    /** since_tid of an unreferenced object, or null when it is referenced. */
    Long unreferencedSince(long zoid) {
        List<Long> since =
                jdbc.queryForList("SELECT since_tid FROM packer.unreferenced WHERE zoid = ?", Long.class, zoid);
        return since.isEmpty() ? null : since.get(0);
    }

    @Override
    public void close() throws SQLException {
        leader.close();
        db.close();
    }
}
