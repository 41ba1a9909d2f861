package io.github.relstoragepacker.collect;

/** One attempt at a deletion batch: how it ended, the cursor for the next choice, the objects deleted. */
record Attempt(Ending ending, long cursor, long deleted) {

    /** How an attempt ended. */
    enum Ending {
        DONE,
        NOTHING_LEFT,
        RETRY,
        FENCE_BUSY,
        STOPPED
    }

    static Attempt of(Ending ending, long cursor) {
        return new Attempt(ending, cursor, 0);
    }
}
