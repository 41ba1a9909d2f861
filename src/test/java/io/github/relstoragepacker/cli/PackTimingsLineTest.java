package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.bench.PackBenchmark;
import io.github.relstoragepacker.collect.CollectionProgress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code pack: time:} line the pack command prints is the one {@code benchmark-pack} reads back. */
class PackTimingsLineTest {

    @Test
    void benchmarkPackReadsWhatPackPrints() {
        String line = PackCommand.timings(new CollectionProgress.Timings(5.125, 0.75, 1.5, 0.25, 42.5), 1.875);

        Map<String, Double> read = PackBenchmark.readTimes(List.of("some log line", line));

        assertThat(read)
                .containsEntry("start", 1.88)
                .containsEntry("index", 5.13)
                .containsEntry("mark", 0.75)
                .containsEntry("deletion", 1.5)
                .containsEntry("blobs", 0.25)
                .containsEntry("hold-p99-ms", 42.5)
                .containsKeys("total", "peak-heap-mib");
    }
}
