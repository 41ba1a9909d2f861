package io.github.relstoragepacker.relstorage;

import io.github.relstoragepacker.relstorage.RelStorageDatabase.Kind;
import io.github.relstoragepacker.relstorage.RelStorageDatabase.Privileges;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Recognises a RelStorage database from its catalog, read-only, without touching RelStorage's data.
 *
 * <p>RelStorage keeps no version table, so the generation is read from what each version creates
 * (docs/relstorage.md §1): {@code object_state} on the search path makes it RelStorage; {@code transaction} and
 * {@code current_object} beside it make it history-preserving. The body of {@code lock_and_choose_tid()}
 * tells the row-lock generation (3.0 to 3.5.0a3) from the advisory-lock one (3.5.0a4 and later); it is
 * read first because every RelStorage 3+ rewrites its functions when it opens a database, while a
 * 2.x {@code commit_lock} table survives upgrades. Without that function, {@code commit_lock} means
 * 1.x/2.x. Anything else is reported as unknown, never guessed: the commit lock is what makes deletion
 * safe against concurrent commits.
 */
public final class DatabaseProbe {

    private static final Pattern ADVISORY_COMMIT_LOCK = Pattern.compile("pg_advisory_xact_lock\\s*\\(\\s*-1\\s*\\)");
    private static final Pattern ROW_COMMIT_LOCK =
            Pattern.compile("commit_row_lock.*for\\s+update", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Set<String> HISTORY_FREE_COLUMNS = Set.of("zoid", "tid", "state_size", "state");

    private final JdbcTemplate jdbc;

    public DatabaseProbe(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource must not be null"));
    }

    public RelStorageDatabase probe() {
        String database = jdbc.queryForObject("SELECT current_database()", String.class);
        String role = jdbc.queryForObject("SELECT current_user", String.class);
        String schema = jdbc.query(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.oid = to_regclass('object_state')",
                rs -> rs.next() ? rs.getString(1) : null);
        if (schema == null) {
            return new RelStorageDatabase(
                    database, role, null, Kind.NOT_RELSTORAGE, null, false, false, noPrivileges());
        }
        List<String> tables = jdbc.queryForList(
                "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(?) AND relkind IN ('r', 'p')",
                String.class,
                quoteIdent(schema));
        List<String> stateColumns = jdbc.queryForList(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped",
                String.class,
                qualified(schema, "object_state"));
        Kind kind = classify(tables, stateColumns);
        if (kind != Kind.HISTORY_FREE) {
            return new RelStorageDatabase(database, role, schema, kind, null, false, false, noPrivileges());
        }
        String blobChunk = qualified(schema, "blob_chunk");
        boolean hasBlobChunk = tables.contains("blob_chunk");
        LockGeneration generation = generation(schema, tables);
        Privileges privileges = privileges(schema, hasBlobChunk, generation);
        boolean blobsInDatabase = hasBlobChunk
                && privileges.readBlobChunks()
                && Boolean.TRUE.equals(
                        jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM " + blobChunk + ")", Boolean.class));
        boolean blobChunkIndexed = hasBlobChunk
                && Boolean.TRUE.equals(jdbc.queryForObject(
                        "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a"
                                + " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                                + " WHERE i.indrelid = to_regclass(?) AND a.attname = 'chunk')",
                        Boolean.class,
                        blobChunk));
        return new RelStorageDatabase(
                database, role, schema, kind, generation, blobsInDatabase, blobChunkIndexed, privileges);
    }

    private static Kind classify(List<String> tables, List<String> stateColumns) {
        if (tables.contains("current_object") || tables.contains("transaction") || stateColumns.contains("prev_tid")) {
            return Kind.HISTORY_PRESERVING;
        }
        return stateColumns.containsAll(HISTORY_FREE_COLUMNS) ? Kind.HISTORY_FREE : Kind.NOT_RELSTORAGE;
    }

