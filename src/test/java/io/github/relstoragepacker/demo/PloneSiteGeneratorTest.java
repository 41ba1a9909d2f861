package io.github.relstoragepacker.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relstoragepacker.demo.PloneSiteGenerator.BlobMode;
import io.github.relstoragepacker.demo.PloneSiteGenerator.GarbageShape;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Options;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Result;
import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.pickle.References;
import io.github.relstoragepacker.pickle.UnreadableRecordException;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated databases read back with the project's own scanner: every record parses, a mark from zoid
 * 0 over the strong references finds exactly what the generator says is reachable, and the garbage
 * has the shapes the generator promises (cycles, weak-only references, blobs).
 */
class PloneSiteGeneratorTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final PloneSiteGenerator GENERATOR = new PloneSiteGenerator(Clock.fixed(NOW, ZoneOffset.UTC));

    private final ReferenceScanner scanner = new ReferenceScanner();

    @Test
    void blobsInTheDatabase() throws Exception {
        try (TestDatabase db = TestDatabase.open("gen_db")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            Set<Long> garbage = new TreeSet<>();
            Result result;
            try (Connection c = db.connect()) {
                result = GENERATOR.generate(c, new Options(5000, 0.25, 8, BlobMode.DATABASE, null, 42), garbage::add);
            }
            Graph graph = read(db);

            assertGraph(result, graph, garbage);
            assertThat(result.blobs()).isPositive();
            assertThat(query(db, "SELECT count(*) FROM blob_chunk WHERE chunk_num = 0"))
                    .isEqualTo(result.blobs());
            assertThat(query(db, "SELECT count(*) FROM pg_largeobject_metadata"))
                    .isEqualTo(result.blobs());
            assertThat(query(db, "SELECT count(*) FROM blob_chunk b JOIN object_state o USING (zoid, tid)"))
                    .isEqualTo(result.blobs());
            Set<Long> blobRecords = graph.ofClass(PloneClasses.BLOB);
            assertThat(blobRecords).hasSize((int) result.blobs());
            assertThat(blobRecords).anyMatch(garbage::contains).anyMatch(zoid -> !garbage.contains(zoid));
        }
    }

    @Test
    void blobsInABushyDirectory(@TempDir Path blobs) throws Exception {
        try (TestDatabase db = TestDatabase.open("gen_dir")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            Set<Long> garbage = new TreeSet<>();
            Result result;
            try (Connection c = db.connect()) {
                result = GENERATOR.generate(c, new Options(5000, 0.2, 8, BlobMode.DIRECTORY, blobs, 7), garbage::add);
            }
            Graph graph = read(db);

            assertGraph(result, graph, garbage);
            assertThat(query(db, "SELECT count(*) FROM blob_chunk")).isZero();
            assertThat(Files.readString(blobs.resolve(".layout"))).isEqualTo("bushy");
            assertThat(blobs.resolve("tmp")).isEmptyDirectory();
            Set<Long> blobRecords = graph.ofClass(PloneClasses.BLOB);
            assertThat(blobRecords).hasSize((int) result.blobs()).isNotEmpty();
            for (long zoid : blobRecords) {
                assertThat(BlobLayout.BUSHY
                                .oidDirectory(blobs, zoid)
                                .resolve(BlobLayout.blobFileName(graph.tids.get(zoid))))
                        .isRegularFile();
            }
            try (Stream<Path> files = Files.walk(blobs)) {
                List<Path> all =
                        files.filter(f -> f.toString().endsWith(".blob")).toList();
                assertThat(all.size()).as("a few blobs have an older revision").isGreaterThan(blobRecords.size());
            }
        }
    }

    @Test
    void largeTreesGetNodesAboveTheirBucketsAndNoGarbageMeansNone() throws Exception {
        try (TestDatabase db = TestDatabase.open("gen_big")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            Result result;
            try (Connection c = db.connect()) {
                result = GENERATOR.generate(c, Options.withoutBlobs(40_000, 0, 3));
            }
            Graph graph = read(db);

            assertGraph(result, graph, Set.of());
            assertThat(result.garbage()).isZero();
            assertThat(graph.ofClass(PloneClasses.IOBTREE))
                    .as("intid tree with BTree nodes")
                    .hasSizeGreaterThan(1);
        }
    }

    @Test
    void chainsAndFoldersAreGarbageOfTheLengthAsked() throws Exception {
        for (GarbageShape shape : List.of(GarbageShape.CHAINS, GarbageShape.FOLDERS)) {
            try (TestDatabase db = TestDatabase.open("gen_" + shape)) {
                db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
                Set<Long> garbage = new TreeSet<>();
                Result result;
                try (Connection c = db.connect()) {
                    result = GENERATOR.generate(
                            c, new Options(20_000, 0.3, 0, BlobMode.NONE, null, 5, shape, 1000), garbage::add);
                }
                Graph graph = read(db);

                assertGraph(result, graph, garbage, false);
                if (shape == GarbageShape.CHAINS) {
                    assertThat(graph.longestPathWithin(garbage))
                            .as("a version history of 1000 entries below its document")
                            .isEqualTo(1000);
                } else {
                    assertThat(garbage)
                            .as("a deleted folder's items: on a cycle through their folder")
                            .anyMatch(zoid -> graph.reachesItself(zoid, 30));
                }
            }
        }
    }

    @Test
    void commandLineInstallsTheSchemaAndSummarises() throws Exception {
        try (TestDatabase db = TestDatabase.open("gen_cli")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Path garbageList = Files.createTempFile("garbage", ".txt");
            try {
                int code = PloneSiteGenerator.run(
                        new String[] {
                            "generate",
                            "--objects=1000",
                            "--garbage=0.3",
                            "--seed=5",
                            "--install-schema",
                            "--garbage-list=" + garbageList,
                            "--url=" + db.jdbcUrl(),
                            "--user=" + db.username(),
                            "--password=" + db.password()
                        },
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

                assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
                assertThat(out.toString(StandardCharsets.UTF_8))
                        .startsWith("generated 1,000 objects (")
                        .contains(" garbage, 0 blobs, ");
                List<String> lines = Files.readAllLines(garbageList);
                assertThat(lines).hasSizeBetween(250, 350);
                assertThat(query(db, "SELECT count(*) FROM object_state")).isEqualTo(1000);
            } finally {
                Files.delete(garbageList);
            }
        }
    }

    @Test
    void commandLineUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(PloneSiteGenerator.run(new String[] {"generate", "--url=jdbc:postgresql:x"}, out, errStream))
                .isEqualTo(2);
        assertThat(PloneSiteGenerator.run(new String[] {"generate", "--objects=5000", "--bogus=1"}, out, errStream))
                .isEqualTo(2);
        assertThat(PloneSiteGenerator.run(
                        new String[] {"generate", "--objects=5000", "--blobs=directory", "--url=jdbc:postgresql:x"},
                        out,
                        errStream))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: java -jar relstorage-packer.jar generate");
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> Options.withoutBlobs(10, 0.2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.withoutBlobs(1000, 1.0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Options(1000, 0.2, 10, BlobMode.NONE, null, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Options(1000, 0.2, 10, BlobMode.DIRECTORY, null, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Everything the generator promises about the graph, checked against what the scanner reads. */
    private static void assertGraph(Result result, Graph graph, Set<Long> garbage) {
        assertGraph(result, graph, garbage, true);
    }

    /** With {@code mixed}, the garbage also has a site's mix of shapes. */
    private static void assertGraph(Result result, Graph graph, Set<Long> garbage, boolean mixed) {
        assertThat(graph.strong).hasSize((int) result.objects());
        assertThat(graph.strong.keySet()).allMatch(zoid -> zoid >= 0 && zoid < result.objects());
        assertThat(graph.tids.values()).allMatch(tid -> tid > 0 && tid <= Tids.toTid(NOW));
        assertThat(new HashSet<>(graph.tids.values()).size())
                .isBetween((int) result.objects() / 13, (int) result.objects() / 2);
        assertThat(result.reachable() + result.garbage()).isEqualTo(result.objects());

        Set<Long> reachable = graph.markFrom(0);
        assertThat((long) reachable.size()).isEqualTo(result.reachable());
        Set<Long> unreachable = new TreeSet<>(graph.strong.keySet());
        unreachable.removeAll(reachable);
        assertThat(unreachable).isEqualTo(garbage);
        assertThat((long) unreachable.size()).isEqualTo(result.garbage());

        assertThat(graph.sequence).isEqualTo(((result.objects() - 1) / 16) + 1);
        assertThat(graph.ofClass(PloneClasses.OOBUCKET)).isNotEmpty();
        assertThat(graph.ofClass(PloneClasses.IOBUCKET)).isNotEmpty();
        if (result.garbage() > 0 && mixed) {
            assertThat(unreachable)
                    .as("garbage on a cycle")
                    .anyMatch(zoid -> graph.reachesItself(zoid, 30))
                    .as("garbage referenced only weakly, by live objects")
                    .anyMatch(zoid -> reachable.stream().anyMatch(live -> contains(graph.weak.get(live), zoid)));
        }
    }

    private Graph read(TestDatabase db) throws SQLException, UnreadableRecordException {
        Graph graph = new Graph();
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT zoid, tid, state_size, state FROM object_state")) {
            while (rs.next()) {
                long zoid = rs.getLong(1);
                byte[] state = rs.getBytes(4);
                assertThat(rs.getLong(3)).isEqualTo(state.length);
                References refs = scanner.scan(state);
                graph.strong.put(zoid, refs.strong());
                graph.weak.put(zoid, refs.weak());
                graph.tids.put(zoid, rs.getLong(2));
                graph.classes.put(zoid, String.valueOf(refs.className()));
            }
        }
        graph.sequence = query(db, "SELECT last_value FROM zoid_seq");
        return graph;
    }

    private static long query(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean contains(long[] values, long value) {
        for (long v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    /** The stored graph as the scanner reads it. */
    private static final class Graph {

        final Map<Long, long[]> strong = new HashMap<>();
        final Map<Long, long[]> weak = new HashMap<>();
        final Map<Long, Long> tids = new HashMap<>();
        final Map<Long, String> classes = new HashMap<>();
        long sequence;

        Set<Long> markFrom(long root) {
            Set<Long> marked = new HashSet<>();
            ArrayDeque<Long> todo = new ArrayDeque<>(List.of(root));
            while (!todo.isEmpty()) {
                long zoid = todo.pop();
                if (marked.add(zoid)) {
                    for (long to : strong.getOrDefault(zoid, new long[0])) {
                        todo.push(to);
                    }
                }
            }
            return marked;
        }

        /** Whether a path of strong references of at most {@code depth} steps leads from zoid back to it. */
        /** The length of the longest path of strong references, among {@code objects} only (acyclic there). */
        int longestPathWithin(Set<Long> objects) {
            Map<Long, Integer> longest = new HashMap<>();
            int max = 0;
            for (long start : objects) {
                max = Math.max(max, longestFrom(start, objects, longest));
            }
            return max;
        }

        private int longestFrom(long zoid, Set<Long> objects, Map<Long, Integer> longest) {
            ArrayDeque<Long> stack = new ArrayDeque<>(List.of(zoid));
            while (!stack.isEmpty()) {
                long top = stack.peek();
                if (longest.containsKey(top)) {
                    stack.pop();
                    continue;
                }
                boolean ready = true;
                int best = 0;
                for (long next : strong.get(top)) {
                    if (!objects.contains(next)) {
                        continue;
                    }
                    Integer known = longest.get(next);
                    if (known == null) {
                        stack.push(next);
                        ready = false;
                    } else {
                        best = Math.max(best, known + 1);
                    }
                }
                if (ready) {
                    longest.put(top, best);
                    stack.pop();
                }
            }
            return longest.get(zoid);
        }

        boolean reachesItself(long zoid, int depth) {
            Set<Long> frontier = Set.of(zoid);
            Set<Long> seen = new HashSet<>();
            for (int step = 0; step < depth && !frontier.isEmpty(); step++) {
                Set<Long> next = new HashSet<>();
                for (long from : frontier) {
                    for (long to : strong.getOrDefault(from, new long[0])) {
                        if (to == zoid) {
                            return true;
                        }
                        if (seen.add(to)) {
                            next.add(to);
                        }
                    }
                }
                frontier = next;
            }
            return false;
        }

        Set<Long> ofClass(String className) {
            return classes.entrySet().stream()
                    .filter(e -> e.getValue().equals(className))
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
        }
    }
}
