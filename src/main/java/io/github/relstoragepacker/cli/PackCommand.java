package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.collect.BlobDirectoryGuard;
import io.github.relstoragepacker.collect.CollectionProgress;
import io.github.relstoragepacker.collect.PackBusyException;
import io.github.relstoragepacker.collect.PackJob;
import io.github.relstoragepacker.collect.PackJobs;
import io.github.relstoragepacker.collect.PackRequest;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code pack --days=N [--dry-run] [--no-cycles] [--spring.datasource.url=... ...]}: one pack for cron
 * and scripts, with the service's own configuration. It starts the service without HTTP and without
 * continuous collection, builds or catches up the index, collects everything unreachable for longer
 * than {@code days} (cycles and blobs included), removes blob revisions of live objects superseded
 * for longer than {@code days} and reports blob directories without an object, shows its progress,
 * prints a summary and exits: 0
 * done, 1 failed, 2 usage error, 3 a lock is busy (zodbpack, or another packer instance), 4 done but
 * blob removal is on hold (the blob directory did not prove to be this database's, so garbage owning
 * blob files was kept; the summary says why). The pack is recorded as a job like those started over
 * HTTP.
 */
public final class PackCommand {

    static final String NAME = "pack";
    static final int LOCK_BUSY = 3;
    static final int BLOB_HOLD = 4;
    static final String USAGE = "usage: java -jar relstorage-packer.jar pack --days=N [--dry-run] [--no-cycles]"
            + " [--unknown-history=build|object-tid]"
            + " [--spring.datasource.url=... --spring.datasource.username=... --spring.datasource.password=...]";

    private PackCommand() {}

