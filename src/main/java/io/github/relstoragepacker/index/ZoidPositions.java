package io.github.relstoragepacker.index;

import java.util.Arrays;

/**
 * The sorted zoids of the index, each with its position (its rank: 0 for the smallest), in as little
 * memory as their spread allows. RelStorage hands out oids from one sequence, so the zoids of a
 * database are dense: where they fill at least {@value #DENSITY_DIVISOR}th of their range they are a
 * bitmap over the range with a running count per 64-bit word, about {@code 0.19 * range / n} bytes
 * per object (0.19 when dense, at most 1.5); otherwise the sorted zoids themselves, 8 bytes per object.
 */
final class ZoidPositions {

    /** A bitmap is used when the range holds at most this many zoids per object. */
    static final int DENSITY_DIVISOR = 8;

    private final int size;
    private final long min;
    private final long[] sorted;
    private final long[] words;
    private final int[] ranks;

    private ZoidPositions(int size, long min, long[] sorted, long[] words, int[] ranks) {
        this.size = size;
        this.min = min;
        this.sorted = sorted;
        this.words = words;
        this.ranks = ranks;
    }

    /** The positions of the first {@code n} zoids of {@code ascending}, which are distinct and sorted. */
    static ZoidPositions of(long[] ascending, int n) {
        if (n == 0) {
            return new ZoidPositions(0, 0, new long[0], new long[0], new int[0]);
        }
        long min = ascending[0];
        long span = ascending[n - 1] - min;
        if (span < 0 || span / DENSITY_DIVISOR >= n) {
            return new ZoidPositions(n, min, Arrays.copyOf(ascending, n), new long[0], new int[0]);
        }
        long[] words = new long[(int) (span >>> 6) + 1];
        for (int i = 0; i < n; i++) {
            long offset = ascending[i] - min;
            words[(int) (offset >>> 6)] |= 1L << offset;
        }
        int[] ranks = new int[words.length];
        for (int w = 1; w < words.length; w++) {
            ranks[w] = ranks[w - 1] + Long.bitCount(words[w - 1]);
        }
        return new ZoidPositions(n, min, new long[0], words, ranks);
    }

    int size() {
        return size;
    }

    /** The position of {@code zoid}, negative when it is not one of these. */
    int position(long zoid) {
        if (words.length == 0) {
            return Arrays.binarySearch(sorted, zoid);
        }
        long offset = zoid - min;
        if (offset < 0 || (offset >>> 6) >= words.length) {
            return -1;
        }
        int w = (int) (offset >>> 6);
        long bit = 1L << offset;
        return (words[w] & bit) == 0 ? -1 : ranks[w] + Long.bitCount(words[w] & (bit - 1));
    }

    /** The zoid at {@code position}. */
    long zoid(int position) {
        if (words.length == 0) {
            return sorted[position];
        }
        if (position < 0 || position >= size) {
            throw new IndexOutOfBoundsException(position);
        }
        int low = 0;
        int high = ranks.length - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (ranks[mid] <= position) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        long word = words[low];
        for (int skip = position - ranks[low]; skip > 0; skip--) {
            word &= word - 1;
        }
        return min + ((long) low << 6) + Long.numberOfTrailingZeros(word);
    }

    /** Bytes held. */
    long bytes() {
        return 8L * sorted.length + 8L * words.length + 4L * ranks.length;
    }
}
