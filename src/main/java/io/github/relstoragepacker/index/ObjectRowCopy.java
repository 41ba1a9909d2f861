package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Streams rows into {@code COPY table (zoid, tid, state_size, class_id, refs) FROM STDIN} in binary
 * format ({@link BinaryCopy}), so that bulk loads cost one round trip per buffer, not per row; an object
 * without references gets NULL.
 */
final class ObjectRowCopy implements AutoCloseable {

    private final BinaryCopy copy;

    ObjectRowCopy(Connection connection, String table) throws SQLException {
        this.copy = new BinaryCopy(connection, table, "zoid, tid, state_size, class_id, refs");
    }

    void add(ScannedObject object, int classId) throws SQLException {
        copy.row(5)
                .int8(object.zoid())
                .int8(object.tid())
                .int4(object.stateSize())
                .int4(classId)
                .int8Array(object.refs());
    }

    /** Ends the COPY and returns the number of rows the server took. */
    long finish() throws SQLException {
        return copy.finish();
    }

    @Override
    public void close() throws SQLException {
        copy.close();
    }
}
