package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * The edges of one build range, {@code (to_zoid, from_zoid)}, kept while the range's objects stream
 * into {@code packer.object} (a connection runs one COPY at a time), then copied into {@code
 * packer.ref} in the same transaction: PostgreSQL reads two binary numbers per edge instead of deriving
 * the edges from the loaded arrays. Memory is 16 bytes per edge of the range.
 */
final class RangeEdges {

    private long[] pairs = new long[1 << 16];
    private int size;

    /** Adds the edges of object {@code from}: its distinct references. */
    void add(long from, long[] refs) {
        if (size + 2 * refs.length > pairs.length) {
            pairs = Arrays.copyOf(pairs, Math.max(pairs.length * 2, size + 2 * refs.length));
        }
        for (long to : refs) {
            pairs[size++] = to;
            pairs[size++] = from;
        }
    }

    /** Copies the edges into {@code packer.ref} on {@code c}, in its transaction; returns how many. */
    long copyInto(Connection c) throws SQLException {
        try (BinaryCopy copy = new BinaryCopy(c, "packer.ref", "to_zoid, from_zoid")) {
            for (int i = 0; i < size; i += 2) {
                copy.row(2).int8(pairs[i]).int8(pairs[i + 1]);
            }
            return copy.finish();
        }
    }
}
