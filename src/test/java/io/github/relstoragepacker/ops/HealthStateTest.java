package io.github.relstoragepacker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.relstoragepacker.PackerApplication;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The states of the {@code relstorage} health component, produced for real over HTTP, and README.md's
 * "Troubleshooting by health state" table, which must have exactly one row per state.
 */
class HealthStateTest {

    private static final String POOL = "health-state-test";

    private static final Pattern README_ROW =
            Pattern.compile("^\\| `relstorage` DOWN, state `([a-z-]+)`", Pattern.MULTILINE);

    @Test
    void theReadmeTableHasOneRowPerState() throws Exception {
        Matcher rows = README_ROW.matcher(Files.readString(Path.of("README.md")));
        List<String> documented = rows.results().map(r -> r.group(1)).toList();

        assertThat(documented)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(RelStorageState.values())
                        .map(RelStorageState::detail)
                        .toList());
    }

    @Test
    void anUnreachableDatabaseIsNamedAndLoggedOncePerCause() throws Exception {
        int closed;
        try (ServerSocket free = new ServerSocket(0)) {
            closed = free.getLocalPort();
        }
        try (ConfigurableApplicationContext app = start(
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closed + "/plone",
                "--spring.datasource.username=packer",
                "--spring.datasource.password=secret",
                "--spring.datasource.hikari.connection-timeout=250",
                "--spring.datasource.hikari.pool-name=" + POOL,
                "--packer.index.poll-interval=50ms")) {
            // attached once Spring Boot has configured logging, which replaces the appenders
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            log.start();
            root.addAppender(log);
            try {
                JsonNode first = await().atMost(Duration.ofSeconds(30))
                        .until(() -> relstorage(app), c -> c.path("details").has("error"));
                int logged = warnings(log).size();

                for (int probe = 0; probe < 5; probe++) {
                    assertThat(relstorage(app).path("status").asString()).isEqualTo("DOWN");
                }

                assertState(first, RelStorageState.UNREACHABLE);
                assertThat(first.path("details").path("error").asString())
                        .startsWith("Connection refused by PostgreSQL at 127.0.0.1:" + closed
                                + ", database plone, user packer")
                        .doesNotContain("secret");
                assertThat(warnings(log))
                        .as(
                                "the cause is logged at most once, without a stack trace; 5 more failing probes add nothing")
                        .hasSizeLessThanOrEqualTo(1)
                        .hasSize(logged)
                        .noneMatch(e -> e.getThrowableProxy() != null);
            } finally {
                root.detachAppender(log);
            }
        }
    }

    @Test
    void aMissingCommitLockGrantIsDownAtTheFirstProbeWithTheGrant() throws Exception {
        String role =
                "packer_health_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
        try (TestDatabase db = TestDatabase.open("grant")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            db.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'secret'; GRANT CREATE ON DATABASE " + db.name()
                    + " TO " + role + "; GRANT SELECT, DELETE ON object_state, blob_chunk TO " + role);
            try (ConfigurableApplicationContext app = start(
                    "--spring.datasource.url="
                            + db.jdbcUrl()
                                    .replaceAll("([?&])(user|password)=[^&]*&?", "$1")
                                    .replaceAll("[?&]$", ""),
                    "--spring.datasource.username=" + role,
                    "--spring.datasource.password=secret")) {
                JsonNode first = relstorage(app);

                assertState(first, RelStorageState.MISSING_GRANT);
                assertThat(first.path("details").path("problems").toString())
                        .contains("GRANT SELECT, UPDATE ON public.commit_row_lock TO " + role + ";");
            } finally {
                db.execute("DROP OWNED BY " + role + "; DROP ROLE " + role);
            }
        }
    }

    @Test
    void aHistoryPreservingDatabaseIsRefused() throws Exception {
        try (TestDatabase db = TestDatabase.open("hp")) {
            db.install(RelStorageSchema.HISTORY_PRESERVING);
            try (ConfigurableApplicationContext app = start(
                    "--spring.datasource.url=" + db.jdbcUrl(),
                    "--spring.datasource.username=" + db.username(),
                    "--spring.datasource.password=" + db.password())) {
                assertState(relstorage(app), RelStorageState.REFUSED);
            }
        }
    }

    private static void assertState(JsonNode component, RelStorageState state) throws Exception {
        assertThat(component.path("status").asString()).isEqualTo("DOWN");
        assertThat(component.path("details").path("state").asString()).isEqualTo(state.detail());
        Set<String> documented = README_ROW
                .matcher(Files.readString(Path.of("README.md")))
                .results()
                .map(r -> r.group(1))
                .collect(Collectors.toSet());
        assertThat(documented).contains(state.detail());
    }

    private static List<ILoggingEvent> warnings(ListAppender<ILoggingEvent> log) {
        synchronized (log) {
            return log.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .filter(e -> !e.getLoggerName().endsWith("ApiSecurity"))
                    // the JVM may hold other tests' cached contexts, whose pools complain of their dropped databases
                    .filter(e -> !e.getThreadName().startsWith("HikariPool-")
                            && !(e.getLoggerName().startsWith("com.zaxxer")
                                    && !e.getFormattedMessage().contains(POOL)))
                    .toList();
        }
    }

    private static ConfigurableApplicationContext start(String... settings) {
        String[] args = Arrays.copyOf(settings, settings.length + 4);
        args[settings.length] = "--server.port=0";
        args[settings.length + 1] = "--management.server.port=0";
        args[settings.length + 2] = "--packer.collector.enabled=false";
        args[settings.length + 3] = "--spring.main.banner-mode=off";
        return new SpringApplication(PackerApplication.class).run(args);
    }

    private static JsonNode relstorage(ConfigurableApplicationContext app) throws Exception {
        return RelStorageHealthTest.relstorageComponent(app.getEnvironment().getProperty("local.management.port"));
    }
}
