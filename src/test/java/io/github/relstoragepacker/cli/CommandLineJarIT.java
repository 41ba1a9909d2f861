package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged jar's commands for cron users, run as a user would, against a real RelStorage
 * database: status, verify, check-refs, path and pack, with their exit codes (0 fine, 1 a problem
 * found or a failure, 2 usage, 3 a lock busy).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandLineJarIT {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    static long parent;
    static long child;
    static long orphan;
    static long missing;

    @BeforeAll
    static void graph() throws Exception {
        ObjectGraph graph = new ObjectGraph(new RelStorageWriter(db.dataSource(), LockGeneration.ADVISORY_LOCK));
        parent = graph.newOid();
        child = graph.newOid();
        orphan = graph.newOid();
        missing = graph.newOid() + 100;
        graph.commit(Map.of(0L, List.of(parent), parent, List.of(child), child, List.of(missing), orphan, List.of()));
    }

    record Run(int exit, String out) {}

    static Run run(String... args) throws Exception {
        List<String> command = PackagedJar.command(db, args);
        command.add("--logging.level.root=WARN");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out);
    }

    @Test
    @Order(0)
    void helpPrintsUsageWithoutStartingTheService() throws Exception {
        Run help = run("--help");
        assertThat(help.exit()).as(help.out()).isZero();
        assertThat(help.out())
                .contains("start the daemon")
                .contains("benchmark-collect")
                .doesNotContain("Tomcat");

        Run pack = run("pack", "-h");
        assertThat(pack.exit()).as(pack.out()).isZero();
        assertThat(pack.out()).contains("usage: java -jar relstorage-packer.jar pack --days=N");
    }

    @Test
    @Order(0)
    void aMisspeltSettingStopsACommandNamingTheOneMeant() throws Exception {
        // the valid names come from the configuration metadata, which must be found inside the packaged jar
        Run status = run("status", "--packer.collector.grce=1h");

        assertThat(status.exit()).as(status.out()).isNotZero();
        assertThat(status.out()).contains("packer.collector.grce").contains("did you mean packer.collector.grace?");
    }

    @Test
    @Order(1)
    void statusBuildsTheIndexAndDescribesIt() throws Exception {
        Run status = run("status");

        assertThat(status.exit()).as(status.out()).isZero();
        assertThat(status.out()).contains("phase:").contains("objects:      4 ").contains("1 unreferenced");
    }

    @Test
    @Order(2)
    void checkRefsFindsTheMissingObjectAndFails() throws Exception {
        Run check = run("check-refs");

        assertThat(check.exit()).as(check.out()).isEqualTo(1);
        assertThat(check.out())
                .contains("missing 0x" + Long.toHexString(missing))
                .contains("0x" + Long.toHexString(child))
                .contains("1 missing object(s)");
    }

    @Test
    @Order(3)
    void pathPrintsTheChainFromTheRoot() throws Exception {
        Run path = run("path", "0x" + Long.toHexString(child));

        assertThat(path.exit()).as(path.out()).isZero();
        assertThat(path.out().lines().filter(l -> l.startsWith("0x")).map(l -> l.split("\\s+")[0]))
                .containsExactly("0x0", "0x" + Long.toHexString(parent), "0x" + Long.toHexString(child));
        Run garbage = run("path", String.valueOf(orphan));
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.out()).contains("does not reach");
    }

    @Test
    @Order(4)
    void verifyFindsACleanIndex() throws Exception {
        Run verify = run("verify", "--fraction=1");

        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(verify.out()).contains("0 difference(s)");
    }

    @Test
    @Order(5)
    void usageErrorsExitWithTwo() throws Exception {
        assertThat(run("pack").exit()).isEqualTo(2);
        assertThat(run("pack", "--days=soon").exit()).isEqualTo(2);
        assertThat(run("path").exit()).isEqualTo(2);
        Run badOid = run("path", "zoid-7");
        assertThat(badOid.exit()).isEqualTo(2);
        assertThat(badOid.out()).contains("0x1267");
        assertThat(run("verify", "--fraction=7").exit()).isEqualTo(2);
    }

    @Test
    @Order(6)
    void packExitsWithThreeWhileZodbpackHoldsThePackLock() throws Exception {
        try (Connection zodbpack = db.connect();
                Statement st = zodbpack.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + LockGeneration.ADVISORY_LOCK.packLockKey() + ")");

            Run busy = run("pack", "--days=0");

            assertThat(busy.exit()).as(busy.out()).isEqualTo(3);
            assertThat(busy.out()).contains("pack lock");
        }
        assertThat(exists(orphan)).isTrue();
    }

    @Test
    @Order(7)
    void packDeletesTheOrphanAndRecordsTheJob() throws Exception {
        Run dry = run("pack", "--days=0", "--dry-run");
        assertThat(dry.exit()).as(dry.out()).isZero();
        assertThat(dry.out()).contains("1 objects").contains("would be deleted");
        assertThat(exists(orphan)).isTrue();

        Run pack = run("pack", "--days=0");

        assertThat(pack.exit()).as(pack.out()).isZero();
        assertThat(pack.out()).contains("deleted 1 objects");
        assertThat(exists(orphan)).isFalse();
        assertThat(exists(child)).isTrue();
        assertThat(new JdbcTemplate(db.dataSource())
                        .queryForList("SELECT outcome FROM packer.collection_run ORDER BY id", String.class))
                .containsExactly("busy", "dry_run", "completed");
    }

    private static boolean exists(long zoid) {
        return new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM object_state WHERE zoid = ?", Long.class, zoid)
                > 0;
    }
}
