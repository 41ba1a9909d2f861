package io.github.relstoragepacker.index;

import java.util.List;

/**
 * What a verification of the index against {@code object_state} found.
 *
 * @param objectsChecked objects recomputed from their stored state
 * @param differenceCount differences found
 * @param differences at most {@value IndexVerifier#MAX_LISTED} of them, each naming the zoid and what differs
 */
public record VerificationReport(long objectsChecked, long differenceCount, List<String> differences) {

    /** Whether the index matched the database exactly. */
    public boolean clean() {
        return differenceCount == 0;
    }
}
