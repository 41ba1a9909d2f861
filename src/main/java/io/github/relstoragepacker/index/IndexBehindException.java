package io.github.relstoragepacker.index;

/** The index is further behind than a catch-up under RelStorage's commit lock may cost; poll first. */
public final class IndexBehindException extends RuntimeException {

    IndexBehindException(int maxRows) {
        super("more than " + maxRows + " states to catch up with; the commit lock is not held for that long");
    }
}
