package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    /** The newest migration in {@code db/packer}: a schema at this version needs no Flyway run. */
    static final String CURRENT_VERSION = "12";

    private IndexSchema() {}

    /**
     * Brings schema {@code packer} to {@link #CURRENT_VERSION}. A schema already there costs one query:
     * Flyway (hundreds of classes, a lock and a validation of every migration) runs only when there is
     * something to migrate, or something for it to refuse (a failed migration, a newer schema). Callers
     * in one JVM take turns (a command and the index's thread both migrate at start): the second finds
     * the schema current instead of running Flyway again behind the first's lock.
     */
    public static synchronized void migrate(DataSource dataSource) {
        if (current(dataSource)) {
            return;
        }
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .createSchemas(true)
                .locations("classpath:db/packer")
                .table("flyway_schema_history")
                .load()
                .migrate();
    }

    private static boolean current(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('packer.flyway_schema_history') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return false;
            }
            try (ResultSet versions = st.executeQuery("SELECT bool_and(success) AND max(version::int) = "
                    + CURRENT_VERSION + " FROM packer.flyway_schema_history WHERE version IS NOT NULL")) {
                return versions.next() && versions.getBoolean(1);
            }
        } catch (SQLException e) {
            // Flyway tells what is wrong better than this shortcut could
            return false;
        }
    }
}
