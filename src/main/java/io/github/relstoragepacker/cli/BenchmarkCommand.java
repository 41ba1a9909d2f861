package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.bench.CollectBenchmark;
import io.github.relstoragepacker.bench.IndexBenchmark;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The benchmarks that run in the service started as for {@code pack}, on a scratch database:
 * {@code benchmark-index} ({@link IndexBenchmark}) and {@code benchmark-collect} ({@link
 * CollectBenchmark}). Their own options are whole numbers; everything else is a setting. Exit codes:
 * 0 done, 1 failed, 2 usage error.
 */
final class BenchmarkCommand {

    static final String INDEX = "benchmark-index";
    static final String COLLECT = "benchmark-collect";
    static final String INDEX_USAGE = "usage: java -jar relstorage-packer.jar " + INDEX
            + " --spring.datasource.url=JDBC_URL [--tps=100] [--objects-per-tx=10] [--load-seconds=30]"
            + " [--packer.index.poll-interval=200ms] [--packer.index.build-threads=0]";
    static final String COLLECT_USAGE = "usage: java -jar relstorage-packer.jar " + COLLECT
            + " --spring.datasource.url=JDBC_URL [--tps=50] [--objects-per-tx=10] [--writers=4] [--seconds=20]"
            + " [--busy-threads=0] [--packer.collector.blob-directory=PATH]";

    @FunctionalInterface
    private interface Benchmark {
        void run(Map<String, Long> options, ConfigurableApplicationContext context) throws Exception;
    }

    private BenchmarkCommand() {}

    /** Runs {@code benchmark-index} and returns the exit code. */
    static int index(String[] args, PrintStream out, PrintStream err) {
        return run(
                args,
                out,
                err,
                INDEX_USAGE,
                Map.of("--tps", 100L, "--objects-per-tx", 10L, "--load-seconds", 30L),
                (o, context) -> new IndexBenchmark(
                                out,
                                o.get("--tps").intValue(),
                                o.get("--objects-per-tx").intValue(),
                                o.get("--load-seconds"))
                        .run(context));
    }

    /** Runs {@code benchmark-collect} and returns the exit code. */
    static int collect(String[] args, PrintStream out, PrintStream err) {
        return run(
                args,
                out,
                err,
                COLLECT_USAGE,
                Map.of(
                        "--tps", 50L,
                        "--objects-per-tx", 10L,
                        "--writers", 4L,
                        "--seconds", 20L,
                        "--busy-threads", 0L),
                (o, context) -> new CollectBenchmark(
                                out,
                                o.get("--tps").intValue(),
                                o.get("--objects-per-tx").intValue(),
                                o.get("--writers").intValue(),
                                o.get("--seconds"),
                                o.get("--busy-threads").intValue())
                        .run(context));
    }

    private static int run(
            String[] args,
            PrintStream out,
            PrintStream err,
            String usage,
            Map<String, Long> defaults,
            Benchmark benchmark) {
        List<String> springArgs = new ArrayList<>();
        List<String> own = ServiceContext.split(
                List.of(args).subList(1, args.length),
                springArgs,
                defaults.keySet().stream().toList());
        Map<String, Long> options = new HashMap<>(defaults);
        try {
            for (String arg : own) {
                int eq = arg.indexOf('=');
                if (eq < 0 || !defaults.containsKey(arg.substring(0, eq))) {
                    throw new IllegalArgumentException(arg);
                }
                options.put(arg.substring(0, eq), Long.parseLong(arg.substring(eq + 1)));
            }
        } catch (IllegalArgumentException e) {
            err.println(usage);
            return CommandLine.USAGE;
        }
        try (ConfigurableApplicationContext context = ServiceContext.start(springArgs)) {
            benchmark.run(options, context);
            return CommandLine.OK;
        } catch (Exception e) {
            err.println(args[0] + " failed: " + e);
            return CommandLine.FAILED;
        }
    }
}
