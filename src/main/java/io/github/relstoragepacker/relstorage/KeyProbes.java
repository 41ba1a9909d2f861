package io.github.relstoragepacker.relstorage;

/**
 * Session settings for a transaction whose statements each join a batch of a few thousand rows (a
 * temporary table, an array) to large tables by their keys: object_state, blob_chunk, the index's.
 * Temporary tables have no statistics and unnest is estimated at ten rows, so the planner's guesses
 * soon tip it to a hash or merge join reading a whole large table, or to compiling with JIT for
 * hundreds of milliseconds a statement that runs in a few; under RelStorage's commit lock either
 * would hold Plone's commits. With these, every such join is a nested loop of index probes.
 */
public final class KeyProbes {

    /** {@code SET LOCAL} statements, to send before (or with) the transaction's first statement. */
    public static final String SETTINGS =
            "SET LOCAL jit = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; ";

    private KeyProbes() {}
}
