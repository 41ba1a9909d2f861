package io.github.relstoragepacker.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@code benchmark-pack}: our {@code pack} beside RelStorage's {@code zodbpack}, each a fresh process
 * on its own copy of the same database, measured from outside (wall time from launch to exit, peak
 * resident memory), then a re-pack of our copy (the index exists and nothing is left to collect), then
 * the two copies compared: the same survivors, and no blob file removed that zodbpack kept except
 * stale revisions. It restores nothing: the operator restores the copies first (see README,
 * "Performance").
 */
public final class PackBenchmark {

    /**
     * What to measure.
     *
     * @param ours the copy our pack runs on
     * @param days the pack's {@code --days}
     * @param packCommand how to start our jar (java, its options, the jar), before {@code pack}
     * @param packArgs further arguments for our pack ({@code --name=value} settings)
     * @param zodbpack zodbpack's command line and its copy, or null to measure ours alone
     * @param zodbpackCopy the copy zodbpack's configuration names, or null
     */
    public record Options(
            PackedCopy ours,
            double days,
            List<String> packCommand,
            List<String> packArgs,
            @Nullable List<String> zodbpack,
            @Nullable PackedCopy zodbpackCopy) {}

    private final PrintStream out;

    public PackBenchmark(PrintStream out) {
        this.out = out;
    }

    /** A copy of a database for the benchmark: its JDBC URL and its shared blob directory, if any. */
    public static PackedCopy copy(String jdbcUrl, @Nullable Path blobDirectory) {
        return new PackedCopy(jdbcUrl, blobDirectory);
    }

    /**
     * What a pack's output says of its time (the steps' seconds, {@code hold-p99-ms}, {@code
     * peak-heap-mib}); empty when it printed nothing of it.
     */
    public static Map<String, Double> readTimes(List<String> lines) {
        PackTimes times = PackTimes.parse(lines);
        return times == null ? Map.of() : times.all();
    }

    /** Runs it and prints the table; returns false when a pack failed or the copies differ. */
    public boolean run(Options o) throws IOException, InterruptedException, SQLException {
        long objectsBefore = o.ours().objects();
        int blobsBefore = o.ours().blobFiles().size();
        out.printf(
                Locale.ROOT,
                "benchmark-pack: %s, %,d objects, %,d blob files, --days=%s%n",
                o.ours().jdbcUrl().replaceAll("password=[^&]*", "password=***"),
                objectsBefore,
                blobsBefore,
                o.days());

        MeasuredProcess first = pack(o);
        if (first.exitCode() != 0) {
            return failed("pack", first);
        }
        long deleted = objectsBefore - o.ours().objects();
        MeasuredProcess second = pack(o);
        if (second.exitCode() != 0) {
            return failed("re-pack", second);
        }
        MeasuredProcess zodbpack = null;
        long zodbDeleted = 0;
        if (o.zodbpack() != null && o.zodbpackCopy() != null) {
            long zodbBefore = o.zodbpackCopy().objects();
            zodbpack = MeasuredProcess.run(o.zodbpack(), line -> false);
            if (zodbpack.exitCode() != 0) {
                return failed("zodbpack", zodbpack);
            }
            zodbDeleted = zodbBefore - o.zodbpackCopy().objects();
        }
        table(first, second, deleted, zodbpack, zodbDeleted);
        return zodbpack == null || compare(o.ours(), o.zodbpackCopy());
    }

    private MeasuredProcess pack(Options o) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(o.packCommand());
        command.add("pack");
        command.add("--days=" + o.days());
        command.add("--spring.datasource.url=" + o.ours().jdbcUrl());
        if (o.ours().blobDirectory() != null) {
            command.add("--packer.collector.blob-directory=" + o.ours().blobDirectory());
        }
        command.addAll(o.packArgs());
        return MeasuredProcess.run(command, line -> line.startsWith(PackTimes.PREFIX));
    }

    private boolean failed(String what, MeasuredProcess run) {
        out.printf("benchmark-pack: %s exited with %d: %s%n", what, run.exitCode(), String.join(" ", run.command()));
        run.tail().forEach(line -> out.println("  | " + line));
        return false;
    }

    private void table(
            MeasuredProcess first,
            MeasuredProcess second,
            long deleted,
            @Nullable MeasuredProcess zodbpack,
            long zodbDeleted) {
        PackTimes t = PackTimes.parse(first.kept());
        PackTimes re = PackTimes.parse(second.kept());
        String theirs = zodbpack == null ? "" : seconds(zodbpack.wallSeconds());
        row("", "relstorage-packer", zodbpack == null ? "" : "zodbpack");
        row("wall time", seconds(first.wallSeconds()), theirs);
        if (t != null) {
            for (String step : List.of("start", "index", "mark", "deletion", "blobs")) {
                row("  " + step, seconds(t.of(step)), "");
            }
        }
        row("objects deleted", "%,d".formatted(deleted), zodbpack == null ? "" : "%,d".formatted(zodbDeleted));
        if (t != null && t.of("deletion") > 0) {
            row("deletion rate", "%,.0f objects/s".formatted(deleted / t.of("deletion")), "");
        }
        row("peak resident memory", mib(first.peakRssBytes()), zodbpack == null ? "" : mib(zodbpack.peakRssBytes()));
        if (t != null) {
            row("peak heap", t.peakHeapMiB() + " MiB", "");
            row("commit-lock hold p99", "%.1f ms".formatted(t.holdP99Millis()), "");
        }
        row(
                "re-pack wall time",
                seconds(second.wallSeconds())
                        + (re == null
                                ? ""
                                : " (start %.2f s, index %.2f s, mark %.2f s)"
                                        .formatted(re.of("start"), re.of("index"), re.of("mark"))),
                "");
        if (zodbpack != null) {
            row("zodbpack / ours", "%.2fx".formatted(zodbpack.wallSeconds() / first.wallSeconds()), "");
        }
    }

    private boolean compare(PackedCopy ours, PackedCopy theirs) throws SQLException, IOException {
        long[] counts = new long[2];
        List<List<Long>> difference = ours.difference(theirs, 10, counts);
        boolean same = counts[0] == 0 && counts[1] == 0;
        out.printf(
                Locale.ROOT,
                "survivors: %s%n",
                same
                        ? "%,d, exactly zodbpack's".formatted(ours.objects())
                        : "DIFFERENT: %,d only in ours (first %s), %,d only in zodbpack's (first %s)"
                                .formatted(counts[0], difference.get(0), counts[1], difference.get(1)));
        Set<String> ourFiles = ours.blobFiles();
        Set<String> theirFiles = theirs.blobFiles();
        Set<String> onlyOurs = new TreeSet<>(ourFiles);
        onlyOurs.removeAll(theirFiles);
        Set<String> onlyTheirs = new TreeSet<>(theirFiles);
        onlyTheirs.removeAll(ourFiles);
        out.printf(
                Locale.ROOT,
                "blob files: %,d left (zodbpack %,d); %,d kept only by zodbpack (stale revisions of live objects),"
                        + " %,d kept only by us%s%n",
                ourFiles.size(),
                theirFiles.size(),
                onlyTheirs.size(),
                onlyOurs.size(),
                onlyOurs.isEmpty() ? "" : ": " + onlyOurs.stream().limit(5).toList());
        return same && onlyOurs.isEmpty();
    }

    private void row(String name, String ours, String theirs) {
        out.printf(Locale.ROOT, "%-24s %-44s %s%n", name, ours, theirs).flush();
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    private static String mib(long bytes) {
        return bytes == 0 ? "?" : (bytes >> 20) + " MiB";
    }
}
