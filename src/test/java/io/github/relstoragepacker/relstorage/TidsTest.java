package io.github.relstoragepacker.relstorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.YearMonth;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Tid and time, against the value verified with {@code persistent.TimeStamp} (docs/relstorage.md §3). */
class TidsTest {

    private static final long VERIFIED_TID = 0x03f5dfaec2222222L;
    private static final Instant VERIFIED_TIME = Instant.parse("2024-01-15T12:30:45.5Z");

    @Test
    void readsTheVerifiedTimestamp() {
        Instant t = Tids.toInstant(VERIFIED_TID);

        assertThat(t).isBetween(VERIFIED_TIME.minusNanos(14), VERIFIED_TIME.plusNanos(14));
    }

    @Test
    void writesTheVerifiedTimestamp() {
        assertThat(Tids.toTid(VERIFIED_TIME)).isEqualTo(VERIFIED_TID);
    }

    @Test
    void tidZeroIsTheEpochOfZodb() {
        assertThat(Tids.toInstant(0)).isEqualTo(Instant.parse("1900-01-01T00:00:00Z"));
    }

    @Test
    void rejectsInstantsBefore1900() {
        assertThatThrownBy(() -> Tids.toTid(Instant.parse("1899-12-31T23:59:59Z")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1899");
    }

    /** Every tid of a real date (years 1900 to 9000) survives the round trip exactly. */
    @Property(tries = 2000)
    void roundTripsEveryRealTid(
            @ForAll @LongRange(min = 0, max = 8000L * 535_680) long minutes,
            @ForAll @LongRange(max = 0xffffffffL) long units) {
        long tid = minutes << 32 | units;
        YearMonth month = YearMonth.of((int) (minutes / 535_680) + 1900, (int) (minutes / 44_640 % 12) + 1);
        if (minutes / 1440 % 31 < month.lengthOfMonth()) {
            assertThat(Tids.toTid(Tids.toInstant(tid))).isEqualTo(tid);
        }
    }

    @Property(tries = 1000)
    void isMonotonic(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE - 1) long tid) {
        assertThat(Tids.toInstant(tid + 1)).isAfterOrEqualTo(Tids.toInstant(tid));
    }
}
