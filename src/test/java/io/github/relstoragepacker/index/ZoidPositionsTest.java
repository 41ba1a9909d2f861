package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Positions agree with a binary search over the sorted zoids, for every member and for zoids around
 * them, whether the zoids are dense (a bitmap) or sparse (the sorted array), at word boundaries and
 * with empty words in between.
 */
class ZoidPositionsTest {

    @Provide
    Arbitrary<long[]> zoidSets() {
        Arbitrary<Long> start = Arbitraries.longs().between(0, 1L << 40);
        // dense: mostly consecutive, with runs of empty 64-bit words between; sparse: anything
        Arbitrary<Long> dense = Arbitraries.frequencyOf(
                Tuple.of(95, Arbitraries.longs().between(1, 3)),
                Tuple.of(5, Arbitraries.longs().between(65, 140)));
        Arbitrary<Long> sparse = Arbitraries.longs().between(1, 1L << 20);
        Arbitrary<Arbitrary<Long>> gaps = Arbitraries.of(dense, sparse);
        return start.flatMap(first -> gaps.flatMap(gap -> gap.list().ofMaxSize(400))
                .map(steps -> {
                    long[] zoids = new long[steps.size() + 1];
                    zoids[0] = first;
                    for (int i = 0; i < steps.size(); i++) {
                        zoids[i + 1] = zoids[i] + steps.get(i);
                    }
                    return zoids;
                }));
    }

    @Property(tries = 300)
    void positionsAreTheRanksOfTheSortedZoids(@ForAll("zoidSets") long[] zoids) {
        ZoidPositions positions = ZoidPositions.of(Arrays.copyOf(zoids, zoids.length + 5), zoids.length);

        assertThat(positions.size()).isEqualTo(zoids.length);
        Set<Long> members = new TreeSet<>();
        for (int i = 0; i < zoids.length; i++) {
            members.add(zoids[i]);
            assertThat(positions.position(zoids[i])).isEqualTo(i);
            assertThat(positions.zoid(i)).isEqualTo(zoids[i]);
        }
        for (long zoid : zoids) {
            for (long near : new long[] {zoid - 64, zoid - 1, zoid + 1, zoid + 63, zoid + 64}) {
                if (!members.contains(near)) {
                    assertThat(positions.position(near))
                            .as("%d is not a member", near)
                            .isNegative();
                }
            }
        }
    }

    @Example
    void denseZoidsTakeAFifthOfAByteEach() {
        long[] zoids = new long[100_000];
        Arrays.setAll(zoids, i -> 1_000 + i);

        assertThat(ZoidPositions.of(zoids, zoids.length).bytes()).isLessThan(zoids.length / 4);
    }

    @Example
    void sparseZoidsKeepTheirEightBytes() {
        long[] zoids = new long[1_000];
        Arrays.setAll(zoids, i -> (long) i << 40);

        assertThat(ZoidPositions.of(zoids, zoids.length).bytes()).isEqualTo(8L * zoids.length);
    }

    @Example
    void noZoids() {
        ZoidPositions positions = ZoidPositions.of(new long[0], 0);

        assertThat(positions.size()).isZero();
        assertThat(positions.position(0)).isNegative();
    }
}
