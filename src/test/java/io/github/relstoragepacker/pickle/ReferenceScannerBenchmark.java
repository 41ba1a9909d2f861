package io.github.relstoragepacker.pickle;

import io.github.relstoragepacker.pickle.ZodbRecordFixtures.Fixture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread throughput of {@link ReferenceScanner} over the readable fixture records, the number
 * the packer's reference-scanning phase is sized by (target: 300 MB/s per core).
 *
 * <p>One operation scans every record of the mix once. Besides ops/s, JMH reports the counters
 * {@code bytes} (record bytes scanned per second; for {@code .z} records the compressed size, which
 * is what the database returns) and {@code records} (records per second).
 *
 * <ul>
 *   <li>{@code all}: every readable fixture record: ZODB 6 records, their Python 2 transcodings, zlib
 *       records and the handmade legacy forms (1,036 records, 1.24 MB, one of them 190 KB).
 *   <li>{@code py3-zodb}: only the records ZODB 6 wrote itself, as a Plone site on Python 3 holds
 *       them (327 records, 405 KB).
 * </ul>
 *
 * <p>Run with {@code ./mvnw -B -Pbench -DskipTests verify -Dbench=ReferenceScannerBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class ReferenceScannerBenchmark {

    @Param({"all", "py3-zodb"})
    public String mix;

    private final ReferenceScanner scanner = new ReferenceScanner();
    private byte[][] records;
    private long totalBytes;

    /** What the operations scanned, which JMH reports per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Volume {
        public long bytes;
        public long records;

        /** JMH leaves resetting to the counters' owner; without it warmup would inflate the rates. */
        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            records = 0;
        }
    }

    @Setup(Level.Trial)
    public void load() throws UnreadableRecordException {
        List<Fixture> chosen = ZodbRecordFixtures.readable().stream()
                .filter(f -> mix.equals("all") || f.source().equals(mix))
                .toList();
        records = chosen.stream().map(Fixture::bytes).toArray(byte[][]::new);
        for (byte[] record : records) {
            totalBytes += record.length;
            // A record the scanner rejects would measure the error path instead of a scan.
            scanner.scan(record);
        }
        System.out.printf("%n%s: %d records, %d bytes per operation%n", mix, records.length, totalBytes);
    }

    /** Returns the number of strong references found, so that no scan can be optimized away. */
    @Benchmark
    public long scanEveryRecord(Volume volume) throws UnreadableRecordException {
        long references = 0;
        for (byte[] record : records) {
            references += scanner.scan(record).strong().length;
        }
        volume.bytes += totalBytes;
        volume.records += records.length;
        return references;
    }
}