    private @Nullable LockGeneration generation(String schema, List<String> tables) {
        List<String> bodies = jdbc.queryForList(
                "SELECT prosrc FROM pg_proc WHERE proname = 'lock_and_choose_tid' AND pronamespace = to_regnamespace(?)",
                String.class,
                quoteIdent(schema));
        if (bodies.isEmpty()) {
            return tables.contains("commit_lock") ? LockGeneration.TABLE_LOCK : null;
        }
        if (bodies.size() > 1) {
            return null;
        }
        String body = bodies.get(0);
        if (ADVISORY_COMMIT_LOCK.matcher(body).find()) {
            return LockGeneration.ADVISORY_LOCK;
        }
        return ROW_COMMIT_LOCK.matcher(body).find() ? LockGeneration.ROW_LOCK : null;
    }

    private Privileges privileges(String schema, boolean hasBlobChunk, @Nullable LockGeneration generation) {
        String state = qualified(schema, "object_state");
        String blobChunk = qualified(schema, "blob_chunk");
        List<String> missingLockGrants = generation == null ? List.of() : missingLockGrants(schema, generation);
        return jdbc.queryForObject(
                "SELECT has_table_privilege(?, 'SELECT'), has_table_privilege(?, 'DELETE'),"
                        + " ? AND has_table_privilege(?, 'SELECT'),"
                        + " CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                        + "   OR current_setting('lo_compat_privileges') = 'on' THEN 0"
                        + " ELSE (SELECT count(*) FROM pg_largeobject_metadata"
                        + "   WHERE NOT pg_has_role(lomowner, 'USAGE')) END",
                (rs, row) -> new Privileges(
                        rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getLong(4), missingLockGrants),
                state,
                state,
                hasBlobChunk,
                hasBlobChunk ? blobChunk : state);
    }

    /**
     * What the collector's lock statements need (see {@code CommitFence} and the row pre-locks): {@code
     * SELECT ... FOR UPDATE} on {@code commit_row_lock} (every 3.x+ generation, as RelStorage's {@code
     * restore()} path takes it) and, before 3.5.0a4, on {@code object_state} rows; {@code LOCK TABLE
     * commit_lock IN EXCLUSIVE MODE} on 1.x/2.x. Both need UPDATE; {@code FOR UPDATE} SELECT as well.
     */
    private List<String> missingLockGrants(String schema, LockGeneration generation) {
        List<String> missing = new ArrayList<>();
        if (generation == LockGeneration.TABLE_LOCK) {
            String commitLock = qualified(schema, "commit_lock");
            if (!hasPrivilege(commitLock, "UPDATE")) {
                missing.add("UPDATE ON " + commitLock);
            }
            return missing;
        }
        String commitRowLock = qualified(schema, "commit_row_lock");
        if (!hasPrivilege(commitRowLock, "SELECT") || !hasPrivilege(commitRowLock, "UPDATE")) {
            missing.add("SELECT, UPDATE ON " + commitRowLock);
        }
        String state = qualified(schema, "object_state");
        if (generation == LockGeneration.ROW_LOCK
                && !Boolean.TRUE.equals(
                        jdbc.queryForObject("SELECT has_any_column_privilege(?, 'UPDATE')", Boolean.class, state))) {
            missing.add("UPDATE (zoid) ON " + state);
        }
        return missing;
    }

    private boolean hasPrivilege(String table, String privilege) {
        // null, hence false, for a missing table
        return Boolean.TRUE.equals(
                jdbc.queryForObject("SELECT has_table_privilege(to_regclass(?), ?)", Boolean.class, table, privilege));
    }

    private static Privileges noPrivileges() {
        return new Privileges(false, false, false, 0, List.of());
    }

    private static String qualified(String schema, String table) {
        return quoteIdent(schema) + "." + table;
    }

    private static String quoteIdent(String identifier) {
        if (identifier.matches("[a-z_][a-z0-9_$]*")) {
            return identifier;
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
