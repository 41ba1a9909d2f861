package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.demo.PloneSiteGenerator;
import io.github.relstoragepacker.index.IndexBenchmark;
import java.io.PrintStream;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the jar that run without the service: {@code java -jar relstorage-packer.jar
 * COMMAND ...}. Exit codes: 0 when everything was done, 1 when some input could not be processed,
 * 2 on a usage error.
 */
public final class CommandLine {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String BENCHMARK_INDEX = "benchmark-index";
    private static final String GENERATE = "generate";
    private static final Set<String> COMMANDS = Set.of(ScanRefsCommand.NAME, BENCHMARK_INDEX, GENERATE);

    private CommandLine() {}

    /** Whether {@code args} name a command this class runs (anything else starts the service). */
    public static boolean handles(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /** Runs the command named by {@code args[0]} and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // Without Spring Boot's logging setup, Logback would log every library at DEBUG.
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        return switch (args[0]) {
            case ScanRefsCommand.NAME -> new ScanRefsCommand(out, err).run(args);
            case BENCHMARK_INDEX -> IndexBenchmark.run(args, out, err);
            case GENERATE -> PloneSiteGenerator.run(args, out, err);
            default -> throw new IllegalArgumentException("not a command: " + args[0]);
        };
    }
}
