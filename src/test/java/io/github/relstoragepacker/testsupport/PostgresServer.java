package io.github.relstoragepacker.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.MountableFile;

/**
 * The PostgreSQL server the test suite runs against, chosen once per JVM:
 *
 * <ol>
 *   <li>{@value #URL_VARIABLE} (environment variable, or the system property {@value
 *       #URL_PROPERTY}): a JDBC URL of an existing server, user and password included, whose user
 *       may create databases, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres};
 *   <li>otherwise, when a Docker engine answers, a Testcontainers {@code postgres} container that
 *       lives as long as the JVM;
 *   <li>otherwise an {@link EmbeddedPostgres} (the demo's binaries, on the test classpath) in a
 *       temporary directory, stopped and removed when the JVM exits: a fresh clone needs only a JDK.
 * </ol>
 *
 * Tests never skip for want of a database.
 *
 * Each test class then gets its own throwaway database on that server (see {@link TestDatabase}).
 */
final class PostgresServer {

    static final String URL_VARIABLE = "PACKER_TEST_JDBC_URL";
    static final String URL_PROPERTY = "packer.test.jdbc-url";
    private static final String IMAGE = "postgres:16-alpine";

    private static PostgresServer instance;

    private final String adminUrl;
    private final Properties credentials;
    private final PostgreSQLContainer container;

    private PostgresServer(String adminUrl, Properties credentials, PostgreSQLContainer container) {
        this.adminUrl = adminUrl;
        this.credentials = credentials;
        this.container = container;
    }

    static synchronized PostgresServer get() {
        if (instance == null) {
            instance = locate();
        }
        return instance;
    }

    private static PostgresServer locate() {
        String url = System.getProperty(URL_PROPERTY, System.getenv(URL_VARIABLE));
        if (url != null && !url.isBlank()) {
            return new PostgresServer(url.strip(), new Properties(), null);
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer(IMAGE);
            container.start();
            Properties credentials = new Properties();
            credentials.setProperty("user", container.getUsername());
            credentials.setProperty("password", container.getPassword());
            return new PostgresServer(container.getJdbcUrl(), credentials, container);
        }
        return embedded();
    }

    private static PostgresServer embedded() {
        try {
            Path directory = Files.createTempDirectory("relstorage-packer-test-postgres-");
            EmbeddedPostgres server = EmbeddedPostgres.start(directory);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, directory), "test-postgres-stop"));
            System.err.printf(
                    "Tests: neither %s nor a Docker engine, so they run on an embedded PostgreSQL %s in %s%n",
                    URL_VARIABLE, server.version(), directory);
            Properties credentials = new Properties();
            credentials.setProperty("user", EmbeddedPostgres.USER);
            return new PostgresServer(server.url("postgres"), credentials, null);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Could not start an embedded PostgreSQL for the tests (set " + URL_VARIABLE
                            + " to the JDBC URL of a PostgreSQL 15+ server whose user may create databases instead): "
                            + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the tests' PostgreSQL", e);
        }
    }

    private static void stop(EmbeddedPostgres server, Path directory) {
        try {
            server.close();
            EmbeddedPostgres.remove(directory);
        } catch (IOException e) {
            System.err.println("Tests: could not stop or remove the embedded PostgreSQL in " + directory + ": " + e);
        }
    }

    /**
     * Restores a {@code pg_dump -Fc} file into {@code database} with {@code pg_restore --no-owner}: the
     * container's own binary under Testcontainers, else the local one (Debian: postgresql-client).
     */
    void restore(Path dump, String database) throws IOException, InterruptedException {
        if (container != null) {
            String inContainer = "/tmp/" + dump.getFileName();
            container.copyFileToContainer(MountableFile.forHostPath(dump), inContainer);
            var result = container.execInContainer(
                    "pg_restore", "--no-owner", "-U", container.getUsername(), "-d", database, inContainer);
            if (result.getExitCode() != 0) {
                throw new IOException("pg_restore failed: " + result.getStderr());
            }
            return;
        }
        URI uri = URI.create(adminUrl.substring("jdbc:".length()));
        String user = credentials.getProperty("user", queryParameter(uri, "user"));
        ProcessBuilder pb = new ProcessBuilder(
                        "pg_restore",
                        "--no-owner",
                        "-h",
                        uri.getHost(),
                        "-p",
                        String.valueOf(uri.getPort() < 0 ? 5432 : uri.getPort()),
                        "-d",
                        database)
                .redirectErrorStream(true);
        if (user != null) {
            pb.command().addAll(List.of("-U", user));
        }
        String password = credentials.getProperty("password", queryParameter(uri, "password"));
        if (password != null) {
            pb.environment().put("PGPASSWORD", password);
        }
        pb.command().add(dump.toString());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException(
                    "pg_restore is needed to restore " + dump.getFileName()
                            + ": install PostgreSQL's client tools (Debian: postgresql-client), or run the tests with Docker",
                    e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("pg_restore failed: " + output);
        }
    }

    private static String queryParameter(URI uri, String name) {
        if (uri.getRawQuery() == null) {
            return null;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    Connection connectAdmin() throws SQLException {
        return DriverManager.getConnection(adminUrl, credentials);
    }

    /** The admin URL with its database replaced by {@code database}; query parameters are kept. */
    String urlOf(String database) {
        int hostStart = adminUrl.indexOf("//") + 2;
        int pathStart = adminUrl.indexOf('/', hostStart);
        int queryStart = adminUrl.indexOf('?', hostStart);
        String base;
        if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
            base = queryStart < 0 ? adminUrl : adminUrl.substring(0, queryStart);
        } else {
            base = adminUrl.substring(0, pathStart);
        }
        return base + "/" + database + (queryStart < 0 ? "" : adminUrl.substring(queryStart));
    }

    Properties credentials() {
        Properties copy = new Properties();
        copy.putAll(credentials);
        return copy;
    }
}
