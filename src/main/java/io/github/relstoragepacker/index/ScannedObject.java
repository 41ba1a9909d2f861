package io.github.relstoragepacker.index;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.pickle.References;
import io.github.relstoragepacker.pickle.UnreadableRecordException;
import io.github.relstoragepacker.relstorage.StoredObject;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An object as the index records it: its distinct strong references (sorted), or, when its state
 * cannot be read, the reason, in which case its references are unknown.
 */
record ScannedObject(
        long zoid,
        long tid,
        int stateSize,
        @Nullable String className,
        long[] refs,
        @Nullable String unreadable) {

    static ScannedObject scan(ReferenceScanner scanner, StoredObject row) {
        try {
            References references = scanner.scan(row.state());
            return new ScannedObject(
                    row.zoid(),
                    row.tid(),
                    row.state().length,
                    references.className(),
                    distinctSorted(references.strong()),
                    null);
        } catch (UnreadableRecordException e) {
            return new ScannedObject(row.zoid(), row.tid(), row.state().length, null, new long[0], e.getMessage());
        }
    }

    static long[] distinctSorted(long[] oids) {
        if (oids.length < 2) {
            return oids;
        }
        long[] sorted = oids.clone();
        Arrays.sort(sorted);
        int n = 1;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] != sorted[n - 1]) {
                sorted[n++] = sorted[i];
            }
        }
        return n == sorted.length ? sorted : Arrays.copyOf(sorted, n);
    }
}
