package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.PackerApplication;
import io.github.relstoragepacker.cli.CommandLine;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.StoredGraph;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged daemon, SIGKILLed again and again while it deletes garbage with blob files in a shared
 * blob directory. Two kills land at points held open by row locks the test takes, so that timing
 * cannot skip them: while a batch holds RelStorage's commit lock (seen in {@code pg_locks}), and after a
 * batch's commit while the journal and the blob outbox list its objects and the index has not forgotten
 * them. Then kills while the outbox lists directories whose files are being removed, and at random
 * moments. After a last, undisturbed run: every object reachable at the start is still there with its
 * blob, every garbage object is gone with its blob directory, the journal and the outbox are empty, and
 * the index verifies clean. Nothing is fixed by hand in between.
 */
class CollectorCrashIT {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @TempDir
    Path blobs;

    @Test
    void killsAtAnyPointLoseNothingReachableAndLeakNoBlob() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int generated = CommandLine.run(
                PackerApplication.class,
                new String[] {
                    "generate",
                    "--objects=20000",
                    "--garbage=0.3",
                    "--blobs=directory",
                    "--blob-every=5",
                    "--blob-dir=" + blobs,
                    "--url=" + db.jdbcUrl(),
                    "--user=" + db.username(),
                    "--password=" + db.password(),
                    "--install-schema"
                },
                new PrintStream(output),
                new PrintStream(output));
        assertThat(generated).as(output.toString()).isZero();
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        StoredGraph before = StoredGraph.read(db.dataSource());
        Set<Long> reachable = before.reachable();
        Set<Long> garbage = new HashSet<>(before.zoids());
        garbage.removeAll(reachable);
        assertThat(garbage).hasSizeGreaterThan(1000);
        Set<Long> withBlob = new HashSet<>();
        for (long zoid : before.zoids()) {
            if (Files.isDirectory(BlobLayout.BUSHY.oidDirectory(blobs, zoid))) {
                withBlob.add(zoid);
            }
        }
        assertThat(withBlob).as("objects with blob files").hasSizeGreaterThan(100);

        // Two kills land at chosen points, held there by row locks this test takes, so that neither is left
        // to timing: while a batch holds RelStorage's commit lock (its DELETE waits for garbage rows locked
        // here), and after a batch's commit but before the index forgets its objects (the forgetting waits
        // for index rows locked here), when the journal and the blob outbox both list the batch.
        try (Connection holder = lockRows(jdbc, "object_state", garbage)) {
            Process daemon = start("under-the-fence", Duration.ofSeconds(30));
            try {
                await(() -> fenceHeld(jdbc), daemon, Duration.ofSeconds(90));
            } finally {
                kill(daemon);
            }
            holder.rollback();
        }
        assertThat(rows(jdbc, "packer.deleted"))
                .as("the batch killed under the fence left no journal")
                .isZero();
        assertThat(count(jdbc)).isEqualTo(before.zoids().size());

        try (Connection holder = lockRows(jdbc, "packer.object", garbage)) {
            Process daemon = start("before-the-index-forgets");
            try {
                await(
                        () -> rows(jdbc, "packer.deleted") > 0 && rows(jdbc, "packer.blob_outbox") > 0,
                        daemon,
                        Duration.ofSeconds(90));
            } finally {
                kill(daemon);
            }
            holder.rollback();
        }
        assertThat(count(jdbc)).isLessThan(before.zoids().size());

        // Then kills as soon as a round has deleted something (mostly before its blob files are removed),
        // or once it is removing a later batch's files, until little garbage is left.
        for (int round = 0; round < 2 && count(jdbc) > reachable.size(); round++) {
            long atStart = count(jdbc);
            boolean laterBatch = round % 2 == 1;
            Process daemon = start("round" + round);
            try {
                await(
                        () -> {
                            long now = count(jdbc);
                            return now == reachable.size()
                                    || now < atStart && (!laterBatch || rows(jdbc, "packer.blob_outbox") > 0);
                        },
                        daemon,
                        Duration.ofSeconds(90),
                        0);
            } finally {
                kill(daemon);
            }
        }

        Process last = start("last");
        try {
            await(
                    () -> count(jdbc) == reachable.size()
                            && rows(jdbc, "packer.blob_outbox") == 0
                            && rows(jdbc, "packer.deleted") == 0
                            && blobDirectoriesOf(garbage) == 0,
                    last,
                    Duration.ofSeconds(120));
        } finally {
            last.destroy();
            last.waitFor(60, TimeUnit.SECONDS);
        }

