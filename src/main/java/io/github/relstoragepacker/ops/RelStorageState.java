package io.github.relstoragepacker.ops;

import java.util.Locale;

/**
 * Why the {@code relstorage} health component is DOWN, as its {@code state} detail says. README.md's
 * "Troubleshooting by health state" table has one row per constant, which a test holds it to.
 */
enum RelStorageState {
    /** No connection: the detail names the server, database and role tried and what to check. */
    UNREACHABLE,
    /** Not a database we collect: history-preserving, not RelStorage, or an unknown commit lock. */
    REFUSED,
    /** The role lacks a privilege collection needs: the detail names the GRANT that adds it. */
    MISSING_GRANT,
    /** The configured blob directory has not proved to be this database's. */
    BLOB_REMOVAL_ON_HOLD;

    /** The value of the {@code state} detail, as README.md shows it. */
    String detail() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
