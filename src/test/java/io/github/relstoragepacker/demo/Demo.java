package io.github.relstoragepacker.demo;

import io.github.relstoragepacker.demo.PloneSiteGenerator.BlobMode;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Options;
import io.github.relstoragepacker.demo.PloneSiteGenerator.Result;
import io.github.relstoragepacker.testsupport.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * What the demo adds around the service, and takes away again.
 *
 * <ol>
 *   <li>Once the configuration is read, and only if it names no {@code spring.datasource.url}: a private
 *       temporary directory, an {@link EmbeddedPostgres} in it, a database {@code plone} with RelStorage's
 *       history-free schema and {@code demo.objects} (default {@value #DEFAULT_OBJECTS}) generated objects,
 *       a fifth of them garbage (cycles and blobs in a shared blob directory included). The data source,
 *       the blob directory and the demo's settings ({@code demo.yml}: a short grace, frequent drains and
 *       marks) go in as a property source below the command line, system properties and environment, so
 *       any of those still overrides them, and above the configuration files.
 *   <li>Once the service is ready: the {@link DemoWriter} and a banner saying where everything is.
 *   <li>{@link #close}, or Ctrl-C (a Spring Boot shutdown handler, which runs after the service's context
 *       is closed): the writer, the server, then the directory.
 * </ol>
 */
final class Demo implements ApplicationListener<SpringApplicationEvent>, AutoCloseable {

    private static final long DEFAULT_OBJECTS = 30_000;
    private static final String DATABASE = "plone";
    private static final Duration WRITER_PERIOD = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(Demo.class);

    private final Runnable shutdown = this::stopDemo;
    private @Nullable ConfigurableApplicationContext context;
    private @Nullable Path directory;
    private @Nullable EmbeddedPostgres server;
    private @Nullable DemoWriter writer;
    private @Nullable Result generated;

    @Override
    public void onApplicationEvent(SpringApplicationEvent event) {
        try {
            if (event instanceof ApplicationEnvironmentPreparedEvent prepared
                    && !prepared.getEnvironment().containsProperty("spring.datasource.url")) {
                prepare(prepared.getEnvironment());
            } else if (event instanceof ApplicationReadyEvent ready && server != null) {
                startWriter();
                banner(ready.getApplicationContext().getEnvironment());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("Demo database: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the demo's PostgreSQL", e);
        }
    }

    /** Whether the demo started its own database (false: a data source was configured). */
    boolean embedded() {
        return server != null;
    }

    /** The service's context, once it has started. */
    ConfigurableApplicationContext context() {
        if (context == null) {
            throw new IllegalStateException("the service has not started");
        }
        return context;
    }

    /** The temporary directory holding the server's files and the blob directory; null when not embedded. */
    @Nullable
    Path directory() {
        return directory;
    }

    void started(ConfigurableApplicationContext context) {
        this.context = context;
    }

    @Override
    public void close() {
        if (context != null) {
            context.close();
        }
        if (directory != null) {
            SpringApplication.getShutdownHandlers().remove(shutdown);
        }
        stopDemo();
    }

    /** Stops what the demo started; runs after the service's context is closed. */
    private synchronized void stopDemo() {
        // Each step on its own: a writer that cannot close must not leave the server running.
        if (writer != null) {
            try {
                writer.close();
            } catch (SQLException e) {
                log.warn("Demo shutdown: the writer: {}", e.getMessage());
            }
            writer = null;
        }
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                log.warn("Demo shutdown: PostgreSQL: {}", e.getMessage());
            }
            server = null;
        }
        if (directory != null) {
            try {
                EmbeddedPostgres.remove(directory);
                log.info("Demo: PostgreSQL stopped, {} removed", directory);
            } catch (IOException e) {
                log.warn("Demo shutdown: could not remove {}: {}", directory, e.getMessage());
            }
            directory = null;
        }
    }

    private void prepare(ConfigurableEnvironment environment) throws IOException, SQLException, InterruptedException {
        long objects = environment.getProperty("demo.objects", Long.class, DEFAULT_OBJECTS);
        directory = Files.createTempDirectory("relstorage-packer-demo-");
        SpringApplication.getShutdownHandlers().add(shutdown);
        log.info("Demo: no spring.datasource.url configured, starting an embedded PostgreSQL in {}", directory);
        server = EmbeddedPostgres.start(directory);
        Path blobs = directory.resolve("blobs");
        try (Connection admin = DriverManager.getConnection(server.url("postgres"), credentials());
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + DATABASE);
        }
        long start = System.nanoTime();
        try (Connection connection = DriverManager.getConnection(server.url(DATABASE), credentials())) {
            PloneSiteGenerator.installSchema(connection);
            generated = new PloneSiteGenerator()
                    .generate(connection, new Options(objects, 0.2, 20, BlobMode.DIRECTORY, blobs, 1));
        }
        log.info(
                "Demo: generated a Plone-like RelStorage database of {} objects ({} garbage, {} blobs) in {} ms",
                generated.objects(),
                generated.garbage(),
                generated.blobs(),
                (System.nanoTime() - start) / 1_000_000);
        MutablePropertySources sources = environment.getPropertySources();
        sources.addAfter(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new MapPropertySource(
                        "demo database",
                        Map.of(
                                "spring.datasource.url", server.url(DATABASE),
                                "spring.datasource.username", EmbeddedPostgres.USER,
                                "packer.collector.blob-directory", blobs.toString())));
        List<PropertySource<?>> settings =
                new YamlPropertySourceLoader().load("demo settings", new ClassPathResource("demo.yml"));
        sources.addAfter("demo database", settings.get(0));
    }

    private void startWriter() throws SQLException {
        writer = DemoWriter.start(server.url(DATABASE), credentials(), directory.resolve("blobs"), WRITER_PERIOD);
    }

    private void banner(ConfigurableEnvironment environment) {
        String app = environment.getProperty("local.server.port", "8080");
        String management = environment.getProperty("local.management.port", app);
        log.info(String.format(
                Locale.ROOT,
                """

                        ==================================================================================
                          relstorage-packer DEMO: a throwaway database, deleted when you stop it (Ctrl-C)
                        ----------------------------------------------------------------------------------
                          Status page  http://localhost:%1$s/  (API token "%13$s" for Pack now)
                          Health       http://localhost:%2$s/actuator/health
                          Metrics      http://localhost:%2$s/actuator/prometheus  (packer_*)
                          Database     %3$s (PostgreSQL %4$s, user postgres, no password)
                                       %5$s objects generated, %6$s of them garbage, %7$s blobs
                                       psql -h 127.0.0.1 -p %8$d -U postgres plone
                          Blobs        %9$s
                          Writer       one RelStorage commit a second; each orphans an older item
                          Settings     grace %10$s, drain every %11$s, mark every %12$s (demo.yml)
                        ==================================================================================""",
                app,
                management,
                server.url(DATABASE),
                server.version(),
                generated.objects(),
                generated.garbage(),
                generated.blobs(),
                server.port(),
                directory.resolve("blobs"),
                environment.getProperty("packer.collector.grace"),
                environment.getProperty("packer.collector.drain-interval"),
                environment.getProperty("packer.collector.mark-interval"),
                environment.getProperty("packer.api.token")));
    }

    private static Properties credentials() {
        Properties credentials = new Properties();
        credentials.setProperty("user", EmbeddedPostgres.USER);
        return credentials;
    }
}