        Set<Long> after = new HashSet<>(jdbc.queryForList("SELECT zoid FROM object_state", Long.class));
        assertThat(after).containsAll(reachable).doesNotContainAnyElementsOf(garbage);
        for (long zoid : withBlob) {
            Path dir = BlobLayout.BUSHY.oidDirectory(blobs, zoid);
            if (reachable.contains(zoid)) {
                try (Stream<Path> files = Files.list(dir)) {
                    assertThat(files.anyMatch(f -> f.toString().endsWith(".blob")))
                            .as("blob of live object " + zoid)
                            .isTrue();
                }
            } else {
                assertThat(dir).as("blob directory of deleted object " + zoid).doesNotExist();
            }
        }
        assertThat(StoredGraph.read(db.dataSource()).danglingFromRoot()).isEmpty();
        Process verify = new ProcessBuilder(PackagedJar.command(db, "verify", "--fraction=1"))
                .redirectErrorStream(true)
                .start();
        String report = new String(verify.getInputStream().readAllBytes());
        assertThat(verify.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(report).isZero();
        assertThat(report).contains("0 difference(s)");
    }

    /**
     * Locks the rows of {@code zoids} in {@code table} for update in a transaction of its own, held until
     * the connection is rolled back or closed.
     */
    private static Connection lockRows(JdbcTemplate jdbc, String table, Set<Long> zoids) throws SQLException {
        Connection holder = jdbc.getDataSource().getConnection();
        holder.setAutoCommit(false);
        try (PreparedStatement st = holder.prepareStatement("WITH l AS (SELECT zoid FROM " + table
                + " WHERE zoid = ANY (?) FOR UPDATE)" + " SELECT count(*) FROM l")) {
            st.setArray(1, holder.createArrayOf("bigint", zoids.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows locked in " + table).isEqualTo(zoids.size());
            }
        }
        return holder;
    }

    private static void kill(Process daemon) throws InterruptedException {
        daemon.destroyForcibly();
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private long blobDirectoriesOf(Set<Long> zoids) {
        return zoids.stream()
                .filter(z -> Files.isDirectory(BlobLayout.BUSHY.oidDirectory(blobs, z)))
                .count();
    }

    private static long count(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT count(*) FROM object_state", Long.class);
    }

    /** Whether a relstorage-packer session holds RelStorage's commit lock (advisory -1) right now. */
    private static boolean fenceHeld(JdbcTemplate jdbc) {
        return jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                        + " AND ((l.classid::bigint << 32) | l.objid::bigint) = -1"
                        + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " AND a.application_name = 'relstorage-packer')",
                Boolean.class);
    }

    /** Rows in one of our tables, 0 before the schema exists. */
    private static long rows(JdbcTemplate jdbc, String table) {
        return jdbc.queryForObject(
                "SELECT CASE WHEN to_regclass('" + table + "') IS NULL THEN 0" + " ELSE (SELECT count(*) FROM " + table
                        + ") END",
                Long.class);
    }

    private Process start(String name) throws Exception {
        return start(name, Duration.ofMillis(20));
    }

    private Process start(String name, Duration maxFenceHold) throws Exception {
        File log = Path.of("target", "collector-crash-" + name + ".log").toFile();
        return new ProcessBuilder(PackagedJar.command(
                        db,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--packer.index.poll-interval=50ms",
                        "--packer.collector.grace=0s",
                        "--packer.collector.drain-interval=200ms",
                        "--packer.collector.mark-interval=2s",
                        "--packer.collector.max-fence-hold=" + maxFenceHold.toMillis() + "ms",
                        "--packer.collector.blob-directory=" + blobs))
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }

    private static void await(BooleanSupplier condition, Process process, Duration limit) throws InterruptedException {
        await(condition, process, limit, 50);
    }

    private static void await(BooleanSupplier condition, Process process, Duration limit, long pollMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(process.isAlive())
                    .as("the service died; see target/collector-crash-*.log")
                    .isTrue();
            assertThat(System.nanoTime()).as("waited " + limit).isLessThan(deadline);
            Thread.sleep(pollMillis);
        }
    }
}
