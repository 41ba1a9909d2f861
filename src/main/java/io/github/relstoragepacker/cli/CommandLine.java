package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.demo.PloneSiteGenerator;
import io.github.relstoragepacker.index.IndexBenchmark;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the jar: {@code java -jar relstorage-packer.jar COMMAND ...}, and the help that lists
 * them. {@link #COMMANDS} is both the dispatch table and the help text, so the two cannot disagree.
 * {@code --help}, {@code -h} and {@code help [COMMAND]} print usage and exit 0 without starting the
 * service or touching a database. Exit codes: 0 when everything was done, 1 when some input could not
 * be processed, 2 on a usage error (each command may add its own, see its usage).
 */
public final class CommandLine {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final Set<String> HELP = Set.of("--help", "-h", "help");

    /** What a command needs to run: the application class (for commands that start the service). */
    @FunctionalInterface
    interface Runner {
        int run(Class<?> application, String[] args, PrintStream out, PrintStream err);
    }

    /** One command: its name, its synopsis (printed by {@code COMMAND --help}), and what it does. */
    record Command(String name, String synopsis, String summary, Runner runner) {}

    private static final String SERVICE_SETTINGS = " [--spring.datasource.url=... --spring.datasource.username=..."
            + " --spring.datasource.password=... | --packer.relstorage-config=FILE]";

    static final List<Command> COMMANDS = List.of(
            new Command(
                    PackCommand.NAME,
                    PackCommand.USAGE,
                    "collect everything unreachable for longer than N days (cycles and blobs included), then exit;"
                            + " exit 3 when a lock is busy, 4 when blob removal is on hold",
                    PackCommand::run),
            new Command(
                    "status",
                    "usage: java -jar relstorage-packer.jar status" + SERVICE_SETTINGS,
                    "phase, index, garbage pending, quarantine, last pack, database",
                    InspectCommand::run),
            new Command(
                    "verify",
                    "usage: java -jar relstorage-packer.jar verify [--fraction=F]" + SERVICE_SETTINGS,
                    "recompute (a sample of) the index from object_state and list every difference",
                    InspectCommand::run),
            new Command(
                    "check-refs",
                    "usage: java -jar relstorage-packer.jar check-refs [--limit=N]" + SERVICE_SETTINGS,
                    "references to objects that do not exist, with their referrers",
                    InspectCommand::run),
            new Command(
                    "path",
                    "usage: java -jar relstorage-packer.jar path OID" + SERVICE_SETTINGS,
                    "a shortest chain of references from the root to an object (OID: 4711 or 0x1267)",
                    InspectCommand::run),
            new Command(
                    ScanRefsCommand.NAME,
                    ScanRefsCommand.USAGE,
                    "the references of hexadecimal records, one per line, as ZODB's referencesf lists them"
                            + " (no database)",
                    (application, args, out, err) -> new ScanRefsCommand(out, err).run(args)),
            new Command(
                    "generate",
                    PloneSiteGenerator.USAGE,
                    "write a Plone-like history-free RelStorage database for demos and benchmarks",
                    (application, args, out, err) -> PloneSiteGenerator.run(args, out, err)),
            new Command(
                    "benchmark-index",
                    IndexBenchmark.USAGE,
                    "measure the initial build and the poller's lag under a synthetic write load",
                    (application, args, out, err) -> IndexBenchmark.run(args, out, err)),
            new Command(
                    CollectBenchmarkCommand.NAME,
                    CollectBenchmarkCommand.USAGE,
                    "measure deletion speed and Plone's commit latency while the collector drains",
                    CollectBenchmarkCommand::run));

    private CommandLine() {}

    /** Whether {@code args} name a command or ask for help (anything else starts the daemon). */
    public static boolean handles(String[] args) {
        return args.length > 0 && (HELP.contains(args[0]) || find(args[0]).isPresent());
    }

    /** Runs the command named by {@code args[0]}, or prints help, and returns the exit code. */
    public static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        if (HELP.contains(args[0])) {
            if (args.length > 1) {
                Optional<Command> command = find(args[1]);
                if (command.isEmpty()) {
                    err.println("help: no command " + args[1]);
                    err.print(usage());
                    return USAGE;
                }
                out.print(help(command.get()));
            } else {
                out.print(usage());
            }
            return OK;
        }
        Command command = find(args[0]).orElseThrow();
        if (List.of(args).subList(1, args.length).stream().anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
            out.print(help(command));
            return OK;
        }
        // Without Spring Boot's logging setup, Logback would log every library at DEBUG.
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        return command.runner().run(application, args, out, err);
    }

    /** The top-level help: how to run the daemon, and every command in one line. */
    static String usage() {
        StringBuilder text = new StringBuilder()
                .append("relstorage-packer: continuous garbage collection for RelStorage history-free databases\n\n")
                .append("usage: java -jar relstorage-packer.jar [--name=value ...]\n")
                .append("         run the daemon: index, collector, HTTP API and status page (port 8080),\n")
                .append("         Actuator health and metrics (port 8081)\n")
                .append("       java -jar relstorage-packer.jar COMMAND [options] [--name=value ...]\n")
                .append("         run one command and exit\n")
                .append("       java -jar relstorage-packer.jar COMMAND --help\n\n")
                .append("commands:\n");
        for (Command command : COMMANDS) {
            text.append(String.format("  %-18s %s%n", command.name(), command.summary()));
        }
        return text.append("\nsettings (--name=value, environment variables, application.yml):\n")
                .append("  --spring.datasource.url=jdbc:postgresql://HOST:5432/DB  the RelStorage database\n")
                .append("  --spring.datasource.username=U --spring.datasource.password=P\n")
                .append("  --packer.relstorage-config=FILE  take them from zodbpack's or Plone's ZConfig file\n")
                .append("  --packer.collector.grace=24h     how long garbage waits before it goes\n")
                .append("  every setting, with its default, is in application.yml and the README's \"Configuration\"\n")
                .toString();
    }

    private static String help(Command command) {
        return command.name() + ": " + command.summary() + "\n\n" + command.synopsis() + "\n";
    }

    private static Optional<Command> find(String name) {
        return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
