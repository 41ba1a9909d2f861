package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.bench.PackBenchmark;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code benchmark-pack --database=JDBC_URL [--blob-dir=PATH] [--days=0] [--zodbpack="COMMAND"
 * --zodbpack-database=JDBC_URL --zodbpack-blob-dir=PATH] [--java-options="-Xmx2g ..."] [--name=value
 * ...]}: {@link PackBenchmark}, with this jar as the pack under test. Further {@code --name=value}
 * settings go to each pack. Exit codes: 0 done (and the copies agree), 1 a pack failed or the copies
 * differ, 2 usage error.
 */
final class PackBenchmarkCommand {

    static final String NAME = "benchmark-pack";
    static final String USAGE = "usage: java -jar relstorage-packer.jar benchmark-pack --database=JDBC_URL"
            + " [--blob-dir=PATH] [--days=0] [--zodbpack=\"python -m relstorage.zodbpack -d 0 zodbpack.conf\""
            + " --zodbpack-database=JDBC_URL [--zodbpack-blob-dir=PATH]] [--java-options=\"-Xmx2g\"]"
            + " [--name=value ...]\n"
            + "  Packs --database twice with this jar (a fresh JVM each time: the pack, then a re-pack) and, given"
            + " --zodbpack,\n  runs zodbpack on its own copy of the same database, then compares survivors and"
            + " blob files.\n  Restore the copies first; both are packed for real.";
    private static final List<String> OPTIONS = List.of(
            "--database",
            "--blob-dir",
            "--days",
            "--zodbpack",
            "--zodbpack-database",
            "--zodbpack-blob-dir",
            "--java-options");

    private PackBenchmarkCommand() {}

    static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        List<String> packArgs = new ArrayList<>();
        Map<String, String> own = new HashMap<>();
        for (String arg : ServiceContext.split(List.of(args).subList(1, args.length), packArgs, OPTIONS)) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                err.println(USAGE);
                return CommandLine.USAGE;
            }
            own.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String database = own.get("--database");
        boolean zodbpack = own.containsKey("--zodbpack");
        if (database == null || zodbpack != own.containsKey("--zodbpack-database")) {
            err.println(NAME + ": --database is required, and --zodbpack goes with --zodbpack-database");
            err.println(USAGE);
            return CommandLine.USAGE;
        }
        double days;
        try {
            days = Double.parseDouble(own.getOrDefault("--days", "0"));
        } catch (NumberFormatException e) {
            days = -1;
        }
        if (!(days >= 0)) {
            err.println(NAME + ": --days=" + own.get("--days") + " is not a number of days >= 0");
            return CommandLine.USAGE;
        }
        PackBenchmark.Options options = new PackBenchmark.Options(
                PackBenchmark.copy(database, path(own.get("--blob-dir"))),
                days,
                thisJar(application, words(own.getOrDefault("--java-options", ""))),
                packArgs,
                zodbpack ? words(own.get("--zodbpack")) : null,
                zodbpack
                        ? PackBenchmark.copy(own.get("--zodbpack-database"), path(own.get("--zodbpack-blob-dir")))
                        : null);
        try {
            return new PackBenchmark(out).run(options) ? CommandLine.OK : CommandLine.FAILED;
        } catch (Exception e) {
            err.println(NAME + " failed: " + e.getMessage());
            return CommandLine.FAILED;
        }
    }

    /** This program again, in a JVM of its own: the jar it was started from, or its class path. */
    private static List<String> thisJar(Class<?> application, List<String> javaOptions) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(javaOptions);
        String classPath = System.getProperty("java.class.path");
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            command.addAll(List.of("-jar", classPath));
        } else {
            command.addAll(List.of("-cp", classPath, application.getName()));
        }
        return command;
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+"))
                .filter(w -> !w.isEmpty())
                .toList();
    }

    private static @Nullable Path path(@Nullable String value) {
        return value == null ? null : Path.of(value);
    }
}
