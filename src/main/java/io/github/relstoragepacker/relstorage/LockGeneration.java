package io.github.relstoragepacker.relstorage;

/**
 * How a RelStorage generation serialises commits and packs on PostgreSQL (docs/relstorage.md §2). Whoever
 * deletes objects must take the same locks as RelStorage, in RelStorage's order: pack lock first,
 * then the commit lock.
 */
public enum LockGeneration {
    /** RelStorage 1.x/2.x: {@code LOCK TABLE commit_lock IN EXCLUSIVE MODE}; pack lock advisory key 1. */
    TABLE_LOCK("RelStorage 1.x/2.x (commit_lock table)", 1),
    /** RelStorage 3.0 to 3.5.0a3: {@code SELECT ... FROM commit_row_lock FOR UPDATE}; pack lock key 1. */
    ROW_LOCK("RelStorage 3.0 to 3.5.0a3 (commit_row_lock row lock)", 1),
    /** RelStorage 3.5.0a4 and later: {@code pg_advisory_xact_lock(-1)}; pack lock key -2. */
    ADVISORY_LOCK("RelStorage 3.5.0a4 or later (advisory locks -1/-2)", -2);

    private final String description;
    private final long packLockKey;

    LockGeneration(String description, long packLockKey) {
        this.description = description;
        this.packLockKey = packLockKey;
    }

    /** The RelStorage versions that create this schema, for messages and status. */
    public String description() {
        return description;
    }

    /** The session-level advisory lock key RelStorage's pack takes in this generation. */
    public long packLockKey() {
        return packLockKey;
    }
}
