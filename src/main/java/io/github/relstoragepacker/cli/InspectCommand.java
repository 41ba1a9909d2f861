package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexStatistics;
import io.github.relstoragepacker.index.ObjectInspector;
import io.github.relstoragepacker.index.VerificationReport;
import io.github.relstoragepacker.ops.DaemonStatus;
import io.github.relstoragepacker.ops.StatusService;
import io.github.relstoragepacker.relstorage.Oids;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The read-only commands, for cron and for a developer chasing a POSKeyError: {@code status}, {@code
 * verify [--fraction=F]}, {@code check-refs [--limit=N]}, {@code path OID}. Each first brings the
 * index up to date when no daemon does (it takes the leader lock if free; otherwise it reads the
 * daemon's index), then answers. Exit codes: 0 fine, 1 a problem found (differences, dangling
 * references, no path) or a failure, 2 usage error.
 */
public final class InspectCommand {

    private static final Map<String, String> OPTIONS =
            Map.of("status", "", "verify", " [--fraction=F]", "check-refs", " [--limit=N]", "path", " OID");

    private InspectCommand() {}

    /** The usage line of the command {@code name}, one of status, verify, check-refs and path. */
    static String usage(String name) {
        return "usage: java -jar relstorage-packer.jar " + name + OPTIONS.get(name)
                + " [--spring.datasource.url=... --spring.datasource.username=... --spring.datasource.password=...]";
    }

