package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.relstorage.Tids;
import io.github.relstoragepacker.testsupport.RelStorageFixture;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The daemon with its default grace (24 h) on a database restored from a dump written by the real
 * RelStorage, whose newest commit is days old: drains and cycle collections run, and delete nothing.
 * The index did not see that garbage being unlinked, so its grace counts from the build, never from
 * the newest commit's time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RestoredDatabaseTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    static Path blobs;

    @TempDir
    static Path work;

    @BeforeAll
    static void restore() throws Exception {
        RelStorageFixture.restore(db, "pubfs", work);
        blobs = RelStorageFixture.extractBlobs("pubfs", work);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.register(registry);
        registry.add("packer.index.poll-interval", () -> "50ms");
        registry.add("packer.collector.drain-interval", () -> "100ms");
        registry.add("packer.collector.mark-interval", () -> "1s");
        registry.add("packer.collector.blob-directory", () -> blobs.toString());
    }

    @Autowired
    CollectionSchedule schedule;

    @Test
    void nothingIsDeletedWithinTheGraceAfterTheBuild() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        long newest = jdbc.queryForObject("SELECT max(tid) FROM object_state", Long.class);
        assertThat(Tids.toInstant(newest))
                .as("the fixture's newest commit must be older than the grace for this test to mean anything")
                .isBefore(Instant.now().minus(Duration.ofDays(1)));
        long objects = jdbc.queryForObject("SELECT count(*) FROM object_state", Long.class);
        Map<Path, Path> currentRevisions = newestRevisionPerDirectory();

        // a cycle collection (with its blob housekeeping), then a drain after it
        await().atMost(Duration.ofSeconds(120)).until(() -> ended(CollectionKind.CYCLES) != null);
        Instant marked = ended(CollectionKind.CYCLES);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Instant drained = ended(CollectionKind.DRAIN);
            return drained != null && drained.isAfter(marked);
        });

        assertThat(jdbc.queryForObject("SELECT count(*) FROM object_state", Long.class))
                .isEqualTo(objects);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM packer.unreferenced", Long.class))
                .as("garbage there is, waiting for its grace")
                .isPositive();
        assertThat(currentRevisions.values()).allMatch(Files::exists);
    }

    /** When the last run of {@code kind} completed, or null. */
    private Instant ended(CollectionKind kind) {
        CollectionSchedule.Finished last = schedule.lastRun();
        return last != null
                        && last.result().kind() == kind
                        && last.result().outcome() == CollectionResult.Outcome.COMPLETED
                ? last.at()
                : null;
    }

    private static Map<Path, Path> newestRevisionPerDirectory() throws Exception {
        Map<Path, Path> newest = new TreeMap<>();
        try (var files = Files.walk(blobs)) {
            files.filter(f -> f.getFileName().toString().endsWith(".blob"))
                    .forEach(f -> newest.merge(
                            f.getParent(), f, (a, b) -> a.getFileName().compareTo(b.getFileName()) > 0 ? a : b));
        }
        return newest;
    }
}
