package io.github.relstoragepacker.demo;

import io.github.relstoragepacker.relstorage.Tids;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * The tids of the generated history: 1 to {@value #MAX_RECORDS_PER_TRANSACTION} records per
 * transaction, in strictly increasing order, as RelStorage's commit lock hands them out (docs/relstorage.md §3).
 * A transaction starting at the n-th of N records gets a time about n/N into the span, so intervals
 * are as irregular as transaction sizes, and the last tid stays before the span's end.
 */
final class Transactions {

    private static final int MAX_RECORDS_PER_TRANSACTION = 12;
    private static final int REMEMBERED = 64;

    private final SplittableRandom random;
    private final Instant start;
    private final double nanosPerRecord;
    private final long[] recent = new long[REMEMBERED];
    private long records;
    private long tid;
    private long count;
    private int recordsLeft;

    /** @param expectedRecords how many records the history will hold, to spread it over the span */
    Transactions(Instant end, Duration span, long expectedRecords, SplittableRandom random) {
        this.random = random;
        this.start = end.minus(span);
        this.nanosPerRecord = (double) span.toNanos() / Math.max(1, expectedRecords);
    }

    /** The tid of the next record; every few records a new, later transaction begins. */
    long next() {
        if (recordsLeft == 0) {
            begin();
        }
        recordsLeft--;
        records++;
        return tid;
    }

    /** The tid of some transaction before the current one, or 0 if there was none. */
    long earlier() {
        long remembered = Math.min(count - 1, REMEMBERED - 1);
        if (remembered <= 0) {
            return 0;
        }
        return recent[(int) ((count - 2 - random.nextLong(remembered)) % REMEMBERED)];
    }

    private void begin() {
        double offset = (records + random.nextDouble()) * nanosPerRecord;
        tid = Math.max(Tids.toTid(start.plusNanos((long) offset)), tid + 1);
        recent[(int) (count % REMEMBERED)] = tid;
        count++;
        recordsLeft = 1 + random.nextInt(MAX_RECORDS_PER_TRANSACTION);
    }
}
