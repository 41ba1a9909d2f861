package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
        jdbc.execute("ALTER TABLE packer.collection_run DROP COLUMN class_bytes, DROP COLUMN index_seconds,"
                + " DROP COLUMN mark_seconds, DROP COLUMN deletion_seconds, DROP COLUMN housekeeping_seconds,"
                + " DROP COLUMN fence_hold_p99_ms");

        IndexSchema.migrate(db.dataSource());

        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'packer'"
                                + " AND table_name = 'collection_run' AND column_name = 'class_bytes'",
                        Long.class))
                .isEqualTo(1);
        long applied = jdbc.queryForObject("SELECT count(*) FROM packer.flyway_schema_history", Long.class);
        IndexSchema.migrate(db.dataSource());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM packer.flyway_schema_history", Long.class))
                .isEqualTo(applied);
    }
}
