package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Schema {@code packer} is migrated by Flyway only when it is behind: the shortcut that skips Flyway
 * must know the newest migration, or a schema one version behind would never get it.
 */
class IndexSchemaTest {

    private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.*\\.sql");

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void theShortcutKnowsTheNewestMigration() throws IOException {
        int newest;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/packer"))) {
            newest = files.map(f -> MIGRATION.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1)))
                    .max()
                    .orElseThrow();
        }
        assertThat(IndexSchema.CURRENT_VERSION).isEqualTo(String.valueOf(newest));
    }

    @Test
    void aSchemaBehindIsMigratedAndACurrentOneIsLeftAsItIs() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        IndexSchema.migrate(db.dataSource());
        // as a schema of the version before the newest would look
        jdbc.execute("DELETE FROM packer.flyway_schema_history WHERE version = '" + IndexSchema.CURRENT_VERSION + "'");
        jdbc.execute("ALTER TABLE packer.progress DROP COLUMN last_mark_tid, DROP COLUMN reconciled_at");

        IndexSchema.migrate(db.dataSource());

        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'packer'"
                                + " AND table_name = 'progress' AND column_name = 'last_mark_tid'",
                        Long.class))
                .isEqualTo(1);
        long applied = jdbc.queryForObject("SELECT count(*) FROM packer.flyway_schema_history", Long.class);
        IndexSchema.migrate(db.dataSource());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM packer.flyway_schema_history", Long.class))
                .isEqualTo(applied);
    }

    @Test
    void anOperatorsPauseOutlivesTheMigrationThatGivesItATableOfItsOwn() {
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        jdbc.execute("DROP SCHEMA IF EXISTS packer CASCADE");
        flyway().target("10").load().migrate();
        jdbc.execute("UPDATE packer.progress SET paused_at = '2026-11-30 12:00Z', paused_by = 'ops on call'");

        IndexSchema.migrate(db.dataSource());

        assertThat(jdbc.queryForObject("SELECT paused_by FROM packer.pause", String.class))
                .isEqualTo("ops on call");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'packer'"
                                + " AND table_name = 'progress' AND column_name LIKE 'paused%'",
                        Long.class))
                .isZero();
    }

    private static FluentConfiguration flyway() {
        return Flyway.configure()
                .dataSource(db.dataSource())
                .schemas("packer")
                .createSchemas(true)
                .locations("classpath:db/packer")
                .table("flyway_schema_history");
    }
}
