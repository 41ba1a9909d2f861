package io.github.relstoragepacker.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The demo as a newcomer runs it ({@link DemoApplication}), in this JVM and as whatever user runs the
 * tests (root here, so the embedded server runs as {@code nobody}): health UP over the real management
 * port, generated garbage deleted with its blob files, and nothing left once it is closed.
 */
class DemoTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\w+)(?:\\{[^}]*})? (\\S+)$");

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void comesUpOnItsOwnDatabaseCollectsGarbageAndLeavesNothingBehind() throws Exception {
        Path directory;
        int postgresPort;
        // Generated garbage becomes deletable a grace period after the index first sees it: the demo's 30 s
        // would be most of this test's time, and is no part of what it shows.
        Demo demo = DemoApplication.run(
                "--server.port=0", "--management.server.port=0", "--demo.objects=20000", "--packer.collector.grace=5s");
        try {
            assertThat(demo.embedded()).isTrue();
            directory = demo.directory();
            ConfigurableEnvironment environment = demo.context().getEnvironment();
            postgresPort = URI.create(
                            environment.getProperty("spring.datasource.url").substring("jdbc:".length()))
                    .getPort();
            String actuator = "http://127.0.0.1:" + environment.getProperty("local.management.port") + "/actuator/";

            String health = awaitBody(actuator + "health", "\"status\":\"UP\"");
            assertThat(health).contains("RelStorage 3.5.0a4 or later");
            awaitMetric(actuator + "prometheus", "packer_collector_deleted_objects_total");
            awaitMetric(actuator + "prometheus", "packer_collector_deleted_blob_files_total");
        } finally {
            demo.close();
        }

        assertThat(directory).doesNotExist();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), postgresPort).close())
                .isInstanceOf(IOException.class);
    }

    @Test
    void startsNothingEmbeddedWhenADataSourceIsConfigured() {
        Demo demo = DemoApplication.run(
                "--server.port=0",
                "--management.server.port=0",
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password());
        try {
            assertThat(demo.embedded()).isFalse();
            assertThat(demo.directory()).isNull();
            ConfigurableEnvironment environment = demo.context().getEnvironment();
            assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(db.jdbcUrl());
            assertThat(environment.getProperty("packer.collector.grace")).isEqualTo("24h");
        } finally {
            demo.close();
        }
    }

    /** Polls {@code url} until its body contains {@code expected}; fails with the last answer otherwise. */
    private String awaitBody(String url, String expected) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            last = get(url);
            if (last.contains(expected)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(url + " never contained " + expected + " within " + PATIENCE + "; last: " + last);
    }

    /** Polls the Prometheus page until {@code name} is above zero. */
    private void awaitMetric(String url, String name) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        double last = -1;
        while (Instant.now().isBefore(deadline)) {
            last = sample(get(url), name);
            if (last > 0) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " never rose above 0 within " + PATIENCE + "; last: " + last);
    }

    private static double sample(String page, String name) {
        Matcher m = SAMPLE.matcher(page);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    private String get(String url) throws Exception {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
