package io.github.relstoragepacker.testsupport;

import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.relstorage.Tids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * Commits ZODB records into a history-free RelStorage database the way RelStorage's store connection
 * does, so that collector tests meet the locks, tids, rows, large objects and blob files of production
 * (the SQL is the schema README's "Per generation" section). One {@link #commit} is one ZODB
 * transaction:
 *
 * <ol>
 *   <li>read each object's committed tid, as the client did when it loaded the object ({@code prev_tid});
 *   <li>store: fill {@code temp_store}; each blob becomes one large object in {@code temp_blob_chunk},
 *       or, with a {@link BlobDirectory}, an in-flight {@code .tmp-} file in its oid directory;
 *   <li>raise {@code zoid_seq} above oids the commit brought itself, as RelStorage's {@code set_min_oid};
 *   <li>vote: take the generation's commit lock and choose {@code tid = max(now, MAX(tid) + 1)} under it.
 *       1.x/2.x lock {@code commit_lock} and {@code object_state}, compute the tid here and move the
 *       rows with plain SQL; 3.x and later call {@code lock_objects_and_detect_conflicts} and {@code
 *       lock_and_choose_tid_and_move}, which lock, choose the tid and move the rows in the database;
 *   <li>rename blob files to {@code <tid>.blob}, still holding the commit lock: RelStorage publishes a
 *       file before its row, so a blob file newer than its object's tid may be in flight;
 *   <li>COMMIT, which releases the commit lock.
 * </ol>
 *
 * Thread-safe: each call uses its own connection, so tests may commit from several threads.
 */
public final class RelStorageWriter {

    /** RelStorage's default {@code commit-lock-timeout} (30 s), in milliseconds. */
    private static final int COMMIT_LOCK_TIMEOUT_MILLIS = 30_000;

    private static final String STORE = "INSERT INTO temp_store (zoid, prev_tid, md5, state) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (zoid) DO UPDATE SET state = excluded.state, prev_tid = excluded.prev_tid,"
            + " md5 = excluded.md5";

    private final DataSource dataSource;
    private final LockGeneration generation;
    private final @Nullable BlobDirectory blobDirectory;

    private long nextOid = 1;
    private long lastOidOfBlock;

    /** A writer that stores blobs in the database ({@code shared-blob-dir false}, RelStorage 3's default). */
    public RelStorageWriter(DataSource dataSource, LockGeneration generation) {
        this(dataSource, generation, null);
    }

    /**
     * A writer that stores blobs as files in {@code blobDirectory} ({@code shared-blob-dir true}), or in
     * the database when it is null.
     */
    public RelStorageWriter(DataSource dataSource, LockGeneration generation, @Nullable BlobDirectory blobDirectory) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
        this.generation = Objects.requireNonNull(generation, "generation must not be null");
        this.blobDirectory = blobDirectory;
    }

    /**
     * A new oid, as RelStorage allocates them: each {@code nextval('zoid_seq')} = n reserves the block
     * n*16-15 .. n*16, handed out in ascending order. Oid 0 (the root) never comes from the sequence.
     */
    public synchronized long newOid() throws SQLException {
        if (nextOid > lastOidOfBlock) {
            long n;
            try (Connection c = dataSource.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT nextval('zoid_seq')")) {
                rs.next();
                n = rs.getLong(1);
            }
            nextOid = n * 16 - 15;
            lastOidOfBlock = n * 16;
        }
        return nextOid++;
    }

    /**
     * Commits one transaction storing {@code states} (zoid to record; null or empty means no state).
     *
     * @return the transaction's tid
     * @throws ConflictException if another transaction committed one of the objects meanwhile
     */
    public long commit(Map<Long, byte @Nullable []> states) throws SQLException {
        return commit(states, Map.of());
    }

    /** Commits one transaction storing a blob object's record and its data. */
    public long commitBlob(long zoid, byte[] state, byte[] blob) throws SQLException {
        return commit(Map.of(zoid, state), Map.of(zoid, blob));
    }

    /**
     * Commits one transaction storing {@code states} and, for some of those objects, blob data.
     *
     * @return the transaction's tid
     * @throws ConflictException if another transaction committed one of the objects meanwhile
     */
    public long commit(Map<Long, byte @Nullable []> states, Map<Long, byte[]> blobs) throws SQLException {
        if (states.isEmpty()) {
            throw new IllegalArgumentException("states must not be empty");
        }
        if (!states.keySet().containsAll(blobs.keySet())) {
            throw new IllegalArgumentException("every blob needs its object's state in the same commit");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            prepareSession(c);
            c.setAutoCommit(false);
            Map<Long, Path> blobFiles = new HashMap<>();
            try {
                Map<Long, Long> prevTids = committedTids(c, states.keySet());
                if (generation == LockGeneration.TABLE_LOCK) {
                    createLegacyTempTables(c);
                }
                store(c, states, prevTids);
                for (Map.Entry<Long, byte[]> blob : blobs.entrySet()) {
                    if (blobDirectory == null) {
                        storeLargeObject(c, blob.getKey(), blob.getValue());
                    } else {
                        long prevTid = prevTids.getOrDefault(blob.getKey(), 0L);
                        blobFiles.put(blob.getKey(), upload(blob.getKey(), prevTid, blob.getValue()));
                    }
                }
                raiseOidSequence(c, states.keySet());
                long tid = generation == LockGeneration.TABLE_LOCK
                        ? voteLegacy(c, !blobs.isEmpty())
                        : vote(c, blobDirectory == null);
                for (Map.Entry<Long, Path> file : blobFiles.entrySet()) {
                    file.setValue(moveIntoPlace(file.getKey(), file.getValue(), tid));
                }
                c.commit();
                return tid;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                // RelStorage's abort removes the transaction's blob files, renamed or not.
                for (Path file : blobFiles.values()) {
                    deleteQuietly(file, e);
                }
                throw e;
            }
        }
    }

    /**
     * Deletes objects in one transaction, like a hand deletion or the delete of RelStorage 3+'s {@code
     * zodbpack} (no commit lock): rows cascade to {@code blob_chunk}, whose trigger unlinks the large
     * objects. Blob files are left alone.
     */
    public void delete(long... zoids) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM object_state WHERE zoid = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", boxed(zoids)));
            ps.executeUpdate();
        }
    }

    /**
     * Takes this generation's commit lock in a transaction of its own session and keeps it until {@link
     * LockHolder#close()}: what a RelStorage client does between vote and finish, or a zodbpack.
     */
    public LockHolder holdCommitLock() throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(
                        switch (generation) {
                            case TABLE_LOCK -> "LOCK TABLE commit_lock IN EXCLUSIVE MODE";
                            case ROW_LOCK -> "SELECT tid FROM commit_row_lock FOR UPDATE";
                            case ADVISORY_LOCK -> "SELECT pg_advisory_xact_lock(-1)";
                        });
            }
            return new LockHolder(c);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** A session holding the commit lock; closing it rolls back, releasing the lock. */
    public static final class LockHolder implements AutoCloseable {

        private final Connection connection;

        private LockHolder(Connection connection) {
            this.connection = connection;
        }

        /** The backend process of the holding session, to tell it apart in {@code pg_stat_activity}. */
        public int backendPid() throws SQLException {
            try (Statement st = connection.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                return rs.getInt(1);
            }
        }

        @Override
        public void close() throws SQLException {
            try (connection) {
                connection.rollback();
            }
        }
    }

    /** RelStorage's {@code ConflictError} without resolution: an object changed since it was read. */
    public static final class ConflictException extends RuntimeException {

        private ConflictException(String message) {
            super(message);
        }
    }

    /**
     * The store connection's setup. 3.x+ create their temp tables once per session and commit them;
     * 1.x/2.x create theirs in every transaction ({@link #createLegacyTempTables}).
     */
    private void prepareSession(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = " + COMMIT_LOCK_TIMEOUT_MILLIS);
            st.execute("SET application_name = 'RS: Store'");
            if (generation == LockGeneration.TABLE_LOCK) {
                return;
            }
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('pg_temp.temp_store') IS NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
            st.execute("""
                    CREATE TEMPORARY TABLE IF NOT EXISTS temp_store (zoid BIGINT NOT NULL PRIMARY KEY,
                        prev_tid BIGINT NOT NULL, md5 CHAR(32), state BYTEA) ON COMMIT DELETE ROWS;
                    CREATE TEMPORARY TABLE IF NOT EXISTS temp_store_replacements (zoid BIGINT NOT NULL PRIMARY KEY,
                        prev_tid BIGINT NOT NULL, md5 CHAR(32), state BYTEA) ON COMMIT DELETE ROWS;
                    CREATE TEMPORARY TABLE IF NOT EXISTS temp_blob_chunk (zoid BIGINT NOT NULL,
                        chunk_num BIGINT NOT NULL, chunk OID, PRIMARY KEY (zoid, chunk_num)) ON COMMIT DELETE ROWS;
                    CREATE TRIGGER temp_blob_chunk_delete BEFORE DELETE ON temp_blob_chunk
                        FOR EACH ROW EXECUTE PROCEDURE temp_blob_chunk_delete_trigger();
                    """);
        }
    }

    private static void createLegacyTempTables(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TEMPORARY TABLE temp_store (zoid BIGINT NOT NULL, prev_tid BIGINT NOT NULL,
                        md5 CHAR(32), state BYTEA) ON COMMIT DROP;
                    CREATE UNIQUE INDEX temp_store_zoid ON temp_store (zoid);
                    CREATE TEMPORARY TABLE temp_blob_chunk (zoid BIGINT NOT NULL, chunk_num BIGINT NOT NULL,
                        chunk OID) ON COMMIT DROP;
                    CREATE UNIQUE INDEX temp_blob_chunk_key ON temp_blob_chunk (zoid, chunk_num);
                    CREATE TRIGGER temp_blob_chunk_delete BEFORE DELETE ON temp_blob_chunk
                        FOR EACH ROW EXECUTE PROCEDURE temp_blob_chunk_delete_trigger();
                    """);
        }
    }

    private static Map<Long, Long> committedTids(Connection c, Set<Long> zoids) throws SQLException {
        Map<Long, Long> tids = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT zoid, tid FROM object_state WHERE zoid = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", zoids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tids.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return tids;
    }

    private void store(Connection c, Map<Long, byte @Nullable []> states, Map<Long, Long> prevTids)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STORE)) {
            for (Map.Entry<Long, byte @Nullable []> entry : states.entrySet()) {
                byte[] state = entry.getValue();
                ps.setLong(1, entry.getKey());
                ps.setLong(2, prevTids.getOrDefault(entry.getKey(), 0L));
                // 2.x fills md5 even in history-free mode; 3.x leaves it NULL there.
                ps.setString(3, generation == LockGeneration.TABLE_LOCK && state != null ? md5Hex(state) : null);
                ps.setBytes(4, state);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The client-side {@code lo_import} of RelStorage's upload, then its temp_blob_chunk row. */
    private static void storeLargeObject(Connection c, long zoid, byte[] data) throws SQLException {
        LargeObjectManager largeObjects = c.unwrap(PGConnection.class).getLargeObjectAPI();
        long loid = largeObjects.createLO();
        try (LargeObject lo = largeObjects.open(loid, LargeObjectManager.WRITE)) {
            lo.write(data);
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM temp_blob_chunk WHERE zoid = ?");
                PreparedStatement insert =
                        c.prepareStatement("INSERT INTO temp_blob_chunk (zoid, chunk_num, chunk) VALUES (?, 0, ?)")) {
            delete.setLong(1, zoid);
            delete.executeUpdate();
            insert.setLong(1, zoid);
            insert.setLong(2, loid);
            insert.executeUpdate();
        }
    }

    /**
     * RelStorage's {@code set_min_oid}, run when a commit stores an oid above those handed out. Unlike
     * RelStorage the writer also drops the rest of its block, so that {@link #newOid()} cannot hand out
     * an oid a test chose itself.
     */
    private void raiseOidSequence(Connection c, Set<Long> zoids) throws SQLException {
        long maxOid = zoids.stream().mapToLong(Long::longValue).max().orElseThrow();
        synchronized (this) {
            if (maxOid < nextOid) {
                return;
            }
            nextOid = lastOidOfBlock + 1;
        }
        long n = (maxOid + 15) / 16;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT CASE WHEN ? > nextval('zoid_seq') THEN setval('zoid_seq', ?) ELSE 0 END")) {
            ps.setLong(1, n);
            ps.setLong(2, n);
            ps.executeQuery().close();
        }
    }

    /** RelStorage 1.x/2.x's vote: table locks, the tid computed in the client, the rows moved by plain SQL. */
    private static long voteLegacy(Connection c, boolean hasBlobs) throws SQLException {
        long tid;
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE commit_lock IN EXCLUSIVE MODE");
            st.execute("LOCK TABLE object_state IN SHARE MODE");
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(tid), 0) FROM object_state")) {
                rs.next();
                tid = Math.max(Tids.toTid(Instant.now()), rs.getLong(1) + 1);
            }
            failOnConflicts(
                    st,
                    "SELECT zoid, object_state.tid, temp_store.prev_tid FROM temp_store JOIN object_state USING (zoid)"
                            + " WHERE temp_store.prev_tid != object_state.tid");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO object_state (zoid, tid, state_size, state)"
                + " SELECT zoid, ?, COALESCE(LENGTH(state), 0), state FROM temp_store"
                + " ON CONFLICT (zoid) DO UPDATE SET state_size = COALESCE(LENGTH(excluded.state), 0),"
                + " tid = ?, state = excluded.state")) {
            ps.setLong(1, tid);
            ps.setLong(2, tid);
            ps.executeUpdate();
        }
        if (hasBlobs) {
            try (Statement st = c.createStatement();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO blob_chunk (zoid, tid, chunk_num, chunk)"
                            + " SELECT zoid, ?, chunk_num, chunk FROM temp_blob_chunk")) {
                st.executeUpdate("DELETE FROM blob_chunk WHERE zoid IN (SELECT zoid FROM temp_store)");
                ps.setLong(1, tid);
                ps.executeUpdate();
            }
        }
        return tid;
    }

    /**
     * RelStorage 3+'s vote. {@code p_commit} is true when the COMMIT follows in the same round trip; a
     * shared blob directory must first rename its files, so RelStorage passes false there.
     */
    private static long vote(Connection c, boolean commitNext) throws SQLException {
        try (Statement st = c.createStatement()) {
            failOnConflicts(st, "SELECT * FROM lock_objects_and_detect_conflicts(NULL, NULL)");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT lock_and_choose_tid_and_move(NULL, ?)")) {
            ps.setBoolean(1, commitNext);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Conflict resolution needs the application's classes; the writer reports the conflict instead. */
    private static void failOnConflicts(Statement st, String detectConflicts) throws SQLException {
        List<String> conflicts = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(detectConflicts)) {
            while (rs.next()) {
                conflicts.add("zoid %d committed by tid %d, read at tid %d"
                        .formatted(rs.getLong("zoid"), rs.getLong("tid"), rs.getLong("prev_tid")));
            }
        }
        if (!conflicts.isEmpty()) {
            throw new ConflictException("Conflicting commits: " + String.join("; ", conflicts));
        }
    }

    /**
     * RelStorage's {@code storeBlob} for a shared blob directory: {@code mkstemp} names a placeholder
     * after the object's previous tid, the data goes to that name plus {@code -}, the placeholder goes.
     */
    private Path upload(long zoid, long prevTid, byte[] data) {
        try {
            Path dir = Files.createDirectories(blobDirectory().oidDirectory(zoid));
            Path placeholder = Files.createTempFile(dir, BlobLayout.repr(prevTid), ".tmp");
            Path upload = placeholder.resolveSibling(placeholder.getFileName() + "-");
            Files.write(upload, data);
            Files.delete(placeholder);
            return upload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * RelStorage's {@code vote} for a shared blob directory: the rename to {@code <tid>.blob} under
     * zc.lockfile's {@code .lock} in the oid directory, which stays behind holding {@code " <pid>\n"};
     * ZODB then makes the committed file read-only.
     */
    private Path moveIntoPlace(long zoid, Path upload, long tid) {
        Path target = blobDirectory().blobFile(zoid, tid);
        try {
            Files.writeString(
                    target.resolveSibling(".lock"),
                    " " + ProcessHandle.current().pid() + "\n");
            Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!target.toFile().setWritable(false, false)) {
            throw new UncheckedIOException(new IOException("cannot make " + target + " read-only"));
        }
        return target;
    }

    private BlobDirectory blobDirectory() {
        return Objects.requireNonNull(blobDirectory, "no blob directory");
    }

    private static void deleteQuietly(Path file, Exception cause) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static String md5Hex(byte[] data) {
        try {
            return "%032x"
                    .formatted(
                            new BigInteger(1, MessageDigest.getInstance("MD5").digest(data)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has MD5", e);
        }
    }

    private static Long[] boxed(long[] values) {
        return Arrays.stream(values).boxed().toArray(Long[]::new);
    }
}
