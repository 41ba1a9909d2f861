package io.github.relstoragepacker.index;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates and migrates the index's own schema, {@code packer}, with Flyway and a history table of
 * its own there. Run only by the active instance, once the probe has recognised a history-free
 * RelStorage database, so that a wrong data source is never littered with our tables.
 */
public final class IndexSchema {

    static final String SCHEMA = "packer";

    private IndexSchema() {}

    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .createSchemas(true)
                .locations("classpath:db/packer")
                .table("flyway_schema_history")
                .load()
                .migrate();
    }
}