    /** Runs the pack and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> springArgs = new ArrayList<>();
        List<String> own = ServiceContext.split(
                List.of(args).subList(1, args.length),
                springArgs,
                List.of("--days", "--dry-run", "--no-cycles", "--unknown-history"));
        Double days = null;
        boolean dryRun = false;
        boolean cycles = true;
        boolean objectTid = false;
        for (String arg : own) {
            if (arg.startsWith("--days=")) {
                try {
                    days = Double.parseDouble(arg.substring("--days=".length()));
                } catch (NumberFormatException e) {
                    days = Double.NaN;
                }
            } else if (arg.equals("--dry-run")) {
                dryRun = true;
            } else if (arg.equals("--no-cycles")) {
                cycles = false;
            } else if (arg.equals("--unknown-history=object-tid") || arg.equals("--unknown-history=build")) {
                objectTid = arg.endsWith("object-tid");
            } else {
                err.println(USAGE);
                return CommandLine.USAGE;
            }
        }
        if (days == null || !(days >= 0)) {
            err.println("pack: --days=N is required, N >= 0 (objects unreachable for longer than N days go)");
            err.println(USAGE);
            return CommandLine.USAGE;
        }
        PackRequest request = new PackRequest(PackRequest.graceOfDays(days), dryRun, cycles, objectTid);
        try (ConfigurableApplicationContext context = ServiceContext.start(springArgs)) {
            double startSeconds = ManagementFactory.getRuntimeMXBean().getUptime() / 1e3;
            try {
                return pack(context, request, startSeconds, out, err);
            } catch (PackBusyException e) {
                err.println("pack: " + e.getMessage());
                return LOCK_BUSY;
            } catch (Exception e) {
                err.println("pack failed: " + ServiceContext.reason(context, e));
                return CommandLine.FAILED;
            }
        } catch (Exception e) {
            err.println("pack failed: " + e.getMessage());
            return CommandLine.FAILED;
        }
    }

    private static int pack(
            ConfigurableApplicationContext context,
            PackRequest request,
            double startSeconds,
            PrintStream out,
            PrintStream err)
            throws Exception {
        RelStorageDatabase db = context.getBean(TargetDatabase.class).current();
        // refused before schema packer is created, so a wrong database is left as it was found
        if (db != null && !db.readProblems().isEmpty()) {
            err.println("pack refused: " + String.join(" ", db.readProblems()));
            return CommandLine.FAILED;
        }
        IndexSchema.migrate(context.getBean(DataSource.class));
        PackJobs jobs = context.getBean(PackJobs.class);
        IndexMaintainer index = context.getBean(IndexMaintainer.class);
        PackJob job = jobs.submit(request, "command line (" + System.getProperty("user.name") + ")");
        ProgressLine progress = new ProgressLine(out, System.console() != null, 10_000);
        // the progress is redrawn every 250 ms; the end is noticed within 25 ms (a cron job waits for it)
        for (int tick = 0; job.active(); tick++) {
            if (tick % 10 == 0) {
                progress.show(describe(job, index), fraction(job));
            }
            Thread.sleep(25);
            job = jobs.find(job.id()).orElseThrow();
        }
        progress.done();
        int exit = report(job, index, out, err);
        out.println(timings(job.timings(), startSeconds));
        return exit == CommandLine.OK
                        && context.getBean(BlobDirectoryGuard.class).onHold()
                ? BLOB_HOLD
                : exit;
    }

    private static String describe(PackJob job, IndexMaintainer index) {
        PackJob.Progress p = job.progress();
        if (p.step().equals("starting")) {
            return "pack " + job.id() + ": index " + index.phase().label();
        }
        if (p.step().equals("marking")) {
            return "pack " + job.id() + ": marking everything reachable from the root";
        }
        String eta = p.etaSeconds() == null ? "" : ", ETA " + p.etaSeconds() + " s";
        return "pack %d: %,d of %s candidates examined, %,d deleted, %,.0f objects/s%s"
                .formatted(
                        job.id(),
                        p.examined(),
                        p.candidates() < 0 ? "?" : "%,d".formatted(p.candidates()),
                        p.deleted(),
                        p.rate(),
                        eta);
    }

    private static double fraction(PackJob job) {
        PackJob.Progress p = job.progress();
        return p.candidates() > 0 ? (double) p.examined() / p.candidates() : -1;
    }

    private static int report(PackJob job, IndexMaintainer index, PrintStream out, PrintStream err) {
        PackJob.Progress p = job.progress();
        switch (job.state()) {
            case "completed" -> {
                out.printf(
                        "pack: deleted %,d objects (%,d bytes of state, %,d blob large objects, %,d blob files)%n",
                        p.deleted(), p.bytes(), p.largeObjects(), p.blobFiles());
                printClasses(job, out);
                if (!job.message().isEmpty()) {
                    out.println("pack: " + job.message());
                }
                return CommandLine.OK;
            }
            case "dry_run" -> {
                out.printf(
                        "pack (dry run): %,d objects (%,d bytes of state) would be deleted%n", p.deleted(), p.bytes());
                printClasses(job, out);
                if (!job.message().isEmpty()) {
                    out.println("pack (dry run): " + job.message());
                }
                return CommandLine.OK;
            }
            case "busy" -> {
                err.println("pack: " + job.message());
                return LOCK_BUSY;
            }
            default -> {
                err.println("pack: " + job.state() + ": " + job.message());
                return index.phase() == IndexMaintainer.Phase.STANDBY ? LOCK_BUSY : CommandLine.FAILED;
            }
        }
    }

    /**
     * The job's time, step by step, after the JVM's and Spring's start (the JVM's uptime when the
     * context was ready), with the total as the JVM's uptime now and the heap's high-water mark. One
     * line, the same for every run: {@code benchmark-pack} reads it.
     */
    static String timings(CollectionProgress.Timings t, double startSeconds) {
        long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed())
                .sum();
        return String.format(
                Locale.ROOT,
                "pack: time: start %.2f s, index %.2f s, mark %.2f s, deletion %.2f s, blobs %.2f s, total %.2f s;"
                        + " commit-lock hold p99 %.1f ms; peak heap %d MiB",
                startSeconds,
                t.indexSeconds(),
                t.markSeconds(),
                t.deletionSeconds(),
                t.housekeepingSeconds(),
                ManagementFactory.getRuntimeMXBean().getUptime() / 1e3,
                t.fenceHoldP99Millis(),
                peakHeap >> 20);
    }

    private static void printClasses(PackJob job, PrintStream out) {
        job.classes()
                .forEach((name, total) ->
                        out.printf("  %,10d objects %,15d bytes  %s%n", total.objects(), total.bytes(), name));
    }
}
