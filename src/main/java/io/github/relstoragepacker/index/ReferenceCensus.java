package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * Which zoids of a build's range exist and which are referenced, counted while the build scans every
 * object, so that the unreferenced set needs no anti-join over {@code packer.ref} at the end: it is
 * every object no loaded reference points at, as the SQL would find from the same rows. Only valid
 * when one process loaded every range (a resumed build derives the set in SQL); two bitmaps over the
 * zoid span, shared by the build's threads.
 */
final class ReferenceCensus {

    /** The widest zoid span counted in memory: two bitmaps of 32 MiB. */
    static final long MAX_SPAN = 1L << 28;

    private final long min;
    private final long span;
    private final AtomicLongArray objects;
    private final AtomicLongArray referenced;

    private ReferenceCensus(long min, long span) {
        this.min = min;
        this.span = span;
        int words = (int) ((span + 63) >>> 6);
        this.objects = new AtomicLongArray(words);
        this.referenced = new AtomicLongArray(words);
    }

    /** A census of zoids from {@code lo} (inclusive) to {@code hi} (exclusive); null when that is too wide. */
    static @Nullable ReferenceCensus over(long lo, long hi) {
        long span = hi - lo;
        return span <= 0 || span > MAX_SPAN ? null : new ReferenceCensus(lo, span);
    }

    /** Counts one loaded object and its references; any thread. */
    void add(long zoid, long[] refs) {
        set(objects, zoid);
        for (long ref : refs) {
            set(referenced, ref);
        }
    }

    private void set(AtomicLongArray bits, long zoid) {
        long offset = zoid - min;
        if (offset >= 0 && offset < span) {
            long bit = 1L << offset;
            int word = (int) (offset >>> 6);
            if ((bits.get(word) & bit) == 0) {
                bits.getAndAccumulate(word, bit, (a, b) -> a | b);
            }
        }
    }

    /**
     * Streams every loaded object but the root that nothing references into {@code COPY table (zoid)},
     * once the build's threads are done; returns how many.
     */
    long copyUnreferenced(Connection c, String table) throws SQLException {
        try (BinaryCopy copy = new BinaryCopy(c, table, "zoid")) {
            for (int word = 0; word < objects.length(); word++) {
                long bits = objects.get(word) & ~referenced.get(word);
                while (bits != 0) {
                    long zoid = min + ((long) word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (zoid != 0) {
                        copy.row(1).int8(zoid);
                    }
                }
            }
            return copy.finish();
        }
    }
}
