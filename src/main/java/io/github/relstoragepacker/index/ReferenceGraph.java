package io.github.relstoragepacker.index;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * The index's strong references as a graph in memory, read in two sequential passes of {@code
 * packer.object} within the caller's transaction (so both see one snapshot): its zoids, sorted, then
 * every object's references, each resolved once to the position of its target. References to zoids
 * the index does not have are dropped: they reach nothing.
 *
 * <p>Memory, as compressed sparse rows: the zoids as {@link ZoidPositions} (a fifth of a byte per
 * object when they are dense, as RelStorage's oid sequence makes them; 8 bytes when sparse), 4 bytes per
 * object (where its references start) and 4 per reference; the mark adds a bit per object and a stack.
 * Both passes are {@code COPY ... TO STDOUT (FORMAT binary)}: no cursor round trips, no boxing.
 */
public final class ReferenceGraph {

    private static final int STOP_EVERY = 1 << 16;

    private final ZoidPositions zoids;
    private final int[] starts;
    private final int[] targets;

    private ReferenceGraph(ZoidPositions zoids, int[] starts, int[] targets) {
        this.zoids = zoids;
        this.starts = starts;
        this.targets = targets;
    }

    /** Reads the graph; null when {@code stop} said so on the way. */
    public static @Nullable ReferenceGraph read(Connection c, BooleanSupplier stop) throws SQLException, IOException {
        ZoidPositions zoids = readZoids(c, stop);
        if (zoids == null) {
            return null;
        }
        int n = zoids.size();
        int[] starts = new int[n + 1];
        int[] targets = new int[Math.max(16, n + n / 2)];
        int m = 0;
        int row = 0;
        try (DataInputStream in =
                copyOut(c, "COPY (SELECT zoid, refs FROM packer.object ORDER BY zoid) TO STDOUT (FORMAT binary)")) {
            while (fields(in) == 2) {
                if ((row & (STOP_EVERY - 1)) == 0 && stop.getAsBoolean()) {
                    return null;
                }
                // the snapshot is one: the second pass sees the rows of the first, in the same order
                if (row >= n || zoids.position(int8(in)) != row) {
                    throw new IllegalStateException("packer.object changed between two reads of one snapshot");
                }
                starts[row] = m;
                int length = in.readInt();
                if (length >= 0) {
                    int dimensions = in.readInt();
                    in.readInt(); // has nulls: refs never holds one
                    in.readInt(); // element type: int8
                    int count = dimensions == 0 ? 0 : in.readInt();
                    if (dimensions > 0) {
                        in.readInt(); // lower bound
                    }
                    if (m + count > targets.length) {
                        targets = Arrays.copyOf(targets, Math.max(m + count, targets.length + targets.length / 2));
                    }
                    for (int i = 0; i < count; i++) {
                        int target = zoids.position(int8(in));
                        if (target >= 0) {
                            targets[m++] = target;
                        }
                    }
                }
                row++;
            }
        }
        if (row != n) {
            throw new IllegalStateException("packer.object changed between two reads of one snapshot");
        }
        starts[n] = m;
        return new ReferenceGraph(zoids, starts, m == targets.length ? targets : Arrays.copyOf(targets, m));
    }

    /** The first pass: every zoid, in order; null when {@code stop} said so on the way. */
    private static @Nullable ZoidPositions readZoids(Connection c, BooleanSupplier stop)
            throws SQLException, IOException {
        long[] zoids = new long[1 << 16];
        int n = 0;
        try (DataInputStream in =
                copyOut(c, "COPY (SELECT zoid FROM packer.object ORDER BY zoid) TO STDOUT (FORMAT binary)")) {
            while (fields(in) == 1) {
                if ((n & (STOP_EVERY - 1)) == 0 && stop.getAsBoolean()) {
                    return null;
                }
                if (n == zoids.length) {
                    zoids = Arrays.copyOf(zoids, n * 2);
                }
                zoids[n++] = int8(in);
            }
        }
        return ZoidPositions.of(zoids, n);
    }

    /** Objects in the graph. */
    public int size() {
        return zoids.size();
    }

    /** The zoid at {@code position} (positions follow zoid order). */
    public long zoid(int position) {
        return zoids.zoid(position);
    }

    /** The position of {@code zoid}, negative when the graph does not have it. */
    public int position(long zoid) {
        return zoids.position(zoid);
    }

    /** The positions reachable from {@code root} (itself included), depth first with a stack of positions. */
    public BitSet reachableFrom(int root) {
        BitSet marked = new BitSet(zoids.size());
        int[] stack = new int[1024];
        int top = 0;
        marked.set(root);
        stack[top++] = root;
        while (top > 0) {
            int from = stack[--top];
            for (int e = starts[from], end = starts[from + 1]; e < end; e++) {
                int target = targets[e];
                if (!marked.get(target)) {
                    marked.set(target);
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, top * 2);
                    }
                    stack[top++] = target;
                }
            }
        }
        return marked;
    }

    /** Bytes held by the graph's arrays. */
    public long bytes() {
        return zoids.bytes() + 4L * starts.length + 4L * targets.length;
    }

    private static DataInputStream copyOut(Connection c, String sql) throws SQLException {
        InputStream in = new PGCopyInputStream(c.unwrap(PGConnection.class), sql);
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        try {
            byte[] signature = data.readNBytes(BinaryCopy.SIGNATURE.length);
            if (!Arrays.equals(signature, BinaryCopy.SIGNATURE)) {
                throw new IOException("not a binary COPY stream");
            }
            data.readInt();
            data.skipNBytes(data.readInt());
        } catch (IOException e) {
            throw new SQLException("reading packer.object: " + e.getMessage(), e);
        }
        return data;
    }

    /** A row's field count, -1 at the end. */
    private static short fields(DataInputStream in) throws IOException {
        return in.readShort();
    }

    private static long int8(DataInputStream in) throws IOException {
        if (in.readInt() != 8) {
            throw new IOException("binary COPY bigint without 8 bytes");
        }
        return in.readLong();
    }
}
