package io.github.relstoragepacker.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The databases the real RelStorage 4.2 wrote ({@code src/test/resources/fixtures/relstorage}, see its
 * README): {@code pubfs} (blobs in a shared directory) and {@code pubdb} (blobs in the database), each
 * with {@code zodbpack --days 0}'s answer.
 */
public final class RelStorageFixture {

    private RelStorageFixture() {}

    /** Restores fixture {@code name} ({@code pubfs} or {@code pubdb}) into {@code db}, using {@code work} for the dump. */
    public static void restore(TestDatabase db, String name, Path work) throws IOException, InterruptedException {
        Path dump = work.resolve(name + ".pgdump");
        try (InputStream in = resource(name + "/" + name + ".pgdump")) {
            Files.copy(in, dump);
        }
        db.restore(dump);
    }

    /** Extracts fixture {@code name}'s blob directory into {@code work}; returns it ({@code work/blobs}). */
    public static Path extractBlobs(String name, Path work) throws IOException, InterruptedException {
        Path tar = work.resolve(name + "-blobs.tar.gz");
        try (InputStream in = resource(name + "/" + name + "-blobs.tar.gz")) {
            Files.copy(in, tar);
        }
        Process process = new ProcessBuilder("tar", "xzf", tar.toString(), "-C", work.toString())
                .redirectErrorStream(true)
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("tar could not extract " + tar + ": "
                    + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return work.resolve("blobs");
    }

    /** The non-blank lines of a fixture's text file (e.g. {@code pubfs/zoids_after_zodbpack.txt}), sorted. */
    public static List<String> lines(String file) throws IOException {
        try (InputStream in = resource(file)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .sorted()
                    .toList();
        }
    }

    /** The zoids a fixture's text file lists, sorted. */
    public static List<Long> zoids(String file) throws IOException {
        return lines(file).stream().map(Long::parseLong).sorted().toList();
    }

    private static InputStream resource(String name) {
        return Objects.requireNonNull(
                RelStorageFixture.class.getResourceAsStream("/fixtures/relstorage/" + name), name + " is missing");
    }
}
