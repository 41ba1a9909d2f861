package io.github.relstoragepacker.demo;

import io.github.relstoragepacker.demo.PloneSiteGenerator.BlobMode;
import io.github.relstoragepacker.relstorage.BlobLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Stores the data of {@code ZODB.blob.Blob} records where RelStorage keeps it.
 *
 * <ul>
 *   <li>{@link BlobMode#DATABASE} ({@code shared-blob-dir false}, the default since RelStorage 3.0a7):
 *       one {@code blob_chunk} row per blob, chunk 0, pointing at one large object made by {@code
 *       lo_from_bytea}. Rows wait until their {@code object_state} rows are committed (foreign key),
 *       and at most {@value #PER_TRANSACTION} large objects are made per transaction, because each
 *       holds a lock until commit (the lock table is what relstorage#468 exhausted).
 *   <li>{@link BlobMode#DIRECTORY} ({@code shared-blob-dir true}): a bushy blob directory (docs/relstorage.md §5),
 *       {@code .layout} and {@code tmp/} as ZODB creates them, one {@code <tid>.blob} file per blob,
 *       and for one blob in four an older revision as well, since history-free RelStorage never
 *       removes the files of earlier commits.
 * </ul>
 *
 * Blob contents are a function of the oid (its first 8 bytes are the oid), so nothing is kept per blob
 * beyond the rows waiting for their batch.
 */
final class BlobWriter {

    private static final int PER_TRANSACTION = 200;
    private static final int PATTERN = 8192;

    private final BlobMode mode;
    private final Connection connection;
    private final @Nullable Path directory;
    private final SplittableRandom random;
    private final byte[] pattern = new byte[PATTERN];
    private long[] pendingOids = new long[64];
    private long[] pendingTids = new long[64];
    private int pending;
    private long count;

    BlobWriter(BlobMode mode, Connection connection, @Nullable Path directory, long seed) throws IOException {
        this.mode = mode;
        this.connection = connection;
        this.directory = directory;
        this.random = new SplittableRandom(seed);
        random.nextBytes(pattern);
        if (mode == BlobMode.DIRECTORY) {
            prepareDirectory(requireDirectory());
        }
    }

    /** Stores (or queues) the data of the blob record {@code oid} committed by {@code tid}. */
    void add(long oid, long tid, Transactions transactions) throws IOException {
        count++;
        if (mode == BlobMode.DIRECTORY) {
            Path dir = BlobLayout.BUSHY.oidDirectory(requireDirectory(), oid);
            Files.createDirectories(dir);
            Files.write(dir.resolve(BlobLayout.blobFileName(tid)), data(oid));
            long earlier = random.nextInt(4) == 0 ? transactions.earlier() : 0;
            if (earlier > 0) {
                Files.write(dir.resolve(BlobLayout.blobFileName(earlier)), data(oid));
            }
        } else if (mode == BlobMode.DATABASE) {
            if (pending == pendingOids.length) {
                pendingOids = Arrays.copyOf(pendingOids, pending * 2);
                pendingTids = Arrays.copyOf(pendingTids, pending * 2);
            }
            pendingOids[pending] = oid;
            pendingTids[pending++] = tid;
        }
    }

    /** Inserts the queued blob chunks; call once their {@code object_state} rows are committed. */
    void flush() throws SQLException {
        if (pending == 0) {
            return;
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO blob_chunk (zoid, chunk_num, tid, chunk) VALUES (?, 0, ?, lo_from_bytea(0, ?))")) {
            for (int i = 0; i < pending; i++) {
                insert.setLong(1, pendingOids[i]);
                insert.setLong(2, pendingTids[i]);
                insert.setBytes(3, data(pendingOids[i]));
                insert.addBatch();
                if ((i + 1) % PER_TRANSACTION == 0 || i + 1 == pending) {
                    insert.executeBatch();
                    connection.commit();
                }
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        pending = 0;
    }

    long count() {
        return count;
    }

    /** 128 bytes to 4 KiB, different for every oid. */
    private byte[] data(long oid) {
        long mixed = mix(oid);
        int size = 128 + (int) (mixed & 4095);
        int offset = (int) ((mixed >>> 12) & (PATTERN / 2 - 1));
        byte[] data = Arrays.copyOfRange(pattern, offset, offset + size);
        for (int i = 0; i < 8; i++) {
            data[i] = (byte) (oid >>> (56 - 8 * i));
        }
        return data;
    }

    private Path requireDirectory() {
        if (directory == null) {
            throw new IllegalStateException("blob mode " + mode + " needs a blob directory");
        }
        return directory;
    }

    private static void prepareDirectory(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (Stream<Path> entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("blob directory " + root + " is not empty");
                }
            }
        }
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve(".layout"), BlobLayout.BUSHY.marker(), StandardCharsets.US_ASCII);
    }

    private long mix(long value) {
        long z = value * 0x9E3779B97F4A7C15L + pattern[0];
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
