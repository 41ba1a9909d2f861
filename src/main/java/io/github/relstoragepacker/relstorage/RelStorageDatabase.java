package io.github.relstoragepacker.relstorage;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link DatabaseProbe} found in the target database.
 *
 * @param database the database name
 * @param role the role we are connected as
 * @param schema the schema holding RelStorage's tables, or null when there is no {@code object_state}
 * @param kind history-free, history-preserving, or not RelStorage at all
 * @param generation the lock generation, or null when it could not be recognised (or is irrelevant)
 * @param blobsInDatabase whether {@code blob_chunk} holds rows (blobs stored as large objects); when
 *     false, blobs, if any, live in a shared blob directory
 * @param blobChunkIndexed whether an index leads with {@code blob_chunk(chunk)}; without one, every
 *     deleted blob row makes RelStorage's delete trigger scan the whole table
 * @param privileges what our role may do
 */
public record RelStorageDatabase(
        String database,
        String role,
        @Nullable String schema,
        Kind kind,
        @Nullable LockGeneration generation,
        boolean blobsInDatabase,
        boolean blobChunkIndexed,
        Privileges privileges) {

    /** The storage layout RelStorage created. */
    public enum Kind {
        HISTORY_FREE,
        HISTORY_PRESERVING,
        NOT_RELSTORAGE
    }

    /**
     * The privileges collection needs.
     *
     * @param readState SELECT on {@code object_state}
     * @param deleteState DELETE on {@code object_state}
     * @param readBlobChunks SELECT on {@code blob_chunk}
     * @param foreignLargeObjects large objects our role neither owns nor may unlink for another
     *     reason (superuser, {@code lo_compat_privileges}); 0 when every one may be unlinked
     * @param missingLockGrants the privileges the generation's lock statements need and our role lacks
     *     (docs/relstorage.md §2: {@code FOR UPDATE} needs UPDATE, {@code LOCK TABLE ... EXCLUSIVE} needs UPDATE), as
     *     what to grant, one GRANT statement's privileges and object each; empty when none is missing
     */
    public record Privileges(
            boolean readState,
            boolean deleteState,
            boolean readBlobChunks,
            long foreignLargeObjects,
            List<String> missingLockGrants) {

        public boolean mayUnlinkLargeObjects() {
            return foreignLargeObjects == 0;
        }
    }

    /** Whether the index may be built from this database (reading only). */
    public boolean readable() {
        return kind == Kind.HISTORY_FREE && generation != null && privileges.readState();
    }

    /** The problems that forbid reading, in sentences naming what was found and the fix; empty when none. */
    public List<String> readProblems() {
        List<String> problems = new ArrayList<>();
        switch (kind) {
            case NOT_RELSTORAGE ->
                problems.add(("Database %s is not a RelStorage database: no table object_state"
                                + " with RelStorage's columns is on the search path of role %s. relstorage-packer"
                                + " collects history-free RelStorage databases on PostgreSQL: point"
                                + " spring.datasource.url at the database your RelStorage <postgresql> dsn names.")
                        .formatted(database, role));
            case HISTORY_PRESERVING ->
                problems.add(("Database %s is a history-preserving RelStorage database"
                                + " (schema %s has the tables transaction and current_object). relstorage-packer"
                                + " supports only history-free databases (keep-history false); pack this one with"
                                + " RelStorage's zodbpack.")
                        .formatted(database, schema));
            case HISTORY_FREE -> {
                if (generation == null) {
                    problems.add(("Database %s is a history-free RelStorage database, but its commit lock is"
                                    + " not one relstorage-packer knows: there is no commit_lock table and"
                                    + " lock_and_choose_tid() takes neither pg_advisory_xact_lock(-1) nor"
                                    + " commit_row_lock FOR UPDATE. Supported: schemas created by RelStorage 1.x"
                                    + " to 4.2. Without the commit lock nothing can be deleted safely.")
                            .formatted(database));
                }
                if (!privileges.readState()) {
                    problems.add("Role %s may not read %s.object_state: GRANT SELECT ON %s.object_state TO %s;"
                            .formatted(role, schema, schema, role));
                }
            }
        }
        return problems;
    }

    /** The problems that forbid deleting garbage (including those of {@link #readProblems()}). */
    public List<String> collectProblems() {
        List<String> problems = readProblems();
        if (kind != Kind.HISTORY_FREE) {
            return problems;
        }
        if (!privileges.deleteState()) {
            problems.add("Role %s may not delete from %s.object_state: GRANT DELETE ON %s.object_state TO %s;"
                    .formatted(role, schema, schema, role));
        }
        for (String grant : privileges.missingLockGrants()) {
            problems.add(("Role %s may not take a lock RelStorage's commits take, which every deletion batch"
                            + " takes to fence them off: GRANT %s TO %s;")
                    .formatted(role, grant, role));
        }
        if (blobsInDatabase && !privileges.readBlobChunks()) {
            problems.add("Role %s may not read %s.blob_chunk: GRANT SELECT ON %s.blob_chunk TO %s;"
                    .formatted(role, schema, schema, role));
        }
        if (blobsInDatabase && !privileges.mayUnlinkLargeObjects()) {
            problems.add(("Role %s may not unlink %d of the database's large objects (blob data), so deleting"
                            + " their blob_chunk rows would fail (relstorage#505). Connect as the role that owns"
                            + " them (the one Plone's RelStorage uses), or make %s a member of it.")
                    .formatted(role, privileges.foreignLargeObjects(), role));
        }
        return problems;
    }

    /**
     * Refuses collection on a database it would not be safe or possible to collect.
     *
     * @throws UnsupportedDatabaseException naming every problem found and its fix
     */
    public void requireCollectable() {
        List<String> problems = collectProblems();
        if (!problems.isEmpty()) {
            throw new UnsupportedDatabaseException("Refusing to collect garbage: " + String.join(" ", problems));
        }
    }

    /** What costs performance without being wrong, with the statement that fixes it; empty when nothing. */
    public List<String> warnings() {
        if (blobsInDatabase && !blobChunkIndexed) {
            return List.of("blob_chunk(chunk) has no index: every deleted blob makes RelStorage's delete trigger"
                    + " scan the whole blob_chunk table, so deleting blobs takes time proportional to all blobs for"
                    + " each one. Add the index with: CREATE INDEX CONCURRENTLY blob_chunk_chunk ON " + schema
                    + ".blob_chunk (chunk);");
        }
        return List.of();
    }

    /** One line for logs and status. */
    public String summary() {
        return switch (kind) {
            case NOT_RELSTORAGE -> "database %s: not a RelStorage database".formatted(database);
            case HISTORY_PRESERVING ->
                "database %s: history-preserving RelStorage (schema %s), not supported".formatted(database, schema);
            case HISTORY_FREE ->
                "database %s: history-free RelStorage (schema %s), %s, blobs %s%s"
                        .formatted(
                                database,
                                schema,
                                generation == null ? "unrecognised commit lock" : generation.description(),
                                blobsInDatabase ? "in the database" : "not in the database (shared blob dir or none)",
                                blobsInDatabase && !blobChunkIndexed ? ", blob_chunk(chunk) not indexed" : "");
        };
    }
}
