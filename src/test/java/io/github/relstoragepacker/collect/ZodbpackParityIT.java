package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged jar's {@code pack --days=0} on the two databases the real RelStorage 4.2 wrote, against
 * the answer of RelStorage's own {@code zodbpack --days 0}: exactly the same survivors, and nothing
 * left of the removed objects' blobs (large objects in one database, files in the other). Of a live
 * object's blob revisions, which zodbpack all keeps, only the current one is left.
 */
class ZodbpackParityIT {

    @TempDir
    Path dir;

    @Test
    void blobsInTheDatabase() throws Exception {
        try (TestDatabase db = TestDatabase.open("pubdb")) {
            db.restore(fixture("pubdb/pubdb.pgdump"));

            assertThat(pack(db)).isZero();

            JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
            assertThat(jdbc.queryForList("SELECT zoid FROM object_state ORDER BY zoid", Long.class))
                    .isEqualTo(zoids("pubdb/zoids_after_zodbpack.txt"));
            assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class))
                    .isEqualTo(91);
        }
    }

    @Test
    void blobsOnASharedFilesystem() throws Exception {
        try (TestDatabase db = TestDatabase.open("pubfs")) {
            db.restore(fixture("pubfs/pubfs.pgdump"));
            Path blobs = extractBlobs();

            assertThat(pack(db, "--packer.collector.blob-directory=" + blobs)).isZero();

            assertThat(new JdbcTemplate(db.dataSource())
                            .queryForList("SELECT zoid FROM object_state ORDER BY zoid", Long.class))
                    .isEqualTo(zoids("pubfs/zoids_after_zodbpack.txt"));
            // zodbpack keeps every revision of a live blob; our pack also removes the superseded ones
            assertThat(blobFiles(blobs)).isEqualTo(newestPerDirectory(lines("pubfs/blobs_after_zodbpack.txt")));
            assertThat(blobs.resolve(".layout")).exists();
            assertThat(blobs.resolve("tmp")).isDirectory();
        }
    }

    private int pack(TestDatabase db, String... extra) throws Exception {
        List<String> command = PackagedJar.command(db, "pack", "--days=0");
        command.addAll(List.of(extra));
        Path log = dir.resolve("pack.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log);
        assertThat(output).as(output).contains("pack: deleted");
        return process.exitValue();
    }

    private Path extractBlobs() throws Exception {
        Path tar = dir.resolve("blobs.tar.gz");
        try (InputStream in = resource("pubfs/pubfs-blobs.tar.gz")) {
            Files.copy(in, tar);
        }
        Process process = new ProcessBuilder("tar", "xzf", tar.toString(), "-C", dir.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        return dir.resolve("blobs");
    }

    /** Of each directory's {@code <tid>.blob} files, the one with the highest tid. */
    private static List<String> newestPerDirectory(List<String> files) {
        Map<String, String> newest = new TreeMap<>();
        for (String file : files) {
            Path path = Path.of(file);
            newest.merge(String.valueOf(path.getParent()), file, (a, b) -> tid(a) > tid(b) ? a : b);
        }
        return newest.values().stream().sorted().toList();
    }

    private static long tid(String file) {
        String name = Path.of(file).getFileName().toString();
        return Long.parseLong(name.substring(2, name.length() - ".blob".length()), 16);
    }

    private static List<String> blobFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".blob"))
                    .map(f -> root.relativize(f).toString())
                    .sorted()
                    .toList();
        }
    }

    private Path fixture(String name) throws IOException {
        Path copy = dir.resolve(Path.of(name).getFileName());
        try (InputStream in = resource(name)) {
            Files.copy(in, copy);
        }
        return copy;
    }

    private static List<Long> zoids(String name) throws IOException {
        return lines(name).stream().map(Long::parseLong).sorted().toList();
    }

    private static List<String> lines(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .sorted()
                    .toList();
        }
    }

    private static InputStream resource(String name) {
        return Objects.requireNonNull(
                ZodbpackParityIT.class.getResourceAsStream("/fixtures/relstorage/" + name), name + " is missing");
    }
}