    /** Runs the command and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> springArgs = new ArrayList<>();
        List<String> own = ServiceContext.split(
                List.of(args).subList(1, args.length), springArgs, List.of("--fraction", "--limit"));
        Options options;
        try {
            options = Options.parse(args[0], own);
        } catch (IllegalArgumentException e) {
            err.println(args[0] + ": " + e.getMessage());
            err.println(usage(args[0]));
            return CommandLine.USAGE;
        }
        try (ConfigurableApplicationContext context = ServiceContext.start(springArgs)) {
            try {
                return inspect(context, args[0], options, out, err);
            } catch (Exception e) {
                err.println(args[0] + " failed: " + ServiceContext.reason(context, e));
                return CommandLine.FAILED;
            }
        } catch (Exception e) {
            err.println(args[0] + " failed: " + e.getMessage());
            return CommandLine.FAILED;
        }
    }

    private record Options(double fraction, int limit, long zoid) {

        static Options parse(String command, List<String> own) {
            double fraction = 1;
            int limit = 100;
            long zoid = 0;
            List<String> positional = new ArrayList<>();
            for (String arg : own) {
                if (command.equals("verify") && arg.startsWith("--fraction=")) {
                    fraction = number(arg, "--fraction=");
                    if (!(fraction > 0 && fraction <= 1)) {
                        throw new IllegalArgumentException("--fraction must be above 0 and at most 1");
                    }
                } else if (command.equals("check-refs") && arg.startsWith("--limit=")) {
                    limit = (int) number(arg, "--limit=");
                    if (limit < 1) {
                        throw new IllegalArgumentException("--limit must be at least 1");
                    }
                } else if (arg.startsWith("-")) {
                    throw new IllegalArgumentException("unknown option " + arg);
                } else {
                    positional.add(arg);
                }
            }
            if (command.equals("path")) {
                if (positional.size() != 1) {
                    throw new IllegalArgumentException("give one oid, in decimal (4711) or hexadecimal (0x1267)");
                }
                zoid = Oids.parse(positional.get(0));
            } else if (!positional.isEmpty()) {
                throw new IllegalArgumentException("unexpected argument " + positional.get(0));
            }
            return new Options(fraction, limit, zoid);
        }

        private static double number(String arg, String prefix) {
            try {
                return Double.parseDouble(arg.substring(prefix.length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(arg + " is not a number");
            }
        }
    }

    private static int inspect(
            ConfigurableApplicationContext context, String command, Options options, PrintStream out, PrintStream err)
            throws Exception {
        CollectionLoop loop = context.getBean(CollectionLoop.class);
        IndexMaintainer index = context.getBean(IndexMaintainer.class);
        if (!loop.refreshIndex() && index.phase() != IndexMaintainer.Phase.STANDBY) {
            // while the database cannot be probed, the index only waits; the probe knows why
            String why = index.lastFailure() != null
                    ? index.lastFailure()
                    : context.getBean(TargetDatabase.class).failure();
            err.println(command + ": the index is not available ("
                    + index.phase().label()
                    + (why == null ? "" : ": " + why) + ")");
            return CommandLine.FAILED;
        }
        return switch (command) {
            case "status" -> status(context, out);
            case "verify" -> verify(index, options.fraction, out);
            case "check-refs" -> checkRefs(context.getBean(ObjectInspector.class), options.limit, out);
            default -> path(context.getBean(ObjectInspector.class), options.zoid, out);
        };
    }

    private static int status(ConfigurableApplicationContext context, PrintStream out) throws Exception {
        context.getBean(IndexStatistics.class).recount();
        DaemonStatus s = context.getBean(StatusService.class).status();
        out.println("phase:        " + s.phase() + (s.reason() == null ? "" : " (" + s.reason() + ")"));
        out.println("database:     " + s.database().summary());
        DaemonStatus.Index i = s.index();
        if (i != null) {
            out.printf(
                    "index:        %s, watermark %s (%s)%n",
                    i.state(), i.watermark(), i.watermarkTime() == null ? "none yet" : i.watermarkTime());
            out.printf("objects:      %,d (%,d bytes of state)%n", i.objects(), i.bytes());
            out.printf(
                    "garbage:      %,d unreferenced (%,d bytes), %,d unreachable at the last mark (%,d bytes)%n",
                    i.unreferenced(), i.unreferencedBytes(), i.unreachable(), i.unreachableBytes());
            out.printf("quarantined:  %,d%n", i.quarantined());
        }
        if (s.lastPack() != null) {
            out.printf(
                    "last pack:    #%d %s at %s: %,d objects%s%n",
                    s.lastPack().id(),
                    s.lastPack().state(),
                    s.lastPack().finishedAt() == null
                            ? "(under way)"
                            : s.lastPack().finishedAt(),
                    s.lastPack().progress().deleted(),
                    s.lastPack().message().isEmpty() ? "" : " (" + s.lastPack().message() + ")");
        }
        s.database().problems().forEach(p -> out.println("problem:      " + p));
        s.database().warnings().forEach(w -> out.println("warning:      " + w));
        return CommandLine.OK;
    }

    private static int verify(IndexMaintainer index, double fraction, PrintStream out) throws Exception {
        VerificationReport report = index.verify(fraction);
        report.differences().forEach(out::println);
        out.printf(
                "verify: %,d objects checked, %,d difference(s)%n", report.objectsChecked(), report.differenceCount());
        return report.clean() ? CommandLine.OK : CommandLine.FAILED;
    }

    private static int checkRefs(ObjectInspector inspector, int limit, PrintStream out) throws Exception {
        ObjectInspector.DanglingReport report = inspector.dangling(limit);
        for (ObjectInspector.Dangling d : report.missing()) {
            out.printf(
                    "missing %s (zoid %d), referenced by %,d object(s): %s%n",
                    Oids.hex(d.zoid()),
                    d.zoid(),
                    d.referrerCount(),
                    d.referrers().stream().map(Oids::hex).toList());
        }
        out.printf("check-refs: %,d missing object(s) referenced%n", report.total());
        return report.total() == 0 ? CommandLine.OK : CommandLine.FAILED;
    }

    private static int path(ObjectInspector inspector, long zoid, PrintStream out) throws Exception {
        ObjectInspector.Path path = inspector.path(zoid, 10_000_000);
        if (path.searched() == 0) {
            out.println("path: " + Oids.hex(zoid) + " is not in the index");
            return CommandLine.FAILED;
        }
        if (!path.found()) {
            out.println("path: the root does not reach " + Oids.hex(zoid)
                    + (path.complete() ? " (it is garbage)" : " within " + path.searched() + " objects searched"));
            return CommandLine.FAILED;
        }
        for (ObjectInspector.PathStep step : path.steps()) {
            out.printf("%-20s %s%n", Oids.hex(step.zoid()), step.className());
        }
        return CommandLine.OK;
    }
}
