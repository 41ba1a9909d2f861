package io.github.relstoragepacker.index;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into {@code COPY table (zoid, tid, state_size, class_id, refs) FROM STDIN} in text
 * format, flushing a bounded buffer, so that bulk loads cost one round trip per buffer, not per row.
 */
final class ObjectRowCopy implements AutoCloseable {

    private static final int FLUSH_AT = 1 << 18;

    private final CopyIn copy;
    private final StringBuilder buffer = new StringBuilder(FLUSH_AT + 4096);
    private long rows;

    ObjectRowCopy(Connection connection, String table) throws SQLException {
        this.copy = connection
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn("COPY " + table + " (zoid, tid, state_size, class_id, refs) FROM STDIN");
    }

    void add(ScannedObject object, int classId) throws SQLException {
        buffer.append(object.zoid())
                .append('\t')
                .append(object.tid())
                .append('\t')
                .append(object.stateSize())
                .append('\t')
                .append(classId)
                .append('\t');
        long[] refs = object.refs();
        if (refs.length == 0) {
            buffer.append("\\N");
        } else {
            buffer.append('{');
            for (int i = 0; i < refs.length; i++) {
                if (i > 0) {
                    buffer.append(',');
                }
                buffer.append(refs[i]);
            }
            buffer.append('}');
        }
        buffer.append('\n');
        rows++;
        if (buffer.length() >= FLUSH_AT) {
            flush();
        }
    }

    /** Ends the COPY and returns the number of rows the server took. */
    long finish() throws SQLException {
        flush();
        long copied = copy.endCopy();
        if (copied != rows) {
            throw new SQLException("COPY took " + copied + " rows, " + rows + " were sent");
        }
        return copied;
    }

    private void flush() throws SQLException {
        if (!buffer.isEmpty()) {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.US_ASCII);
            copy.writeToCopy(bytes, 0, bytes.length);
            buffer.setLength(0);
        }
    }

    @Override
    public void close() throws SQLException {
        if (copy.isActive()) {
            copy.cancelCopy();
        }
    }
}
