package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The build cuts the zoids into contiguous ranges that cover the span exactly, none wider than the
 * setting and none empty, as many as the threads or a multiple (so that no thread reads a last range
 * alone) unless that many would leave ranges empty.
 */
class BuildRangesTest {

    @Property(tries = 1000)
    void rangesCoverTheSpanAndAreAMultipleOfTheThreads(
            @ForAll @LongRange(min = 1, max = 1L << 40) long span,
            @ForAll @LongRange(min = 1, max = 1L << 30) long maxWidth,
            @ForAll @IntRange(min = 1, max = 64) int threads) {
        long ranges = InitialBuild.rangeCount(span, maxWidth, threads);

        assertThat(InitialBuild.offset(span, ranges, 0)).isZero();
        assertThat(InitialBuild.offset(span, ranges, ranges)).isEqualTo(span);
        for (long i = 0; i < Math.min(ranges, 2_000); i++) {
            long width = InitialBuild.offset(span, ranges, i + 1) - InitialBuild.offset(span, ranges, i);
            assertThat(width).isBetween(1L, maxWidth);
        }
        if (ranges < span) {
            assertThat(ranges % threads)
                    .as("%d ranges on %d threads", ranges, threads)
                    .isZero();
        }
    }

    @Example
    void pubmediumOnTwoThreadsIsFourRanges() {
        assertThat(InitialBuild.rangeCount(734_609, 250_000, 2)).isEqualTo(4);
    }
}
