package io.github.relstoragepacker.cli;

import java.io.PrintStream;
import java.util.Set;

/**
 * The commands of the jar that run without the service: {@code java -jar relstorage-packer.jar
 * COMMAND ...}. Exit codes: 0 when everything was done, 1 when some input could not be processed,
 * 2 on a usage error.
 */
public final class CommandLine {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final Set<String> COMMANDS = Set.of(ScanRefsCommand.NAME);

    private CommandLine() {}

    /** Whether {@code args} name a command this class runs (anything else starts the service). */
    public static boolean handles(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /** Runs the command named by {@code args[0]} and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return switch (args[0]) {
            case ScanRefsCommand.NAME -> new ScanRefsCommand(out, err).run(args);
            default -> throw new IllegalArgumentException("not a command: " + args[0]);
        };
    }
}
