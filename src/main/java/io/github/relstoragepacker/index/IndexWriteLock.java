package io.github.relstoragepacker.index;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The index's one-writer rule. A writer holds this lock for its transaction (fair, so that neither the
 * poller nor the collector starves the other); the holder may let one helper write on its behalf
 * while it waits for it, and releases the lock only once the helper ended ({@link #requireHeldBy}).
 * Every write runs {@link #exclusively}: two at once, which the lock and the holder's waiting make
 * impossible, are refused rather than let corrupt the index (one transaction could mark an object
 * unreferenced while another adds its referrer, each unseen by the other).
 */
final class IndexWriteLock extends ReentrantLock {

    private final AtomicBoolean writing = new AtomicBoolean();

    IndexWriteLock() {
        super(true);
    }

    /** Fails unless {@code holder} holds the lock: a helper writes only while the thread it helps does. */
    void requireHeldBy(Thread holder) {
        if (getOwner() != holder) {
            throw new IllegalStateException("a helper writes the index only while " + holder.getName()
                    + " holds the index's write lock; it is held by " + getOwner());
        }
    }

    /** Runs one write of the index, refusing it while another runs. */
    <T> T exclusively(Callable<T> write) throws Exception {
        if (!writing.compareAndSet(false, true)) {
            throw new IllegalStateException("two writers of the index at once (the poller, a catch-up, a"
                    + " reconciliation or a forgetting): refused, the index has one writer at a time");
        }
        try {
            return write.call();
        } finally {
            writing.set(false);
        }
    }
}
