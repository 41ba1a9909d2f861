package io.github.relstoragepacker.collect;

/** What a collection run looks for. */
public enum CollectionKind {
    /** Objects without any strong referrer, and what they alone reference. */
    DRAIN,
    /** Everything unreachable from the root, cycles included (a full mark). */
    CYCLES
}
