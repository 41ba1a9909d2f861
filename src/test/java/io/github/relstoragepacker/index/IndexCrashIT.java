package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.demo.PloneSiteGenerator;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged service killed with SIGKILL in the middle of its initial build and again while it
 * polls under a write load: each restart continues where the database says it stopped, and the index
 * ends up equal to a recomputation from {@code object_state}.
 */
class IndexCrashIT {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void killedDuringTheBuildAndDuringPollingTheIndexStillEndsExact() throws Exception {
        db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
        try (Connection c = db.connect()) {
            new PloneSiteGenerator().generate(c, PloneSiteGenerator.Options.withoutBlobs(60_000, 0.2, 42));
        }
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());

        Process first = start("first");
        await(() -> schemaReady(jdbc) && doneRanges(jdbc) >= 3, first);
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long doneAtKill = doneRanges(jdbc);
        assertThat(jdbc.queryForObject("SELECT phase FROM packer.progress", String.class))
                .isEqualTo("building");
        assertThat(doneAtKill).isLessThan(jdbc.queryForObject("SELECT count(*) FROM packer.build_range", Long.class));

        ObjectGraph graph = new ObjectGraph(
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()));
        graph.commit(graph.newOid(), List.of());
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong lastTid = new AtomicLong();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            Random random = new Random(1);
            while (writing.get()) {
                try {
                    lastTid.set(graph.mutate(random));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });

        Process second = start("second");
        await(() -> "ready".equals(phase(jdbc)), second);
        Thread.sleep(1000);
        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Process third = start("third");
        try {
            Thread.sleep(1000);
            writing.set(false);
            writes.get(60, TimeUnit.SECONDS);
            await(() -> watermark(jdbc) >= lastTid.get(), third);

            VerificationReport report = new IndexVerifier(db.dataSource(), "public").verify(1);

            assertThat(report.differences()).isEmpty();
            assertThat(report.objectsChecked()).isGreaterThan(60_000);
        } finally {
            third.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process start(String name) throws Exception {
        File log = Path.of("target", "index-crash-" + name + ".log").toFile();
        return new ProcessBuilder(PackagedJar.command(
                        db,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--packer.index.poll-interval=50ms",
                        "--packer.index.build-threads=1",
                        "--packer.index.build-range-size=500"))
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }

    private static boolean schemaReady(JdbcTemplate jdbc) {
        return Boolean.TRUE.equals(
                jdbc.queryForObject("SELECT to_regclass('packer.progress') IS NOT NULL", Boolean.class));
    }

    private static long doneRanges(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT count(*) FROM packer.build_range WHERE done", Long.class);
    }

    private static String phase(JdbcTemplate jdbc) {
        return schemaReady(jdbc) ? jdbc.queryForObject("SELECT phase FROM packer.progress", String.class) : "";
    }

    private static long watermark(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT watermark FROM packer.progress", Long.class);
    }

    private static void await(BooleanSupplier condition, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(process.isAlive())
                    .as("the service died; see target/index-crash-*.log")
                    .isTrue();
            assertThat(System.nanoTime()).as("condition not met within 90 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
