package io.github.relstoragepacker.demo;

import io.github.relstoragepacker.demo.PloneSiteGenerator.BlobMode;
import io.github.relstoragepacker.demo.PloneSiteGenerator.GarbageShape;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Options;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Result;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * {@code generate --objects=N --url=JDBC_URL [...]}: runs {@link PloneSiteGenerator} against a database
 * and prints one line: what was written and how fast.
 */
final class GenerateCommand {

    static final String NAME = "generate";
    private static final int OK = 0;
    private static final int FAILED = 1;
    private static final int USAGE = 2;
    private static final int DEFAULT_BLOB_EVERY = 20;
    static final String USAGE_TEXT = "usage: java -jar relstorage-packer.jar generate --objects=N"
            + " [--garbage=0.2] [--garbage-shape=mixed|flat|chains|folders] [--garbage-unit=100000]"
            + " [--blobs=none|database|directory] [--blob-every=20] [--blob-dir=PATH]"
            + " [--seed=1] [--garbage-list=FILE] [--install-schema] --url=JDBC_URL [--user=U] [--password=P]";
    private static final Set<String> OPTIONS = Set.of(
            "objects",
            "garbage",
            "garbage-shape",
            "garbage-unit",
            "blobs",
            "blob-every",
            "blob-dir",
            "seed",
            "garbage-list",
            "url",
            "user",
            "password");

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    GenerateCommand(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    int run(String[] args) {
        Map<String, String> values = new HashMap<>();
        boolean installSchema = false;
        if (args.length == 0 || !args[0].equals(NAME)) {
            return usage("the command is " + NAME);
        }
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            int equals = arg.indexOf('=');
            if (arg.equals("--install-schema")) {
                installSchema = true;
            } else if (!arg.startsWith("--") || equals < 0 || !OPTIONS.contains(arg.substring(2, equals))) {
                return usage("unknown argument " + arg);
            } else {
                values.put(arg.substring(2, equals), arg.substring(equals + 1));
            }
        }
        Options options;
        try {
            options = options(values);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        String url = values.get("url");
        if (url == null) {
            return usage("--url is required");
        }
        String garbageList = values.get("garbage-list");
        try (Connection connection = DriverManager.getConnection(url, credentials(values));
                GarbageList garbage = new GarbageList(garbageList == null ? null : Path.of(garbageList))) {
            if (installSchema) {
                PloneSiteGenerator.installSchema(connection);
            }
            long start = clock.millis();
            Result result = new PloneSiteGenerator(clock).generate(connection, options, garbage);
            double seconds = Math.max(1, clock.millis() - start) / 1000.0;
            out.printf(
                    Locale.ROOT,
                    "generated %,d objects (%,d reachable, %,d garbage, %,d blobs, %,.1f MiB of records) in %.1f s:"
                            + " %,.0f objects/s%n",
                    result.objects(),
                    result.reachable(),
                    result.garbage(),
                    result.blobs(),
                    result.bytes() / 1048576.0,
                    seconds,
                    result.objects() / seconds);
            return OK;
        } catch (SQLException | IOException | UncheckedIOException | IllegalStateException e) {
            err.println("generate: failed: " + e.getMessage());
            return FAILED;
        } catch (IllegalArgumentException e) {
            err.println("generate: " + e.getMessage());
            return USAGE;
        }
    }

    private static Options options(Map<String, String> values) {
        String objects = values.get("objects");
        if (objects == null) {
            throw new IllegalArgumentException("--objects is required");
        }
        BlobMode blobs = switch (values.getOrDefault("blobs", "none")) {
            case "none" -> BlobMode.NONE;
            case "database" -> BlobMode.DATABASE;
            case "directory" -> BlobMode.DIRECTORY;
            default -> throw new IllegalArgumentException("--blobs must be none, database or directory");
        };
        if (blobs == BlobMode.NONE && values.containsKey("blob-every")) {
            throw new IllegalArgumentException("--blob-every needs --blobs=database or --blobs=directory");
        }
        int blobEvery = blobs == BlobMode.NONE ? 0 : (int) number(values, "blob-every", DEFAULT_BLOB_EVERY);
        String blobDir = values.get("blob-dir");
        if ((blobDir != null) != (blobs == BlobMode.DIRECTORY)) {
            throw new IllegalArgumentException("--blob-dir goes with --blobs=directory, and only with it");
        }
        double garbage;
        try {
            garbage = Double.parseDouble(values.getOrDefault("garbage", "0.2"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--garbage is not a number: " + values.get("garbage"), e);
        }
        GarbageShape shape = switch (values.getOrDefault("garbage-shape", "mixed")) {
            case "mixed" -> GarbageShape.MIXED;
            case "flat" -> GarbageShape.FLAT;
            case "chains" -> GarbageShape.CHAINS;
            case "folders" -> GarbageShape.FOLDERS;
            default -> throw new IllegalArgumentException("--garbage-shape must be mixed, flat, chains or folders");
        };
        return new Options(
                number(values, "objects", 0),
                garbage,
                blobEvery,
                blobs,
                blobDir == null ? null : Path.of(blobDir),
                number(values, "seed", 1),
                shape,
                (int) number(values, "garbage-unit", 100_000));
    }

    private static long number(Map<String, String> values, String name, long otherwise) {
        String value = values.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is not a whole number: " + value, e);
        }
    }

    private static Properties credentials(Map<String, String> values) {
        Properties credentials = new Properties();
        if (values.containsKey("user")) {
            credentials.setProperty("user", values.get("user"));
        }
        if (values.containsKey("password")) {
            credentials.setProperty("password", values.get("password"));
        }
        return credentials;
    }

    private int usage(@Nullable String problem) {
        err.println("generate: " + problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }

    /** Writes garbage zoids one per line, like the fixtures' zoid lists, or nowhere. */
    private static final class GarbageList implements LongConsumer, AutoCloseable {

        private final @Nullable BufferedWriter writer;

        GarbageList(@Nullable Path file) throws IOException {
            this.writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
        }

        @Override
        public void accept(long zoid) {
            if (writer != null) {
                try {
                    writer.write(Long.toString(zoid));
                    writer.newLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (writer != null) {
                writer.close();
            }
        }
    }
}
