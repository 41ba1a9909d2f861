package io.github.relstoragepacker.relstorage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Reads {@code object_state}, never writing it, with set-based streaming reads only.
 *
 * <p>Ranges are read with {@code COPY ... TO STDOUT (FORMAT binary)}, which streams rows in the
 * server's own format without a cursor's round trips; memory stays bounded by one row. Changes are
 * read in tid order through a server-side cursor, inside the caller's transaction, so that the caller
 * can take its new watermark from the same snapshot that read the rows (docs/relstorage.md §3).
 */
public final class ObjectStateReader {

    /** Receives rows one at a time. */
    @FunctionalInterface
    public interface RowHandler {
        void accept(StoredObject row) throws Exception;
    }

    private static final byte[] COPY_SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int FETCH_SIZE = 2000;

    private final String table;

    /** A reader of {@code schema.object_state}. */
    public ObjectStateReader(String schema) {
        this.table = table(schema);
    }

    /** {@code "schema".object_state}, quoted for SQL text. */
    public static String table(String schema) {
        return '"' + schema.replace("\"", "\"\"") + "\".object_state";
    }

    /** Streams the rows with {@code lo <= zoid < hi}, in no particular order. */
    public void readRange(Connection connection, long lo, long hi, RowHandler handler) throws Exception {
        String sql = "COPY (SELECT zoid, tid, state FROM " + table + " WHERE zoid >= " + lo + " AND zoid < " + hi
                + ") TO STDOUT (FORMAT binary)";
        try (InputStream in = new PGCopyInputStream(connection.unwrap(PGConnection.class), sql)) {
            readCopy(new DataInputStream(new BufferedInputStream(in, 1 << 16)), handler);
        }
    }

    /**
     * Streams the rows with {@code tid > after} in (tid, zoid) order. The caller owns the transaction
     * (autocommit off, typically REPEATABLE READ READ ONLY): the rows and anything else it reads come
     * from one snapshot.
     */
    public void readChangesSince(Connection connection, long after, RowHandler handler) throws Exception {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT zoid, tid, state FROM " + table + " WHERE tid > ? ORDER BY tid, zoid")) {
            st.setFetchSize(FETCH_SIZE);
            st.setLong(1, after);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    byte[] state = rs.getBytes(3);
                    handler.accept(new StoredObject(rs.getLong(1), rs.getLong(2), state == null ? new byte[0] : state));
                }
            }
        }
    }

    /** The highest tid in {@code object_state} in the caller's snapshot, or 0 for an empty table. */
    public long maxTid(Connection connection) throws SQLException {
        return single(connection, "SELECT COALESCE(MAX(tid), 0) FROM " + table);
    }

    /** The planner's estimate of the number of rows, for progress reports; -1 when never analysed. */
    public long estimatedRows(Connection connection) throws SQLException {
        return single(
                connection,
                "SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table.replace("'", "''") + "'::regclass");
    }

    /** The lowest and highest zoid, or {@code [0, -1]} for an empty table. */
    public long[] zoidBounds(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                        "SELECT COALESCE(MIN(zoid), 0), COALESCE(MAX(zoid), -1) FROM " + table);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static long single(Connection connection, String sql) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** PostgreSQL's binary COPY format: a header, then per row a field count and length-prefixed fields. */
    private static void readCopy(DataInputStream in, RowHandler handler) throws Exception {
        byte[] signature = new byte[COPY_SIGNATURE.length];
        in.readFully(signature);
        if (!Arrays.equals(signature, COPY_SIGNATURE)) {
            throw new IOException("not a binary COPY stream");
        }
        in.readInt();
        in.skipNBytes(in.readInt());
        while (true) {
            short fields = in.readShort();
            if (fields == -1) {
                return;
            }
            if (fields != 3) {
                throw new IOException("binary COPY row with " + fields + " fields, expected 3");
            }
            long zoid = readInt8(in);
            long tid = readInt8(in);
            int length = in.readInt();
            byte[] state = length < 0 ? new byte[0] : in.readNBytes(length);
            if (state.length != Math.max(length, 0)) {
                throw new EOFException("binary COPY stream ends inside a state");
            }
            handler.accept(new StoredObject(zoid, tid, state));
        }
    }

    private static long readInt8(DataInputStream in) throws IOException {
        if (in.readInt() != 8) {
            throw new IOException("binary COPY bigint field without 8 bytes");
        }
        return in.readLong();
    }
}
