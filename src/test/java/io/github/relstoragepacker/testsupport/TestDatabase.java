package io.github.relstoragepacker.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A fresh, empty PostgreSQL database for one test class, dropped after the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestDatabase db = new TestDatabase();
 * }</pre>
 *
 * The server comes from {@link PostgresServer}: {@code PACKER_TEST_JDBC_URL}, else Testcontainers.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private final RelStorageSchema schema;
    private String name;

    /** An empty database. */
    public TestDatabase() {
        this(null);
    }

    /** A database with RelStorage's schema of {@code schema} installed. */
    public TestDatabase(RelStorageSchema schema) {
        this.schema = schema;
    }

    private String url;
    private Properties credentials;

    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        create(context.getRequiredTestClass().getSimpleName());
        if (schema != null) {
            install(schema);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        drop();
    }

    /** A database for one test method or benchmark: {@code try (TestDatabase db = TestDatabase.open("x")) {...}}. */
    public static TestDatabase open(String hint) throws SQLException {
        TestDatabase db = new TestDatabase();
        db.create(hint);
        return db;
    }

    @Override
    public void close() throws SQLException {
        drop();
    }

    /** Creates the database; for use outside JUnit's lifecycle (benchmarks, fixtures). */
    public void create(String hint) throws SQLException {
        PostgresServer server = PostgresServer.get();
        name = "packer_" + hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "_"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        try (Connection admin = server.connectAdmin();
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        url = server.urlOf(name);
        credentials = server.credentials();
    }

    /** Drops the database, closing whatever sessions tests left open on it. */
    public void drop() throws SQLException {
        if (name == null) {
            return;
        }
        try (Connection admin = PostgresServer.get().connectAdmin();
                Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
        name = null;
    }

    public String name() {
        return name;
    }

    /** JDBC URL of this database (credentials may be in {@link #username()}/{@link #password()}). */
    public String jdbcUrl() {
        return url;
    }

    public String username() {
        return credentials.getProperty("user", "");
    }

    /** Points a Spring test context at this database (the three {@code spring.datasource} properties). */
    public void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", this::jdbcUrl);
        registry.add("spring.datasource.username", this::username);
        registry.add("spring.datasource.password", this::password);
    }

    /**
     * Points a Spring test context at this database, with continuous collection off (tests pack when
     * they mean to) and fast polls.
     */
    public void registerQuietService(DynamicPropertyRegistry registry) {
        register(registry);
        registry.add("packer.collector.enabled", () -> "false");
        registry.add("packer.index.poll-interval", () -> "50ms");
    }

    public String password() {
        return credentials.getProperty("password", "");
    }

    public DataSource dataSource() {
        SimpleDriverDataSource ds = new SimpleDriverDataSource(new org.postgresql.Driver(), url);
        ds.setConnectionProperties(credentials);
        return ds;
    }

    /** A data source for this database that logs in as another role (created by the test). */
    public DataSource dataSourceAs(String user, String password) {
        String withoutCredentials =
                url.replaceAll("([?&])(user|password)=[^&]*&?", "$1").replaceAll("[?&]$", "");
        Properties as = new Properties();
        as.setProperty("user", user);
        as.setProperty("password", password);
        SimpleDriverDataSource ds = new SimpleDriverDataSource(new org.postgresql.Driver(), withoutCredentials);
        ds.setConnectionProperties(as);
        return ds;
    }

    public Connection connect() throws SQLException {
        return dataSource().getConnection();
    }

    /** Runs SQL (several statements allowed) in autocommit mode. */
    public void execute(String sql) throws SQLException {
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Restores a {@code pg_dump -Fc} file (such as the shared RelStorage fixtures) into this database. */
    public void restore(java.nio.file.Path dump) throws java.io.IOException, InterruptedException {
        PostgresServer.get().restore(dump, name);
    }

    /** Creates the RelStorage schema of one generation in this database. */
    public void install(RelStorageSchema schema) throws SQLException {
        execute(schema.ddl());
    }
}
