package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.testsupport.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/** Exactly one active instance; the standby takes over when the active one's session ends. */
class LeaderLockTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void oneActiveInstanceAndAHandOver() throws Exception {
        try (LeaderLock first = new LeaderLock(db.dataSource());
                LeaderLock second = new LeaderLock(db.dataSource());
                Connection tx = db.connect()) {
            assertThat(first.tryAcquire()).isTrue();
            assertThat(second.tryAcquire()).isFalse();
            first.requireHeld(tx);
            assertThatThrownBy(() -> second.requireHeld(tx)).hasMessageContaining("not the active instance");

            first.close();

            assertThat(second.tryAcquire()).isTrue();
            second.requireHeld(tx);
        }
    }

    @Test
    void anInstanceWhoseSessionWasKilledCannotWrite() throws Exception {
        try (LeaderLock lock = new LeaderLock(db.dataSource());
                Connection tx = db.connect()) {
            assertThat(lock.tryAcquire()).isTrue();
            // only this database's holder: other test databases on the server have leaders of their own
            String held = " FROM pg_locks WHERE locktype = 'advisory'"
                    + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    + " AND classid = " + (LeaderLock.KEY >>> 32) + " AND objid = " + (LeaderLock.KEY & 0xffffffffL);
            db.execute("SELECT pg_terminate_backend(pid)" + held);
            // pg_terminate_backend only signals: the session ends, and its lock goes, a moment later
            JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> jdbc.queryForObject("SELECT count(*)" + held, Long.class) == 0);

            assertThatThrownBy(() -> lock.requireHeld(tx)).hasMessageContaining("leader lock was lost");
        }
    }

    @Test
    void theKeyIsNeitherRelStoragesNorAZoid() {
        assertThat(LeaderLock.KEY).isNegative().isNotIn(-1L, -2L);
    }
}
