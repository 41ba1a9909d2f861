package io.github.relstoragepacker.pickle;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The persistent references in one stored ZODB record.
 *
 * @param strong the oids ZODB's {@code referencesf} returns, in pickle order, duplicates kept: the
 *     only references that keep an object alive
 * @param weak oids of every weak reference: {@code persistent.wref.WeakRef}s ({@code ['w', (oid,)]},
 *     and {@code ['w', (oid, db)]}, which also appears in {@code crossDatabase}) and legacy {@code [oid]}
 * @param crossDatabase references into other databases, weak ones included
 * @param className {@code module.Class} of the first {@code GLOBAL} of the class pickle, or null
 */
public record References(
        long[] strong,
        long[] weak,
        List<CrossDatabaseReference> crossDatabase,
        @Nullable String className) {

    static final References NONE = new References(new long[0], new long[0], List.of(), null);
}
