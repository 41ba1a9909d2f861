package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.PackerApplication;
import io.github.relstoragepacker.cli.CommandLine;
import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged daemon gets SIGTERM (what Kubernetes sends) in the middle of a drain of many short
 * batches: it exits within five seconds, and no batch takes RelStorage's commit lock after the signal
 * (every transaction holding it is watched in {@code pg_locks} from before the signal until the exit).
 */
class ShutdownIT {

    private static final int HOOK_MILLIS = 250;

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void sigtermDuringADrainEndsItAtOnce() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int generated = CommandLine.run(
                PackerApplication.class,
                new String[] {
                    "generate",
                    "--objects=60000",
                    "--garbage=0.4",
                    "--url=" + db.jdbcUrl(),
                    "--user=" + db.username(),
                    "--password=" + db.password(),
                    "--install-schema"
                },
                new PrintStream(output),
                new PrintStream(output));
        assertThat(generated).as(output.toString()).isZero();
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        long objects = count(jdbc);
        File log = Path.of("target", "shutdown-it.log").toFile();
        Process daemon = new ProcessBuilder(PackagedJar.command(
                        db,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--packer.index.poll-interval=50ms",
                        "--packer.collector.grace=0s",
                        "--packer.collector.drain-interval=100ms",
                        "--packer.collector.mark-interval=1h",
                        "--packer.collector.max-fence-hold=50ms"))
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (count(jdbc) > objects - 1000) {
                assertThat(daemon.isAlive()).as("the service died; see " + log).isTrue();
                assertThat(System.nanoTime())
                        .as("no drain under way within 120 s")
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            long pending = jdbc.queryForObject("SELECT count(*) FROM packer.unreferenced", Long.class);
            Timestamp signal = jdbc.queryForObject("SELECT clock_timestamp()", Timestamp.class);

            daemon.destroy();
            long signalled = System.nanoTime();
            Set<String> afterSignal = new HashSet<>();
            while (daemon.isAlive()
                    && System.nanoTime() - signalled < Duration.ofSeconds(30).toNanos()) {
                afterSignal.addAll(fenceHoldersStartedAfter(jdbc, signal));
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - signalled) / 1e9;

            assertThat(daemon.isAlive()).isFalse();
            assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(5);
            assertThat(afterSignal)
                    .as("transactions begun after the signal (plus the JVM's moment to run its shutdown hooks)"
                            + " that took the commit lock")
                    .isEmpty();
            assertThat(pending)
                    .as("garbage was still waiting when the signal came")
                    .isGreaterThan(1000);
        } finally {
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long count(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT count(*) FROM object_state", Long.class);
    }

    /** The transactions (virtual ids) holding RelStorage's commit lock (advisory -1) in this database now. */
    /**
     * Transactions holding RelStorage's commit lock that began more than {@value #HOOK_MILLIS} ms after
     * {@code signal}: a batch begun while the JVM was still receiving the signal may finish, none after.
     */
    private static List<String> fenceHoldersStartedAfter(JdbcTemplate jdbc, Timestamp signal) {
        return jdbc.queryForList(
                "SELECT l.virtualtransaction FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                        + " AND ((l.classid::bigint << 32) | l.objid::bigint) = -1"
                        + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " AND a.xact_start > ?::timestamptz + interval '" + HOOK_MILLIS + " milliseconds'",
                String.class,
                signal);
    }
}
