package io.github.relstoragepacker.relstorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.relstoragepacker.testsupport.TestDatabase;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a failed connection to the local server is explained as: the target tried and what to check. */
class ConnectionTargetTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void aClosedPortIsRefusedNamingTheServerAndWhatToCheck() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/plone";

        String explained = explain(url, "packer", "secret");

        assertThat(explained)
                .startsWith("Connection refused by PostgreSQL at 127.0.0.1:" + port + ", database plone, user packer")
                .contains("listen_addresses")
                .doesNotContain("secret");
    }

    @Test
    void aMissingDatabaseIsNamed() throws Exception {
        String url = db.jdbcUrl().replace("/" + db.name(), "/no_such_database_here");

        assertThat(explain(url, db.username(), db.password()))
                .startsWith("Database no_such_database_here does not exist on PostgreSQL at ")
                .contains("spring.datasource.url");
    }

    @Test
    void anUnknownRoleIsNamedWithPgHbaAndTheUserSetting() throws Exception {
        String url =
                db.jdbcUrl().replaceAll("([?&])(user|password)=[^&]*&?", "$1").replaceAll("[?&]$", "");

        assertThat(explain(url, "no_such_role_here", "secret"))
                .contains("database " + db.name() + ", user no_such_role_here refused the login")
                .contains("pg_hba.conf")
                .contains("spring.datasource.username")
                .doesNotContain("secret");
    }

    @Test
    void aWrongPasswordNamesWhereThePasswordComesFrom() {
        // The local server trusts its clients, so the server's answer is built here as PgJDBC builds it.
        ConnectionTarget target = ConnectionTarget.of("jdbc:postgresql://db.example.org:5433/plone", "packer");

        assertThat(target.explain(new SQLException("password authentication failed", "28P01")))
                .startsWith("Password authentication failed for PostgreSQL at db.example.org:5433, database plone,"
                        + " user packer")
                .contains("spring.datasource.password")
                .contains("PGPASSWORD");
    }

    @Test
    void aFailingStatementIsNoConnectionTarget() {
        ConnectionTarget target = ConnectionTarget.of("jdbc:postgresql://db/plone", "packer");

        assertThat(target.explain(new SQLException("permission denied for table object_state", "42501")))
                .isNull();
    }

    private static String explain(String url, String user, String password) {
        Properties credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("connectTimeout", "5");
        SQLException failure = catchThrowableOfType(
                SQLException.class,
                () -> DriverManager.getConnection(url, credentials).close());
        return ConnectionTarget.of(url, user).explain(failure);
    }
}
