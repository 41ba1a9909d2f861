package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.collect.BlobHousekeeping;
import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.collect.CollectionResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code pack --days=N [--dry-run] [--spring.datasource.url=... --packer.collector.blob-directory=...]}:
 * one pack for cron and scripts, with the service's own configuration. It starts the service without
 * HTTP and without continuous collection, builds or catches up the index, collects everything
 * unreachable for longer than {@code days} (cycles and blobs included), removes blob revisions of live
 * objects superseded for longer than {@code days} and reports blob directories without an object
 * ({@link BlobHousekeeping}), prints a summary and exits:
 * 0 done, 1 failed, 2 usage error, 3 a lock is busy (zodbpack, or another packer instance).
 */
public final class PackCommand {

    static final String NAME = "pack";
    static final int LOCK_BUSY = 3;
    private static final String USAGE = "usage: java -jar relstorage-packer.jar pack --days=N [--dry-run]"
            + " [--spring.datasource.url=... --spring.datasource.username=... --spring.datasource.password=...]";

    private PackCommand() {}

    /** Runs the pack and returns the exit code. */
    public static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        Double days = null;
        boolean dryRun = false;
        List<String> springArgs = new ArrayList<>();
        for (String arg : List.of(args).subList(1, args.length)) {
            if (arg.startsWith("--days=")) {
                try {
                    days = Double.parseDouble(arg.substring("--days=".length()));
                } catch (NumberFormatException e) {
                    days = Double.NaN;
                }
            } else if (arg.equals("--dry-run")) {
                dryRun = true;
            } else if (arg.startsWith("--")) {
                springArgs.add(arg);
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
        SpringApplication spring = new SpringApplication(application);
        spring.setWebApplicationType(WebApplicationType.NONE);
        spring.setDefaultProperties(Map.of("spring.main.banner-mode", "off"));
        // an argument, not a default: the packaged application.yml enables continuous collection
        springArgs.add(0, "--packer.collector.enabled=false");
        try (ConfigurableApplicationContext context = spring.run(springArgs.toArray(String[]::new))) {
            CollectionLoop loop = context.getBean(CollectionLoop.class);
            Duration grace = Duration.ofMillis(Math.round(days * 86_400_000));
            CollectionResult result = loop.pack(grace, dryRun);
            int code = report(result, out, err);
            if (code == CommandLine.OK) {
                BlobHousekeeping blobs = loop.housekeepBlobs(grace, dryRun);
                if (blobs != null) {
                    out.println("pack: blob directory: " + blobs.summary());
                }
            }
            return code;
        } catch (Exception e) {
            err.println("pack failed: " + e.getMessage());
            return CommandLine.FAILED;
        }
    }

    private static int report(CollectionResult result, PrintStream out, PrintStream err) {
        switch (result.outcome()) {
            case COMPLETED -> {
                out.printf(
                        "pack: deleted %,d objects (%,d bytes of state, %,d blob large objects, %,d blob files)%n",
                        result.objects(), result.bytes(), result.largeObjects(), result.blobFiles());
                return CommandLine.OK;
            }
            case DRY_RUN -> {
                out.printf(
                        "pack (dry run): %,d objects (%,d bytes of state) would be deleted%n",
                        result.objects(), result.bytes());
                result.classes().forEach((name, count) -> out.printf("  %,10d  %s%n", count, name));
                return CommandLine.OK;
            }
            case PACK_LOCK_BUSY, INSTANCE_BUSY -> {
                err.println("pack: " + result.message());
                return LOCK_BUSY;
            }
            default -> {
                err.println("pack: " + result.outcome() + ": " + result.message());
                return CommandLine.FAILED;
            }
        }
    }
}
