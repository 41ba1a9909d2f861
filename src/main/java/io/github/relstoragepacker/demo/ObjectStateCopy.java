package io.github.relstoragepacker.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Streams rows into {@code COPY object_state (zoid, tid, state_size, state) FROM STDIN} in PostgreSQL's
 * binary format, which needs no escaping of the pickles. Rows are sent in buffers of about 1 MiB, and
 * each batch of {@value #ROWS_PER_BATCH} rows is its own COPY (and, in autocommit mode, its own
 * transaction), so that a caller can add rows that must follow committed {@code object_state} rows
 * (blob chunks, whose foreign key points there) without holding one huge transaction open.
 */
final class ObjectStateCopy implements AutoCloseable {

    static final int ROWS_PER_BATCH = 100_000;
    private static final int FLUSH_AT = 1 << 20;
    private static final byte[] HEADER = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
    };
    private static final String SQL = "COPY object_state (zoid, tid, state_size, state) FROM STDIN (FORMAT binary)";

    private final CopyManager copyManager;
    private final Buffer buffer = new Buffer();
    private @Nullable CopyIn copy;
    private long rowsInBatch;

    ObjectStateCopy(Connection connection) throws SQLException {
        this.copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
    }

    /** Adds the record the pickler holds as the state of {@code zoid}. */
    void add(long zoid, long tid, ZodbPickler record) throws SQLException {
        if (copy == null) {
            copy = copyManager.copyIn(SQL);
            buffer.write(HEADER, 0, HEADER.length);
        }
        buffer.int16(4);
        buffer.int32(8);
        buffer.int64(zoid);
        buffer.int32(8);
        buffer.int64(tid);
        buffer.int32(8);
        buffer.int64(record.size());
        buffer.int32(record.size());
        buffer.append(record);
        rowsInBatch++;
        if (buffer.size >= FLUSH_AT) {
            flush();
        }
    }

    boolean batchFull() {
        return rowsInBatch >= ROWS_PER_BATCH;
    }

    /** Ends the current COPY, if any; its rows are then committed (autocommit) and visible. */
    void endBatch() throws SQLException {
        CopyIn current = copy;
        if (current == null) {
            return;
        }
        buffer.int16(-1);
        flush();
        long copied = current.endCopy();
        copy = null;
        if (copied != rowsInBatch) {
            throw new SQLException("COPY took " + copied + " rows, " + rowsInBatch + " were sent");
        }
        rowsInBatch = 0;
    }

    private void flush() throws SQLException {
        CopyIn current = copy;
        if (current != null && buffer.size > 0) {
            current.writeToCopy(buffer.bytes, 0, buffer.size);
        }
        buffer.size = 0;
    }

    @Override
    public void close() throws SQLException {
        CopyIn current = copy;
        if (current != null && current.isActive()) {
            current.cancelCopy();
        }
    }

    /** The rows not sent yet, in COPY's binary format. */
    private static final class Buffer {

        private byte[] bytes = new byte[FLUSH_AT + (1 << 16)];
        private int size;

        void append(ZodbPickler record) {
            ensure(record.size());
            record.copyTo(bytes, size);
            size += record.size();
        }

        void write(byte[] b, int offset, int length) {
            ensure(length);
            System.arraycopy(b, offset, bytes, size, length);
            size += length;
        }

        void int16(int value) {
            ensure(2);
            bytes[size++] = (byte) (value >>> 8);
            bytes[size++] = (byte) value;
        }

        void int32(int value) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        void int64(long value) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }
}
