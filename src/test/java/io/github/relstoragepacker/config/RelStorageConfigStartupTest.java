package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relstoragepacker.PackerApplication;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole service started with nothing but {@code --packer.relstorage-config} pointing at a
 * zodbpack-style file for a real RelStorage database, and refusing to start on a history-preserving one.
 */
class RelStorageConfigStartupTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @TempDir
    Path dir;

    @Test
    void connectsToTheDatabaseTheFileNames() throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs"));
        Path file = zodbpackConf(dsn(db.name()), "keep-history false\n  shared-blob-dir true\n  blob-dir " + blobs);

        try (ConfigurableApplicationContext context = start("--packer.relstorage-config=" + file)) {
            RelStorageDatabase found = context.getBean(TargetDatabase.class).current();

            assertThat(found).isNotNull();
            assertThat(found.database()).isEqualTo(db.name());
            assertThat(found.kind()).isEqualTo(RelStorageDatabase.Kind.HISTORY_FREE);
            assertThat(context.getBean("relstorage", HealthIndicator.class)
                            .health()
                            .getStatus())
                    .isEqualTo(Status.UP);
            assertThat(context.getEnvironment().getProperty("packer.collector.blob-directory"))
                    .isEqualTo(blobs.toString());
        }
    }

    @Test
    void explicitSettingsWinOverTheFile() throws IOException {
        Path explicitBlobs = Files.createDirectories(dir.resolve("explicit"));
        Path file = zodbpackConf(
                dsn("no_such_database"), "keep-history false\n  shared-blob-dir true\n  blob-dir /nowhere");

        try (ConfigurableApplicationContext context = start(
                "--packer.relstorage-config=" + file,
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--packer.collector.blob-directory=" + explicitBlobs)) {
            RelStorageDatabase found = context.getBean(TargetDatabase.class).current();

            assertThat(found).isNotNull();
            assertThat(found.database()).isEqualTo(db.name());
            assertThat(context.getEnvironment().getProperty("packer.collector.blob-directory"))
                    .isEqualTo(explicitBlobs.toString());
        }
    }

    @Test
    void aHistoryPreservingStorageStopsStartupNamingTheFileTheLineAndTheFix() throws IOException {
        Path file = zodbpackConf(dsn(db.name()), "keep-history true");

        assertThatThrownBy(() -> start("--packer.relstorage-config=" + file).close())
                .isInstanceOfSatisfying(RelStorageConfigException.class, e -> {
                    assertThat(e.getMessage())
                            .startsWith("packer.relstorage-config=" + file + ", line 3: ")
                            .contains("history-preserving (keep-history true)")
                            .contains("keep-history false");
                    FailureAnalysis analysis = new RelStorageConfigFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription())
                            .contains("packer.relstorage-config", "File: " + file, "Line: 3");
                    assertThat(analysis.getAction()).contains("history-free databases only");
                });
    }

    @Test
    void anUntranslatableDsnStopsStartup() throws IOException {
        Path file = zodbpackConf("host=/var/run/postgresql dbname=plone", "keep-history false");

        assertThatThrownBy(() -> start("--packer.relstorage-config=" + file).close())
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining(", line 5: ")
                .hasMessageContaining("Unix-domain socket")
                .hasMessageContaining("spring.datasource.url");
    }

    private static ConfigurableApplicationContext start(String... args) {
        String[] all = Stream.concat(Arrays.stream(args), Stream.of("--server.port=0", "--management.server.port=0"))
                .toArray(String[]::new);
        return SpringApplication.run(PackerApplication.class, all);
    }

    private Path zodbpackConf(String dsn, String storageKeys) throws IOException {
        Path file = dir.resolve("zodbpack.conf");
        Files.writeString(file, """
                %%import relstorage
                <relstorage>
                  %s
                  <postgresql>
                    dsn %s
                  </postgresql>
                </relstorage>
                """.formatted(storageKeys, dsn.replace("$", "$$")));
        return file;
    }

    /** A libpq connection string for {@code database} on the test server. */
    private static String dsn(String database) {
        URI uri = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        String user = db.username().isEmpty() ? query(uri, "user") : db.username();
        String password = db.password().isEmpty() ? query(uri, "password") : db.password();
        return "host=%s port=%d dbname=%s user=%s%s"
                .formatted(
                        uri.getHost(),
                        uri.getPort() < 0 ? 5432 : uri.getPort(),
                        database,
                        user,
                        password.isEmpty()
                                ? ""
                                : " password='" + password.replace("\\", "\\\\").replace("'", "\\'") + "'");
    }

    private static String query(URI uri, String name) {
        if (uri.getQuery() != null) {
            for (String pair : uri.getQuery().split("&")) {
                if (pair.startsWith(name + "=")) {
                    return pair.substring(name.length() + 1);
                }
            }
        }
        return "";
    }
}
