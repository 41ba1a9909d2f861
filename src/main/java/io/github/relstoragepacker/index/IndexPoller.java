package io.github.relstoragepacker.index;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import io.github.relstoragepacker.relstorage.ObjectStateReader;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Follows new transactions: one poll reads every state with {@code tid > watermark} from one
 * REPEATABLE READ snapshot, in (tid, zoid) order, and applies them in chunks.
 *
 * <p>The watermark written with a chunk is the highest tid all of whose states are in that chunk or
 * an earlier one; it is taken from the snapshot that read the rows, never from a later {@code
 * MAX(tid)}, and tids become visible in tid order (docs/relstorage.md §3), so no later commit can land at or below
 * it. A chunk may end inside a transaction's states (memory stays bounded by the batch size); the
 * watermark then stays below that tid, and a crash re-applies its states, which is harmless.
 */
final class IndexPoller {

    private final DataSource dataSource;
    private final ObjectStateReader reader;
    private final ChangeApplier applier;
    private final LeaderLock leader;
    private final int batchSize;
    private final ReferenceScanner scanner = new ReferenceScanner();

    IndexPoller(
            DataSource dataSource, ObjectStateReader reader, ChangeApplier applier, LeaderLock leader, int batchSize) {
        this.dataSource = dataSource;
        this.reader = reader;
        this.applier = applier;
        this.leader = leader;
        this.batchSize = batchSize;
    }

    /** Reads and applies everything committed since the watermark; returns the number of states applied. */
    long poll() throws Exception {
        try (Connection read = dataSource.getConnection();
                Connection write = dataSource.getConnection()) {
            read.setAutoCommit(false);
            read.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            read.setReadOnly(true);
            write.setAutoCommit(false);
            Chunker chunker = new Chunker(write, IndexState.read(write).watermark());
            write.commit();
            try {
                reader.readChangesSince(read, chunker.watermark, chunker::add);
                chunker.flush(chunker.lastTid);
            } finally {
                read.rollback();
            }
            return chunker.applied;
        }
    }

    /**
     * Applies, inside the caller's transaction, every state committed since the watermark. Meant for a
     * transaction that holds RelStorage's commit lock: no commit can land meanwhile, and each statement
     * of a READ COMMITTED transaction sees every commit before it, so afterwards the index is exact as
     * of now. Refuses (throws) when more than {@code maxRows} states are pending, so the caller's lock
     * is never held for a long catch-up: poll first, then take the lock. Every statement runs within
     * {@code deadline}. Returns the watermark the index is caught up to.
     */
    long catchUpWithin(Connection transaction, int maxRows, HoldDeadline deadline) throws Exception {
        deadline.limit(transaction);
        long watermark = IndexState.read(transaction).watermark();
        deadline.limit(transaction);
        List<ScannedObject> pending = new ArrayList<>();
        long[] last = {watermark};
        reader.readChangesSince(transaction, watermark, row -> {
            if (pending.size() >= maxRows) {
                throw new IndexBehindException(maxRows);
            }
            pending.add(ScannedObject.scan(scanner, row));
            last[0] = Math.max(last[0], row.tid());
        });
        if (!pending.isEmpty()) {
            applier.apply(transaction, pending, last[0], deadline);
        }
        return last[0];
    }

    /** Accumulates rows and applies them a chunk at a time, tracking the highest complete tid. */
    private final class Chunker {
        private final Connection write;
        private final List<ScannedObject> chunk = new ArrayList<>();
        private long watermark;
        private long lastTid;
        private long completeTid;
        private long applied;

        Chunker(Connection write, long watermark) {
            this.write = write;
            this.watermark = watermark;
            this.lastTid = watermark;
            this.completeTid = watermark;
        }

        void add(io.github.relstoragepacker.relstorage.StoredObject row) throws Exception {
            if (row.tid() != lastTid) {
                completeTid = lastTid;
                lastTid = row.tid();
            }
            if (chunk.size() >= batchSize) {
                flush(completeTid);
            }
            chunk.add(ScannedObject.scan(scanner, row));
        }

        void flush(long newWatermark) throws Exception {
            if (chunk.isEmpty()) {
                return;
            }
            leader.requireHeld(write);
            applier.apply(write, chunk, Math.max(watermark, newWatermark), HoldDeadline.NONE);
            write.commit();
            watermark = Math.max(watermark, newWatermark);
            applied += chunk.size();
            chunk.clear();
        }
    }
}
