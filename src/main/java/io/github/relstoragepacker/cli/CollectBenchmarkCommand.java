package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.collect.CollectBenchmark;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code benchmark-collect [--tps=50] [--objects-per-tx=10] [--writers=4] [--seconds=20] [--busy-threads=0]
 * --spring.datasource.url=...}: runs {@link CollectBenchmark} in the service started as for {@code
 * pack}. Exit codes: 0 done, 1 failed, 2 usage error.
 */
public final class CollectBenchmarkCommand {

    public static final String NAME = "benchmark-collect";
    static final String USAGE = "usage: java -jar relstorage-packer.jar benchmark-collect"
            + " --spring.datasource.url=JDBC_URL [--tps=50] [--objects-per-tx=10] [--writers=4] [--seconds=20]"
            + " [--busy-threads=0] [--packer.collector.blob-directory=PATH]";
    private static final List<String> OPTIONS =
            List.of("--tps", "--objects-per-tx", "--writers", "--seconds", "--busy-threads");

    private CollectBenchmarkCommand() {}

    /** Runs the benchmark and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> springArgs = new ArrayList<>();
        List<String> own = ServiceContext.split(List.of(args).subList(1, args.length), springArgs, OPTIONS);
        int tps = 50;
        int perTx = 10;
        int writers = 4;
        long seconds = 20;
        int busy = 0;
        try {
            for (String arg : own) {
                int eq = arg.indexOf('=');
                if (eq < 0 || !OPTIONS.contains(arg.substring(0, eq))) {
                    throw new IllegalArgumentException(arg);
                }
                long value = Long.parseLong(arg.substring(eq + 1));
                switch (arg.substring(0, eq)) {
                    case "--tps" -> tps = (int) value;
                    case "--objects-per-tx" -> perTx = (int) value;
                    case "--writers" -> writers = (int) value;
                    case "--busy-threads" -> busy = (int) value;
                    default -> seconds = value;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println(USAGE);
            return CommandLine.USAGE;
        }
        try (ConfigurableApplicationContext context = ServiceContext.start(springArgs)) {
            new CollectBenchmark(out, tps, perTx, writers, seconds, busy).run(context);
            return CommandLine.OK;
        } catch (Exception e) {
            err.println(NAME + " failed: " + e);
            return CommandLine.FAILED;
        }
    }
}
