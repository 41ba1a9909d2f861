package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.RelStorageFixture;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
            RelStorageFixture.restore(db, "pubdb", dir);

            assertThat(pack(db)).isZero();

            JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
            assertThat(jdbc.queryForList("SELECT zoid FROM object_state ORDER BY zoid", Long.class))
                    .isEqualTo(RelStorageFixture.zoids("pubdb/zoids_after_zodbpack.txt"));
            assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class))
                    .isEqualTo(91);
        }
    }

    @Test
    void blobsOnASharedFilesystem() throws Exception {
        try (TestDatabase db = TestDatabase.open("pubfs")) {
            RelStorageFixture.restore(db, "pubfs", dir);
            Path blobs = RelStorageFixture.extractBlobs("pubfs", dir);

            assertThat(pack(db, "--packer.collector.blob-directory=" + blobs)).isZero();

            assertThat(new JdbcTemplate(db.dataSource())
                            .queryForList("SELECT zoid FROM object_state ORDER BY zoid", Long.class))
                    .isEqualTo(RelStorageFixture.zoids("pubfs/zoids_after_zodbpack.txt"));
            // zodbpack keeps every revision of a live blob; our pack also removes the superseded ones
            assertThat(blobFiles(blobs))
                    .isEqualTo(newestPerDirectory(RelStorageFixture.lines("pubfs/blobs_after_zodbpack.txt")));
            assertThat(blobs.resolve(".layout")).exists();
            assertThat(blobs.resolve("tmp")).isDirectory();
        }
    }

    @Test
    void anotherDatabasesBlobDirectoryIsLeftByteForByteUnchanged() throws Exception {
        try (TestDatabase other = TestDatabase.open("otherblobs");
                TestDatabase db = TestDatabase.open("pubfswrongdir")) {
            Path foreign = dir.resolve("other-blobs");
            Process generate = new ProcessBuilder(PackagedJar.command(
                            "generate",
                            "--objects=3000",
                            "--blobs=directory",
                            "--blob-every=5",
                            "--blob-dir=" + foreign,
                            "--install-schema",
                            "--url=" + other.jdbcUrl(),
                            "--user=" + other.username(),
                            "--password=" + other.password()))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("generate.log").toFile())
                    .start();
            assertThat(generate.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(generate.exitValue())
                    .as(Files.readString(dir.resolve("generate.log")))
                    .isZero();
            Map<String, String> before = digests(foreign);
            assertThat(before.keySet()).anyMatch(file -> file.endsWith(".blob"));
            RelStorageFixture.restore(db, "pubfs", dir);

            assertThat(pack(db, "--packer.collector.blob-directory=" + foreign))
                    .as("done, but blob removal on hold")
                    .isEqualTo(4);

            assertThat(digests(foreign))
                    .as("not one byte of the other database's directory")
                    .isEqualTo(before);
            JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
            assertThat(jdbc.queryForList("SELECT zoid FROM object_state", Long.class))
                    .containsAll(RelStorageFixture.zoids("pubfs/zoids_after_zodbpack.txt"));
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM object_state s JOIN packer.object o USING (zoid)"
                                    + " JOIN packer.class k ON k.id = o.class_id WHERE k.name = 'ZODB.blob.Blob'",
                            Long.class))
                    .as("the 96 live blob records and the 38 garbage ones, kept while blob removal is on hold")
                    .isEqualTo(96 + 38);
            assertThat(Files.readString(dir.resolve("pack.log"))).contains("Blob removal is on hold");
        }
    }

    /** Every file and directory under {@code root}, with the SHA-256 of each file's bytes. */
    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                digests.put(
                        root.relativize(path).toString(),
                        Files.isDirectory(path)
                                ? "/"
                                : java.util.HexFormat.of()
                                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                                .digest(Files.readAllBytes(path))));
            }
        }
        return digests;
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
}
