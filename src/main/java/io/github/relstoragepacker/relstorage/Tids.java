package io.github.relstoragepacker.relstorage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Converts between ZODB transaction ids and UTC instants, following {@code persistent.TimeStamp}.
 *
 * <p>A tid is a 64-bit {@code TimeStamp}: the high 32 bits count minutes since 1900-01-01 in a
 * calendar of twelve 31-day months ({@code minute = a % 60, hour = a / 60 % 24, day = a / 1440 % 31
 * + 1, month = a / 44640 % 12 + 1, year = a / 535680 + 1900}), the low 32 bits the seconds of that
 * minute in units of {@code 60 / 2^32} s (about 14 ns). Both directions are exact to that unit:
 * {@code toTid(toInstant(tid)) == tid} for every tid whose calendar date exists.
 *
 * <p>Tids name days that no real calendar has (February 30th); {@link #toInstant} reads them
 * leniently as that many days after the first of the month, which keeps the function total and
 * monotonic over real dates.
 */
public final class Tids {

    private static final int MINUTES_PER_DAY = 1440;
    private static final int MINUTES_PER_MONTH = 31 * MINUTES_PER_DAY;
    private static final int MINUTES_PER_YEAR = 12 * MINUTES_PER_MONTH;
    /** 60 s / 2^32 = 29296875 / 2^21 ns: nanoseconds = units * 29296875 >> 21, exactly in a long. */
    private static final long NANOS_NUMERATOR = 29_296_875L;

    private static final int NANOS_SHIFT = 21;

    /** The form ZODB and RelStorage print a tid in, and the one the API and the status show: {@code 0x03f1...}, 16 digits. */
    public static String hex(long tid) {
        return "0x%016x".formatted(tid);
    }

    private Tids() {}

    /** The instant a tid stands for, in UTC, rounded to the nanosecond. */
    public static Instant toInstant(long tid) {
        long minutes = tid >>> 32;
        long units = tid & 0xffff_ffffL;
        int year = (int) (minutes / MINUTES_PER_YEAR) + 1900;
        int month = (int) (minutes / MINUTES_PER_MONTH % 12) + 1;
        int day = (int) (minutes / MINUTES_PER_DAY % 31) + 1;
        long minuteOfDay = minutes % MINUTES_PER_DAY;
        long nanos = (units * NANOS_NUMERATOR + (1L << (NANOS_SHIFT - 1))) >> NANOS_SHIFT;
        return LocalDate.of(year, month, 1)
                .atStartOfDay()
                .plusDays(day - 1L)
                .plusMinutes(minuteOfDay)
                .plusNanos(nanos)
                .toInstant(ZoneOffset.UTC);
    }

    /**
     * The tid of an instant, as {@code persistent.TimeStamp} builds it from a UTC date and time.
     *
     * @throws IllegalArgumentException if the instant lies before 1900 or beyond what a tid holds
     */
    public static long toTid(Instant instant) {
        LocalDateTime t = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        if (t.getYear() < 1900 || t.getYear() >= 1900 + (1L << 32) / MINUTES_PER_YEAR) {
            throw new IllegalArgumentException("instant " + instant + " is outside the range of ZODB tids");
        }
        long minutes = (t.getYear() - 1900L) * MINUTES_PER_YEAR
                + (t.getMonthValue() - 1L) * MINUTES_PER_MONTH
                + (t.getDayOfMonth() - 1L) * MINUTES_PER_DAY
                + t.getHour() * 60L
                + t.getMinute();
        long nanosOfMinute = t.getSecond() * 1_000_000_000L + t.getNano();
        long units = ((nanosOfMinute << NANOS_SHIFT) + NANOS_NUMERATOR / 2) / NANOS_NUMERATOR;
        return minutes << 32 | Math.min(units, 0xffff_ffffL);
    }
}
