package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The counts behind status and metrics: a finished build is counted at once, not at the next interval. */
class IndexStatisticsTest {

    @Test
    void aFinishedBuildIsCountedAtTheNextTickAndThenOnlyEveryInterval() throws Exception {
        try (IndexHarness h = new IndexHarness("statistics")) {
            ObjectGraph graph = new ObjectGraph(h.writer);
            long kept = graph.newOid();
            long dropped = graph.newOid();
            graph.commit(Map.of(0L, List.of(kept), kept, List.of(), dropped, List.of()));
            IndexStatistics statistics = new IndexStatistics(
                    h.dataSource, IndexHarness.properties(1, 1000, Duration.ofHours(1)), new SimpleMeterRegistry());

            statistics.scheduledRecount();
            assertThat(statistics.latest()).as("no index yet: nothing to count").isNull();

            h.buildAndPoll();
            statistics.scheduledRecount();
            IndexStatistics.Counts counts = statistics.latest();
            assertThat(counts).isNotNull();
            assertThat(counts.phase()).isEqualTo("ready");
            assertThat(counts.objects()).isEqualTo(3);
            assertThat(counts.unreferenced()).isEqualTo(1);

            statistics.scheduledRecount();
            assertThat(statistics.latest())
                    .as("not due again before the interval")
                    .isSameAs(counts);
        }
    }
}
