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

    /**
     * The class id of {@code ZODB.blob.Blob} in {@code packer.object}: fixed, so that the partial index
     * {@code packer.object_blob} finds blob records without reading the whole index (migration V6). Use
     * it as a literal in SQL: a partial index serves only a predicate the planner can match.
     */
    public static final int BLOB_CLASS_ID = -1;

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
