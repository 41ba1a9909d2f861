package io.github.relstoragepacker.testsupport;

import io.github.relstoragepacker.relstorage.LockGeneration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The schemas RelStorage creates on PostgreSQL, one per generation, as SQL files under {@code
 * src/test/resources/relstorage-schema} (see the README there for their provenance and how each was
 * checked against RelStorage's own installer).
 */
public enum RelStorageSchema {
    /** History-free, RelStorage 1.x/2.x: {@code LOCK TABLE commit_lock}. */
    HISTORY_FREE_TABLE_LOCK("hf-legacy.sql", LockGeneration.TABLE_LOCK),
    /** History-free, RelStorage 3.0 to 3.5.0a3: {@code commit_row_lock FOR UPDATE}. */
    HISTORY_FREE_ROW_LOCK("hf-rowlock.sql", LockGeneration.ROW_LOCK),
    /** History-free, RelStorage 3.5.0a4 to 4.2: advisory locks -1 (commit) and -2 (pack). */
    HISTORY_FREE_ADVISORY_LOCK("hf-advisory.sql", LockGeneration.ADVISORY_LOCK),
    /** History-preserving, RelStorage 4.2: only for tests that must be refused. */
    HISTORY_PRESERVING("hp-advisory.sql", null);

    private final String file;
    private final @Nullable LockGeneration generation;

    RelStorageSchema(String file, @Nullable LockGeneration generation) {
        this.file = file;
        this.generation = generation;
    }

    /** The lock generation of a history-free schema; null for the history-preserving one. */
    public @Nullable LockGeneration generation() {
        return generation;
    }

    String ddl() {
        String resource = "/relstorage-schema/" + file;
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream(resource), resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
