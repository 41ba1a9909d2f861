package io.github.relstoragepacker.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.RelStorageWriter.ConflictException;
import io.github.relstoragepacker.testsupport.RelStorageWriter.LockHolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The writer against each history-free schema: rows, tids, oids, blobs, conflicts and the commit lock,
 * as RelStorage leaves them.
 */
class RelStorageWriterTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @TempDir
    Path tempDir;

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void commitStoresEveryObjectUnderOneTidNearNow(RelStorageSchema schema) throws SQLException {
        RelStorageWriter writer = install(schema, null);
        long child = writer.newOid();
        long empty = writer.newOid();
        long none = writer.newOid();
        byte[] root = ZodbRecords.persistentMapping(Map.of("child", child));
        Map<Long, byte @Nullable []> states = new HashMap<>();
        states.put(0L, root);
        states.put(child, ZodbRecords.persistentMapping(Map.of()));
        states.put(empty, new byte[0]);
        states.put(none, null);

        long tid = writer.commit(states);

        assertThat(rows())
                .containsExactlyInAnyOrder(
                        row(0, tid, root.length),
                        row(child, tid, ZodbRecords.persistentMapping(Map.of()).length),
                        row(empty, tid, 0),
                        row(none, tid, 0));
        assertThat(stateOf(0)).isEqualTo(root);
        assertThat(stateOf(empty)).isEmpty();
        assertThat(stateOf(none)).isNull();
        assertThat(Tids.toInstant(tid)).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void tidsIncreaseAndStayAboveTheLargestCommittedTid(RelStorageSchema schema) throws SQLException {
        RelStorageWriter writer = install(schema, null);
        long first = writer.commit(Map.of(0L, ZodbRecords.persistentMapping(Map.of())));
        long second = writer.commit(Map.of(0L, ZodbRecords.persistentMapping(Map.of("a", 1L)), 1L, new byte[0]));
        long future = Tids.toTid(Instant.now().plus(Duration.ofHours(1)));
        db.execute("UPDATE object_state SET tid = " + future + " WHERE zoid = 1");

        long third = writer.commit(Map.of(2L, new byte[0]));

        assertThat(second).isGreaterThan(first);
        assertThat(third).isEqualTo(future + 1);
        assertThat(rows())
                .containsExactlyInAnyOrder(
                        row(0, second, ZodbRecords.persistentMapping(Map.of("a", 1L)).length),
                        row(1, future, 0),
                        row(2, third, 0));
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void newOidsComeSixteenPerSequenceValueAndAvoidCommittedOids(RelStorageSchema schema) throws SQLException {
        RelStorageWriter writer = install(schema, null);
        List<Long> oids = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            oids.add(writer.newOid());
        }
        long chosen = (1L << 32) + 5;

        writer.commit(Map.of(chosen, new byte[0]));

        assertThat(oids.subList(0, 16))
                .isEqualTo(Stream.iterate(1L, n -> n + 1).limit(16).toList());
        assertThat(oids.get(16)).isEqualTo(17);
        assertThat(writer.newOid()).isGreaterThan(chosen);
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void blobInTheDatabaseIsOneLargeObjectReplacedOnRewrite(RelStorageSchema schema) throws SQLException {
        RelStorageWriter writer = install(schema, null);
        long blob = writer.newOid();
        byte[] first = "first revision".getBytes(StandardCharsets.US_ASCII);
        byte[] second = "second revision".getBytes(StandardCharsets.US_ASCII);

        long firstTid = writer.commitBlob(blob, ZodbRecords.blob(), first);
        long firstChunk = chunkOf(blob, firstTid);
        long secondTid = writer.commitBlob(blob, ZodbRecords.blob(), second);
        long secondChunk = chunkOf(blob, secondTid);

        assertThat(largeObject(secondChunk)).isEqualTo(second);
        assertThat(largeObjectExists(firstChunk)).isFalse();
        writer.delete(blob);
        assertThat(rows()).isEmpty();
        assertThat(count("SELECT count(*) FROM blob_chunk")).isZero();
        assertThat(largeObjectExists(secondChunk)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void blobInADirectoryIsRenamedToItsTid(RelStorageSchema schema) throws Exception {
        byte[] data = "blob data".getBytes(StandardCharsets.US_ASCII);
        for (BlobLayout layout : BlobLayout.values()) {
            BlobDirectory blobs = BlobDirectory.create(tempDir.resolve(layout.marker()), layout);
            RelStorageWriter writer = install(schema, blobs);
            long oid = 0x12345;

            long tid = writer.commitBlob(oid, ZodbRecords.blob(), data);

            // Tids of this century have 15 significant hex digits, so tid_repr keeps one leading zero.
            String name = "0x%016x.blob".formatted(tid);
            Path oidDir = blobs.root()
                    .resolve(layout == BlobLayout.BUSHY ? "0x00/0x00/0x00/0x00/0x00/0x01/0x23/0x45" : "0x012345");
            assertThat(Files.readString(blobs.root().resolve(".layout"))).isEqualTo(layout.marker());
            assertThat(blobs.root().resolve("tmp")).isEmptyDirectory();
            assertThat(blobs.blobFile(oid, tid)).isEqualTo(oidDir.resolve(name));
            try (Stream<Path> files = Files.list(oidDir)) {
                assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(name, ".lock");
            }
            assertThat(oidDir.resolve(name)).hasBinaryContent(data);
            assertThat(Files.getPosixFilePermissions(oidDir.resolve(name)))
                    .doesNotContain(
                            PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.GROUP_WRITE,
                            PosixFilePermission.OTHERS_WRITE);
            assertThat(rows()).containsExactly(row(oid, tid, ZodbRecords.blob().length));
            assertThat(count("SELECT count(*) FROM blob_chunk")).isZero();
        }
    }

    @Test
    void blobNamesFollowZodbsRepr() {
        BlobDirectory lawn = new BlobDirectory(Path.of("b"), BlobLayout.LAWN);

        assertThat(BlobLayout.repr(0)).isEqualTo("0x00");
        assertThat(BlobLayout.repr(0x100)).isEqualTo("0x0100");
        assertThat(BlobLayout.repr(-1)).isEqualTo("0xffffffffffffffff");
        assertThat(new BlobDirectory(Path.of("b"), BlobLayout.BUSHY).oidDirectory(1))
                .isEqualTo(Path.of("b/0x00/0x00/0x00/0x00/0x00/0x00/0x00/0x01"));
        assertThat(lawn.blobFile(1, 0x03441422948b4399L)).isEqualTo(Path.of("b/0x01/0x03441422948b4399.blob"));
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void commitWaitsForTheHolderOfTheCommitLock(RelStorageSchema schema) throws Exception {
        RelStorageWriter writer = install(schema, null);
        long before = writer.commit(Map.of(0L, ZodbRecords.persistentMapping(Map.of())));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Long> commit;
            try (LockHolder holder = writer.holdCommitLock()) {
                commit = executor.submit(() -> writer.commit(Map.of(0L, ZodbRecords.persistentMapping(Map.of()))));
                awaitSessionsWaitingForLocks(1);
                assertThat(commit).isNotDone();
            }
            long after = commit.get(10, TimeUnit.SECONDS);

            assertThat(after).isGreaterThan(before);
            assertThat(rows()).containsExactly(row(0, after, ZodbRecords.persistentMapping(Map.of()).length));
        } finally {
            executor.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void secondOfTwoCommitsOfOneObjectConflicts(RelStorageSchema schema) throws Exception {
        RelStorageWriter writer = install(schema, null);
        writer.commit(Map.of(0L, ZodbRecords.persistentMapping(Map.of())));
        byte[] first = ZodbRecords.persistentMapping(Map.of("first", 1L));
        byte[] second = ZodbRecords.persistentMapping(Map.of("second", 2L));
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            Future<Long> winner;
            Future<Long> loser;
            try (LockHolder holder = writer.holdCommitLock()) {
                winner = executor.submit(() -> writer.commit(Map.of(0L, first)));
                awaitSessionsWaitingForLocks(1);
                loser = executor.submit(() -> writer.commit(Map.of(0L, second)));
                awaitSessionsWaitingForLocks(2);
            }

            assertThat(winner.get(10, TimeUnit.SECONDS)).isPositive();
            assertThatThrownBy(() -> loser.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ConflictException.class)
                    .hasMessageContaining("zoid 0");
            assertThat(stateOf(0)).isEqualTo(first);
        } finally {
            executor.shutdownNow();
        }
    }

    private static RelStorageWriter install(RelStorageSchema schema, @Nullable BlobDirectory blobs)
            throws SQLException {
        db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        db.install(schema);
        return new RelStorageWriter(db.dataSource(), schema.generation(), blobs);
    }

    /** Polls, for at most 10 s, until {@code sessions} sessions of this database wait for a lock. */
    private static void awaitSessionsWaitingForLocks(int sessions) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND wait_event_type = 'Lock'")
                < sessions) {
            assertThat(System.nanoTime())
                    .as("%d commits waiting for locks", sessions)
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static List<String> rows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT zoid, tid, state_size FROM object_state")) {
            while (rs.next()) {
                rows.add(row(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return rows;
    }

    private static String row(long zoid, long tid, long stateSize) {
        return "zoid %d tid %d size %d".formatted(zoid, tid, stateSize);
    }

    private static byte @Nullable [] stateOf(long zoid) throws SQLException {
        return query("SELECT state FROM object_state WHERE zoid = ?", zoid, rs -> rs.getBytes(1));
    }

    /** The large object of a blob's only chunk, checking that the chunk carries the commit's tid. */
    private static long chunkOf(long zoid, long tid) throws SQLException {
        return query(
                "SELECT chunk FROM blob_chunk WHERE zoid = ? AND chunk_num = 0 AND tid = " + tid,
                zoid,
                rs -> rs.getLong(1));
    }

    private static byte[] largeObject(long loid) throws SQLException {
        return query("SELECT lo_get(?::oid)", loid, rs -> rs.getBytes(1));
    }

    private static boolean largeObjectExists(long loid) throws SQLException {
        return query(
                "SELECT EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = ?::oid)",
                loid,
                rs -> rs.getBoolean(1));
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Column<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private static <T> T query(String sql, long argument, Column<T> column) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, argument);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(sql).isTrue();
                return column.read(rs);
            }
        }
    }
}
