package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.Eligibility;
import io.github.relstoragepacker.index.GarbageBatch;
import io.github.relstoragepacker.index.GarbageSets;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexWatermark;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import io.github.relstoragepacker.relstorage.KeyProbes;
import io.github.relstoragepacker.relstorage.LockGeneration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deletion batch on a run's connection, in two halves.
 *
 * <p><b>Choice</b> ({@link #choose}, outside RelStorage's commit lock, with the index's write lock
 * held, so the index does not change under it): up to {@code size} objects into the temporary table
 * {@code packer_batch} with the tid and the "unreachable since" the index shows, in zoid order after a
 * cursor, bounded in blob large objects. Either members of the run's cycle candidates ({@code
 * packer_candidate}, a subset of {@code packer.unreachable}), or a <i>cascade</i>: unreferenced objects
 * old enough (roots), and below them every object whose only referrer is already in the batch, so a
 * chain or a tree goes in one batch rather than one level per batch. A cascade member inherits its
 * root's time: it became unreachable when its only referrer did.
 *
 * <p><b>Deletion</b> ({@link #delete}, inside one transaction holding the commit lock, every statement
 * within the batch's {@link HoldDeadline}):
 *
 * <ol>
 *   <li>catch the index up with every commit; nothing of the choice is trusted beyond what no commit
 *       since could have changed;
 *   <li>if any commit landed since the choice: no object may be quarantined, and every member must
 *       still be as chosen (a root still unreferenced, a cycle candidate still unreachable, both with the
 *       same time; every member with the same tid), or it is kept;
 *   <li>keep every member a voting Plone transaction holds (its advisory lock in 3.5+, read from {@code
 *       pg_locks}; its row lock before, skipped with {@code SKIP LOCKED}): never wait while holding the
 *       commit lock;
 *   <li>whenever something was kept: keep, too, every member referenced from outside the batch (other
 *       than from {@code packer.unreachable}, which no reachable object references) or by a kept member,
 *       and everything those reach inside the batch. What is left has no referrer outside the batch but
 *       garbage, and does not contain the root: it is unreachable;
 *   <li>delete with {@code (zoid, tid)} as verified, recording the deleted objects in the journal {@code
 *       packer.deleted} in the same statement ({@link GarbageBatch#journalOf}); a difference in count
 *       rolls the batch back.
 * </ol>
 *
 * The commit ends the hold. The {@link BatchFollowUp} forgets the journal's objects from the index
 * afterwards; beside the next cycle batch, it forgets objects at or before that batch's cursor, each
 * in one transaction with its edges, which the choice and the checks above see either wholly (an
 * unreachable referrer, ignored) or not at all; a catch-up waits for it.
 */
final class DeletionBatch {

    /**
     * What the choice found: {@code count} objects, the cursor for the next choice, the watermark seen;
     * {@code kept} members were taken out again by a {@linkplain #refresh refresh}.
     */
    record Choice(int count, long cursor, long watermark, long kept) {}

    /**
     * Sent with the first statement under the commit lock. Each statement there joins the batch to a
     * large table by its key: once a batch is large enough, a hash or merge join is estimated cheaper
     * than the probes and would read all of object_state (or of the index tables) under the lock. A
     * deletion lost with the server's last moments only brings garbage back, with its journal rows: no
     * flush under the commit lock (blob files are removed only after a later, flushed commit).
     */
    private static final String FENCE_SETTINGS = KeyProbes.SETTINGS + "SET LOCAL synchronous_commit = off; ";

    /**
     * What the deletion did: {@code selected} members chosen, {@code deleted} of them deleted, {@code
     * changed} and {@code locked} kept; the watermark the index was caught up to under the lock, and the
     * sessions found queued behind the batch.
     */
    record Deleted(
            long selected,
            long deleted,
            long bytes,
            long largeObjects,
            long changed,
            long locked,
            long watermark,
            int queued) {

        Deleted withLocked(long count) {
            return new Deleted(selected, deleted, bytes, largeObjects, changed, count, watermark, queued);
        }
    }

    /** The objects of a batch vanished from {@code object_state} behind the index's back: reconcile, retry. */
    static final class VanishedException extends Exception {
        VanishedException(long expected, long deleted) {
            super("deleted " + deleted + " objects where " + expected + " were verified under the commit lock;"
                    + " some vanished behind the index's back (zodbpack, a hand): the batch is rolled back");
        }
    }

    private static final int MAX_CATCH_UP = 20_000;

    /** How long the walk of a cascade may take before the batch falls back to roots alone. */
    static final Duration CASCADE_WALK_LIMIT = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(DeletionBatch.class);

    private final IndexMaintainer index;
    private final CollectorProperties properties;
    private boolean walkCascades = true;

    DeletionBatch(IndexMaintainer index, CollectorProperties properties) {
        this.index = index;
        this.properties = properties;
    }

    /** Chooses the next batch of cycle candidates after {@code cursor}, in one committed transaction. */
    Choice chooseUnreachable(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        return choose(c, () -> GarbageBatch.addCandidates(c, cutoff, cursor, size), cursor, false);
    }

    /**
     * Chooses the next cascade after root {@code cursor}, in one committed transaction. The walk is
     * bounded in time ({@link #CASCADE_WALK_LIMIT}), since the index's write lock, which the poller also
     * needs, is held meanwhile: a walk is one recursion level per statement iteration, and a plan that
     * is wrong for one level is wrong for thousands (a deleted BTree's chain of buckets, each the only
     * referrer of the next). Past the limit this batch and the rest of the run take the old roots alone;
     * what is below them becomes unreferenced when they go, and a later batch takes it.
     */
    Choice chooseCascade(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        if (walkCascades) {
            try {
                return chooseCascadeWalk(c, cutoff, cursor, size);
            } catch (SQLException e) {
                if (!HoldDeadline.isExpiry(e)) {
                    throw e;
                }
                c.rollback();
                walkCascades = false;
                log.info(
                        "Choosing a cascade below the garbage after zoid {} took over {} ms; the batches of this"
                                + " run take the unreferenced objects alone",
                        cursor,
                        CASCADE_WALK_LIMIT.toMillis());
            }
        }
        return choose(c, () -> GarbageBatch.addRoots(c, cutoff, cursor, size), cursor, false);
    }

    private Choice chooseCascadeWalk(Connection c, Eligibility cutoff, long cursor, int size) throws SQLException {
        return choose(c, () -> GarbageBatch.addCascades(c, cutoff, cursor, size), cursor, true);
    }

    /** A statement that fills {@code packer_batch}. */
    private interface Fill {
        void run() throws SQLException;
    }

    private Choice choose(Connection c, Fill fill, long cursor, boolean cascade) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE packer_batch, packer_kept");
            // Temporary tables have no statistics, so estimates pass jit_above_cost and PostgreSQL would
            // spend hundreds of milliseconds compiling statements that run in a few. Every statement here
            // probes the index tables by key for a few thousand rows; a generic plan of the cascade's
            // recursive walk chose a hash anti-join over all of packer.ref, rebuilt at each level of the
            // recursion: a chain of 5,000 bucket objects then took hours instead of 25 ms.
            st.execute(KeyProbes.SETTINGS);
            if (cascade) {
                st.execute("SET LOCAL statement_timeout = " + CASCADE_WALK_LIMIT.toMillis());
            }
        }
        fill.run();
        try (Statement st = c.createStatement()) {
            if (cascade) {
                st.execute("RESET statement_timeout");
            }
            st.execute("UPDATE packer_batch b SET chunks = c.n FROM (SELECT zoid, count(*) AS n FROM blob_chunk"
                    + " WHERE zoid IN (SELECT zoid FROM packer_batch) GROUP BY zoid) c WHERE c.zoid = b.zoid");
        }
        // What the bound on large objects puts off is taken by the next batch, not skipped for this run;
        // a cascade cut that way is closed again, as it is under the fence.
        try (PreparedStatement st = c.prepareStatement("DELETE FROM packer_batch WHERE zoid IN (SELECT zoid FROM"
                + " (SELECT zoid, sum(chunks) OVER (ORDER BY zoid) AS total FROM packer_batch) t WHERE t.total > ?)"
                + " AND zoid > (SELECT min(zoid) FROM packer_batch)")) {
            st.setLong(1, properties.maxLargeObjectsPerTransaction());
            if (st.executeUpdate() > 0) {
                keepReferencedFromOutside(c, HoldDeadline.NONE);
            }
        }
        long next;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT max(zoid) FROM packer_batch WHERE source <> 'c'")) {
            rs.next();
            next = rs.getObject(1) == null ? cursor : rs.getLong(1);
        }
        try (Statement st = c.createStatement()) {
            // the statements under the fence are then planned as index probes of a few thousand rows
            st.execute("ANALYZE packer_batch");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM packer_batch")) {
                rs.next();
                Choice choice = new Choice(rs.getInt(1), next, GarbageBatch.watermark(c), 0);
                c.commit();
                return choice;
            }
        }
    }

    /**
     * The part of the batch under the commit lock, in {@code c}'s open transaction, which holds the lock;
     * the caller commits (or rolls back on any exception). When nothing was committed since the choice,
     * this is two round trips: a look at the index's watermark, and one statement that finds the members
     * a voting transaction holds and, only if there are none, deletes and journals the batch.
     *
     * @throws VanishedException when fewer objects were deleted than verified
     * @throws SQLException with SQLSTATE 57014 when the deadline passed ({@link HoldDeadline#isExpiry}),
     *     also while waiting for {@code followUp} before a catch-up
     */
    Deleted delete(
            Connection c, Choice choice, LockGeneration generation, HoldDeadline deadline, BatchFollowUp followUp)
            throws Exception {
        IndexWatermark now = index.watermark(c, deadline, FENCE_SETTINGS);
        long watermark = now.tid();
        long changed = 0;
        if (now.behind() || watermark != choice.watermark()) {
            // the index has one writer at a time: the follow-up beside, if still running, ends first
            followUp.awaitWithin(deadline);
            watermark = index.catchUp(c, MAX_CATCH_UP, deadline);
            changed = recheck(c, deadline);
        }
        Deleted deleted = deleteUnlessLocked(c, choice, generation, deadline, changed, watermark);
        if (deleted.locked() == 0) {
            return deleted;
        }
        // members a voting transaction holds stay, and so does whatever they reach in the batch
        long locked = keepLocked(c, generation, deadline);
        keepReferencedFromOutside(c, deadline);
        return deleteUnlessLocked(c, choice, generation, deadline, changed, watermark)
                .withLocked(locked);
    }

    /**
     * Brings the choice up to date with the commits since it, outside the commit lock, in a transaction
     * of its own: the index catches up, and members no longer as chosen are kept ({@link #recheck}). The
     * deletion under the lock then only has to look at what lands between this and the lock, usually
     * nothing: that is what keeps the hold short while Plone writes.
     */
    Choice refresh(Connection c, Choice choice, BatchFollowUp followUp) throws Exception {
        IndexWatermark now = index.watermark(c, HoldDeadline.NONE, "");
        if (!now.behind() && now.tid() == choice.watermark()) {
            c.rollback();
            return choice;
        }
        followUp.awaitWithin(HoldDeadline.NONE);
        long watermark = index.catchUp(c, MAX_CATCH_UP, HoldDeadline.NONE);
        long changed = recheck(c, HoldDeadline.NONE);
        c.commit();
        return new Choice((int) (choice.count() - changed), choice.cursor(), watermark, choice.kept() + changed);
    }

    /**
     * After the index caught up with commits since the choice: none may be quarantined, and members no
     * longer as chosen are kept, with whatever they reach in the batch. Returns the number kept.
     */
    private static long recheck(Connection c, HoldDeadline deadline) throws SQLException {
        deadline.limit(c);
        String hold = GarbageSets.quarantineHold(c);
        if (hold != null) {
            throw new IllegalStateException("collection on hold: " + hold);
        }
        long changed = keepChanged(c, deadline);
        if (changed == 0) {
            return 0;
        }
        try (Statement st = c.createStatement();
                ResultSet before = st.executeQuery("SELECT count(*) FROM packer_batch")) {
            before.next();
            long members = before.getLong(1);
            keepReferencedFromOutside(c, deadline);
            try (ResultSet after = st.executeQuery("SELECT count(*) FROM packer_batch")) {
                after.next();
                return changed + members - after.getLong(1);
            }
        }
    }

    /**
     * One statement: the members a voting transaction holds; if there are none, the deletion with {@code
     * (zoid, tid)} as verified and its journal rows; and the sessions queued behind the batch's locks.
     */
    private static Deleted deleteUnlessLocked(
            Connection c, Choice choice, LockGeneration generation, HoldDeadline deadline, long changed, long watermark)
            throws Exception {
        try (Statement st = c.createStatement();
                ResultSet rs = deadline.query(
                        st,
                        "WITH locked AS MATERIALIZED (" + lockedMembers(generation) + "),"
                                + " d AS (DELETE FROM object_state s USING packer_batch b"
                                + " WHERE s.zoid = b.zoid AND s.tid = b.tid AND NOT EXISTS (SELECT 1 FROM locked)"
                                + " RETURNING s.zoid, s.tid, b.since_tid, b.state_size, b.chunks),"
                                + GarbageBatch.journalOf("d")
                                + " SELECT (SELECT count(*) FROM d), (SELECT COALESCE(sum(state_size), 0) FROM d),"
                                + " (SELECT COALESCE(sum(chunks), 0) FROM d), (SELECT count(*) FROM locked),"
                                + " (SELECT count(*) FROM packer_batch), (" + CommitFence.QUEUED + ")")) {
            rs.next();
            long deleted = rs.getLong(1);
            long locks = rs.getLong(4);
            long expected = rs.getLong(5);
            if (locks == 0 && deleted != expected) {
                throw new VanishedException(expected, deleted);
            }
            return new Deleted(
                    choice.count(), deleted, rs.getLong(2), rs.getLong(3), changed, locks, watermark, rs.getInt(6));
        }
    }

    private static long keepChanged(Connection c, HoldDeadline deadline) throws SQLException {
        deadline.limit(c);
        return GarbageBatch.keepChanged(c);
    }

    /** Objects a voting transaction holds are left to it; read, never waited for. */
    private static long keepLocked(Connection c, LockGeneration generation, HoldDeadline deadline) throws SQLException {
        deadline.limit(c);
        try (Statement st = c.createStatement()) {
            return st.executeUpdate("WITH locked AS MATERIALIZED (" + lockedMembers(generation) + "),"
                    + " k AS (DELETE FROM packer_batch b WHERE b.zoid IN (SELECT zoid FROM locked) RETURNING b.zoid)"
                    + " INSERT INTO packer_kept SELECT zoid FROM k");
        }
    }

    /** The members of the batch a voting transaction holds, as a query of their {@code zoid}. */
    private static String lockedMembers(LockGeneration generation) {
        return switch (generation) {
            // 3.5+ takes advisory object locks at vote: read from pg_locks rather than taken, since
            // thousands of advisory locks would fill the lock table
            case ADVISORY_LOCK ->
                "SELECT b.zoid FROM packer_batch b JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 1"
                        + " AND ((l.classid::bigint << 32) | l.objid::bigint) = b.zoid";
            // 3.0 to 3.5.0a3 lock the rows of the objects they rewrite at vote, before the commit lock
            case ROW_LOCK ->
                "WITH lockable AS (SELECT s.zoid FROM object_state s JOIN packer_batch b USING (zoid)"
                        + " FOR UPDATE OF s SKIP LOCKED) SELECT b.zoid FROM packer_batch b"
                        + " WHERE NOT EXISTS (SELECT 1 FROM lockable k WHERE k.zoid = b.zoid)";
            case TABLE_LOCK -> "SELECT zoid FROM packer_batch WHERE false";
        };
    }

    /** {@link GarbageBatch#keepReferencedFromOutside}, within {@code deadline}. */
    private static void keepReferencedFromOutside(Connection c, HoldDeadline deadline) throws SQLException {
        deadline.limit(c);
        GarbageBatch.keepReferencedFromOutside(c);
    }
}
