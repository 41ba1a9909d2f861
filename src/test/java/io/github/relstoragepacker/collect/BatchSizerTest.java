package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The batch sizer alone: sizes follow the hold seen, shrink behind Plone's commits, never leave their bounds. */
class BatchSizerTest {

    private static final Duration LIMIT = Duration.ofMillis(200);
    private static final long MS = 1_000_000;

    @Test
    void aimsAtHalfTheLimitWhilePloneIsQuietAtMostDoubling() {
        BatchSizer sizer = new BatchSizer(LIMIT);
        assertThat(sizer.targetNanos()).isEqualTo(100 * MS);

        sizer.held(10 * MS, 0, false);
        assertThat(sizer.size())
                .as("ten times faster than the target, but at most twice the size")
                .isEqualTo(4_000);

        sizer.held(150 * MS, 0, false);
        assertThat(sizer.size())
                .as("one and a half times the target: two thirds of the size")
                .isEqualTo(2_666);
    }

    @Test
    void halvesTheTargetWhilePloneCommitsDownToASixteenth() {
        BatchSizer sizer = new BatchSizer(LIMIT);
        sizer.held(sizer.targetNanos(), 0, true);
        assertThat(sizer.targetNanos())
                .as("Plone committed since the batch before")
                .isEqualTo(LIMIT.toNanos() / 4);
        sizer.held(sizer.targetNanos(), 1, false);
        assertThat(sizer.targetNanos()).as("a commit queued behind the batch").isEqualTo(LIMIT.toNanos() / 8);
        for (int i = 0; i < 10; i++) {
            sizer.held(sizer.targetNanos(), 0, true);
        }
        assertThat(sizer.targetNanos())
                .as("Plone still commits: the target stays at its floor")
                .isEqualTo(LIMIT.toNanos() / 16);
        sizer.held(sizer.targetNanos(), 0, false);
        assertThat(sizer.targetNanos()).isEqualTo(LIMIT.toNanos() / 16 * 5 / 4);
    }

    @Test
    void anUnknownQueueCountsAsSomeoneWaiting() {
        BatchSizer sizer = new BatchSizer(LIMIT);
        sizer.held(50 * MS, -1, false);
        assertThat(sizer.targetNanos()).isEqualTo(50 * MS);
    }

    @Test
    void anOverrunHalvesTheSizeDownToTheSmallest() {
        BatchSizer sizer = new BatchSizer(LIMIT);
        for (int i = 0; i < 10; i++) {
            sizer.overran();
        }
        assertThat(sizer.size()).isEqualTo(BatchSizer.MIN_BATCH);
        assertThat(sizer.smallest()).isTrue();
    }

    @Property
    void neverLeavesItsBounds(@ForAll("batches") List<long[]> batches) {
        BatchSizer sizer = new BatchSizer(LIMIT);
        for (long[] batch : batches) {
            if (batch[0] < 0) {
                sizer.overran();
            } else {
                sizer.held(batch[0], (int) batch[1], batch[2] == 1);
            }
            assertThat(sizer.size()).isBetween(BatchSizer.MIN_BATCH, BatchSizer.MAX_BATCH);
            assertThat(sizer.targetNanos()).isBetween(LIMIT.toNanos() / 16, LIMIT.toNanos() / 2);
        }
    }

    @Provide
    Arbitrary<List<long[]>> batches() {
        Arbitrary<long[]> batch = Combinators.combine(
                        Arbitraries.longs().between(-1, 10 * LIMIT.toNanos()),
                        Arbitraries.longs().between(-1, 3),
                        Arbitraries.longs().between(0, 1))
                .as((hold, queued, wrote) -> new long[] {hold, queued, wrote});
        return batch.list().ofMaxSize(200);
    }
}
