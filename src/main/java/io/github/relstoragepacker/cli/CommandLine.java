package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.demo.PloneSiteGenerator;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the jar: {@code java -jar relstorage-packer.jar COMMAND ...}. The list below is the
 * only place that names them: dispatch and help read it, so the usage text cannot miss a command that
 * runs, nor offer one that does not. Help never starts Spring nor opens a connection. Exit codes: 0
 * when everything was done, 1 when some input could not be processed, 2 on a usage error.
 */
public final class CommandLine {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final Set<String> HELP = Set.of("--help", "-h", "help");
    private static final Set<String> COMMAND_HELP = Set.of("--help", "-h");
    private static final String JAR = "java -jar relstorage-packer.jar";

    @FunctionalInterface
    private interface Runner {
        int run(Class<?> application, String[] args, PrintStream out, PrintStream err);
    }

    /**
     * One command of the jar.
     *
     * @param name the first argument that selects it
     * @param summary what it does, in one line
     * @param usage its usage line
     * @param service whether it starts the service (with Spring Boot's logging) rather than run alone
     * @param runner runs it and returns the exit code
     */
    private record Command(String name, String summary, String usage, boolean service, Runner runner) {}

    private static final List<Command> COMMANDS = List.of(
            new Command(
                    PackCommand.NAME,
                    "collect garbage once and exit (for cron), beside or instead of the daemon",
                    PackCommand.USAGE,
                    true,
                    (application, args, out, err) -> PackCommand.run(args, out, err)),
            inspect("status", "bring the index up to date and describe it and the garbage it finds"),
            inspect("verify", "compare a sample of the index with object_state and list the differences"),
            inspect("check-refs", "list references to objects that do not exist"),
            inspect("path", "print the chain of references from the root to an object"),
            new Command(
                    ScanRefsCommand.NAME,
                    "print the references in hex-encoded pickles (no database)",
                    ScanRefsCommand.USAGE,
                    false,
                    (application, args, out, err) -> new ScanRefsCommand(out, err).run(args)),
            new Command(
                    "generate",
                    "write a synthetic Plone site into a RelStorage database (for demos and tests)",
                    PloneSiteGenerator.usage(),
                    false,
                    (application, args, out, err) -> PloneSiteGenerator.run(args, out, err)),
            new Command(
                    BenchmarkCommand.INDEX,
                    "measure the index build and polling on a scratch database (rebuilds its index)",
                    BenchmarkCommand.INDEX_USAGE,
                    true,
                    (application, args, out, err) -> BenchmarkCommand.index(args, out, err)),
            new Command(
                    PackBenchmarkCommand.NAME,
                    "time pack beside zodbpack on two copies of a database and compare what they leave",
                    PackBenchmarkCommand.USAGE,
                    false,
                    PackBenchmarkCommand::run),
            new Command(
                    BenchmarkCommand.COLLECT,
                    "measure collection beside a synthetic write load on a scratch database",
                    BenchmarkCommand.COLLECT_USAGE,
                    true,
                    (application, args, out, err) -> BenchmarkCommand.collect(args, out, err)));

    private CommandLine() {}

    private static Command inspect(String name, String summary) {
        return new Command(
                name,
                summary,
                InspectCommand.usage(name),
                true,
                (application, args, out, err) -> InspectCommand.run(args, out, err));
    }

    /** Whether {@code args} ask for help or name a command (anything else starts the daemon). */
    public static boolean handles(String[] args) {
        return args.length > 0 && (HELP.contains(args[0]) || command(args[0]).isPresent());
    }

    /** Prints the help asked for, or runs the command named by {@code args[0]}; returns the exit code. */
    public static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        if (HELP.contains(args[0])) {
            out.print(usage());
            return OK;
        }
        Command command = command(args[0]).orElseThrow(() -> new IllegalArgumentException("not a command: " + args[0]));
        if (List.of(args).subList(1, args.length).stream().anyMatch(COMMAND_HELP::contains)) {
            out.println(command.name() + ": " + command.summary());
            out.println(command.usage());
            return OK;
        }
        // Without Spring Boot's logging setup, Logback would log every library at DEBUG.
        if (!command.service()
                && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        return command.runner().run(application, args, out, err);
    }

    /** The top-level usage: how to start the daemon, every command with its summary, where settings live. */
    static String usage() {
        StringBuilder text = new StringBuilder()
                .append("usage: ")
                .append(JAR)
                .append(" [--name=value ...]     start the daemon (collector, REST API, status page)\n")
                .append("       ")
                .append(JAR)
                .append(" COMMAND [OPTIONS]      run one command and exit\n")
                .append("       ")
                .append(JAR)
                .append(" COMMAND --help         that command's usage\n\nCommands:\n");
        for (Command command : COMMANDS) {
            text.append("  %-18s %s%n".formatted(command.name(), command.summary()));
        }
        return text.append("""

                        Settings (spring.datasource.*, packer.*) come from --name=value arguments,
                        environment variables (SPRING_DATASOURCE_URL, PACKER_COLLECTOR_GRACE, ...) or
                        application.yml; they are documented in README.md, section "Configuration".
                        An unknown or invalid packer.* setting stops the start.
                        """).toString();
    }

    private static Optional<Command> command(String name) {
        return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
