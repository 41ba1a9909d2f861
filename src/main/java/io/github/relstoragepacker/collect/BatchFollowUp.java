package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import io.github.relstoragepacker.index.GarbageBatch;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What follows the commit of deletion batches, for the objects of the journal {@code packer.deleted}
 * as read at its start: those with an oid directory (all of them while blob removal is on hold) enter
 * the blob outbox in a flushed commit, which also makes their deletion durable before any file goes;
 * the index forgets exactly those journal rows ({@link IndexMaintainer#forgetDeleted}); the outbox's
 * files go. Rows a batch commits meanwhile stay in the journal for the next follow-up, so nothing
 * deleted is ever dropped from the journal unforgotten, nor forgotten without its outbox row.
 *
 * <p><b>Beside the next batch</b> ({@link #startBeside}): the collector's thread, holding the index's
 * write lock for its next batch, lets a helper thread do the follow-up on a connection of its own while
 * it chooses and deletes that batch. The helper is the only writer of the index meanwhile: the
 * collector's thread waits for it ({@link #awaitWithin}) before it writes the index itself (a catch-up,
 * a reconciliation) and before it releases the lock, at the end of the batch or to back off from a
 * busy commit lock ({@link CommitFence#acquire}); the helper checks that it still holds it. What it does meanwhile only reads the index or
 * writes rows the follow-up never touches: a cycle batch's choice takes candidates after the cursor,
 * and the follow-up forgets objects at or before it, each object's rows going in one transaction, so
 * every statement sees a deleted object either wholly indexed (unreachable, its edges ignored) or not
 * at all; the deletion writes {@code object_state} and journal rows of other zoids. A cascade's choice
 * reads the unreferenced set, which forgetting changes, so it runs the follow-up first ({@link #now}).
 *
 * <p>What the follow-ups did adds up until the collector {@linkplain #take takes} it.
 */
final class BatchFollowUp implements AutoCloseable {

    /** What one follow-up did: the objects the index forgot, by class, and the blob files removed. */
    record Done(Map<String, ClassTotal> classes, long files) {}

    private final DataSource dataSource;
    private final IndexMaintainer index;
    private final boolean blobDirectory;
    private final @Nullable BlobOutbox outbox;
    private final Map<String, ClassTotal> classes = new HashMap<>();
    private long files;
    private final ExecutorService helper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "packer-batch-follow-up");
        t.setDaemon(true);
        return t;
    });
    private final Runnable beside;
    private boolean due;
    private @Nullable Future<Done> running;

    /**
     * @param blobDirectory whether a shared blob directory is configured
     * @param outbox its outbox, or null while blob removal is on hold (then every journal object enters
     *     the outbox table, to be dealt with once the directory is proven)
     * @param beside runs on the helper thread before each follow-up there (a test seam)
     */
    BatchFollowUp(
            DataSource dataSource,
            IndexMaintainer index,
            boolean blobDirectory,
            @Nullable BlobOutbox outbox,
            Runnable beside) {
        this.dataSource = dataSource;
        this.index = index;
        this.blobDirectory = blobDirectory;
        this.outbox = outbox;
        this.beside = beside;
    }

    /** A batch committed: its journal rows wait for the next follow-up. */
    void committed() {
        due = true;
    }

    /**
     * Follows up now on {@code c}, on the caller's thread, after the one beside (if any) ended; the index's
     * write lock is taken for the forgetting (the caller may hold it already).
     */
    void now(Connection c) throws Exception {
        awaitWithin(HoldDeadline.NONE);
        due = false;
        add(followUp(c, null));
    }

    /**
     * Starts the follow-up of the batches committed since the last one on the helper thread; the caller
     * holds the index's write lock until {@link #awaitWithin} returned.
     */
    void startBeside() throws Exception {
        awaitWithin(HoldDeadline.NONE);
        if (!due) {
            return;
        }
        due = false;
        Thread holder = Thread.currentThread();
        running = helper.submit(() -> {
            beside.run();
            try (Connection c = dataSource.getConnection()) {
                return followUp(c, holder);
            }
        });
    }

    /**
     * Waits for the follow-up beside, if one runs, at most until {@code deadline}; an interruption waits
     * on (the helper writes the index only while the caller holds the lock) and is kept for the caller.
     *
     * @throws SQLException with SQLSTATE 57014 ({@link HoldDeadline#isExpiry}) when the deadline passed
     *     first: the follow-up then still runs, and the caller waits again before releasing the lock
     */
    void awaitWithin(HoldDeadline deadline) throws Exception {
        Future<Done> running = this.running;
        if (running == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    Done done = deadline == HoldDeadline.NONE
                            ? running.get()
                            : running.get(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
                    this.running = null;
                    add(done);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    throw HoldDeadline.expired("the forgetting of the previous batch is still running");
                } catch (ExecutionException e) {
                    this.running = null;
                    // not to be taken for this batch's own failure (an expiry would only shrink it); a lost
                    // connection stays recognisable by its cause, and the journal keeps the rows
                    throw new IllegalStateException(
                            "the follow-up of a committed batch failed (its journal rows stay for the next one): "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The follow-up on {@code c}; on behalf of {@code holder} of the index's write lock, if not null. */
    private Done followUp(Connection c, @Nullable Thread holder) throws Exception {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
            List<long[]> journal = GarbageBatch.journaled(c);
            Map<String, ClassTotal> classes = Map.of();
            if (!journal.isEmpty()) {
                if (blobDirectory) {
                    if (outbox == null) {
                        BlobOutbox.add(c, journal);
                    } else {
                        outbox.addWithDirectories(c, journal);
                    }
                }
                long[] zoids = journal.stream().mapToLong(row -> row[0]).toArray();
                classes =
                        holder != null ? index.forgetDeletedForHolder(c, zoids, holder) : index.forgetDeleted(c, zoids);
            }
            return new Done(classes, outbox == null ? 0 : outbox.process(c));
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** What the follow-ups that ended did since the last call. */
    Done take() {
        Done done = new Done(Map.copyOf(classes), files);
        classes.clear();
        files = 0;
        return done;
    }

    private void add(Done done) {
        done.classes().forEach((name, total) -> classes.merge(name, total, ClassTotal::plus));
        files += done.files();
    }

    /** Waits for the follow-up beside, if one runs, and ends the helper thread. */
    @Override
    public void close() throws Exception {
        try {
            awaitWithin(HoldDeadline.NONE);
        } finally {
            helper.shutdownNow();
        }
    }
}
