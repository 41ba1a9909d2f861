package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.IndexBehindException;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.relstorage.DedicatedSessions;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes garbage from {@code object_state} in short batches while Plone commits.
 *
 * <p>Two kinds of run share one deletion step:
 *
 * <ul>
 *   <li><b>Drain</b>: objects without any strong referrer ({@code packer.unreferenced}), unreachable for
 *       longer than the grace period. Deleting one can leave its targets without referrer; they inherit
 *       its time and follow in the next batches.
 *   <li><b>Cycles</b>: a mark from the root fills {@code packer.unreachable}, which the poller keeps
 *       closed under incoming references. The candidates are its members unreachable for longer than the
 *       grace period, minus everything a younger member reaches (a re-link of the younger member within
 *       its grace would need them). The candidate set is closed under incoming references, so any batch
 *       of it is unreachable.
 * </ul>
 *
 * <p>One deletion batch:
 *
 * <ol>
 *   <li>before the fence, choose candidates as the index says now (old enough, in zoid order, at most
 *       {@code maxLargeObjectsPerTransaction} blob chunks), with the tid and the "unreachable since"
 *       they have there; nothing of this is trusted later;
 *   <li>in one READ COMMITTED transaction (the <b>fence</b>): take RelStorage's commit lock with its
 *       non-blocking form ({@link CommitFence}), so that no Plone commit can land until this
 *       transaction ends; catch the index up with every commit, and check that this instance still
 *       leads and that no object is quarantined;
 *   <li>under the fence, keep every candidate the caught-up index no longer shows as it was chosen
 *       (referenced again or rescued, rewritten, or unreachable since a later time), and every object a
 *       voting Plone transaction holds (its advisory object lock in 3.5+, seen in {@code pg_locks}; its
 *       row lock before, skipped with {@code SKIP LOCKED}): never wait for a lock while holding the
 *       fence;
 *   <li>delete with {@code (zoid, tid)} as verified; any difference rolls the batch back; record the
 *       deleted objects in the journal {@code packer.deleted} (and their blob directories in the
 *       outbox) and commit, which releases the commit lock;
 *   <li>after the commit, remove the journal's objects from the index ({@link
 *       IndexMaintainer#forgetDeleted}); their targets left without referrer become candidates. A crash
 *       before that leaves the journal for the next run or step: the index is only conservative
 *       meanwhile (the deleted objects still count as referrers).
 * </ol>
 *
 * RelStorage's pack lock is held for the whole run, before the commit lock, as RelStorage orders them.
 * The batch size adapts so that the fence is held at most {@code maxFenceHold}, and less while Plone
 * commits queue behind it ({@link #adapt}).
 */
final class Collector {

    private static final Logger log = LoggerFactory.getLogger(Collector.class);
    private static final int MAX_CATCH_UP = 20_000;
    private static final int MIN_BATCH = 20;
    private static final int MAX_BATCH = 20_000;
    private static final String QUERY_CANCELED = "57014";

    private final DataSource dataSource;
    private final DataSource dedicated;
    private final IndexMaintainer index;
    private final CollectorProperties properties;
    private final CollectorMetrics metrics;
    private final BlobDirectoryGuard blobs;
    private final Clock clock;
    private int batchSize = 500;
    private long targetHold;
    private FenceHolds holds = new FenceHolds();
    private Runnable afterMark = () -> {};
    private Runnable beforeFence = () -> {};

    Collector(
            DataSource dataSource,
            IndexMaintainer index,
            CollectorProperties properties,
            CollectorMetrics metrics,
            BlobDirectoryGuard blobs,
            Clock clock) {
        this.dataSource = dataSource;
        this.blobs = blobs;
        this.dedicated = DedicatedSessions.of(dataSource);
        this.index = index;
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
        this.targetHold = properties.maxFenceHold().toNanos() / 2;
    }

    /** Runs one collection of {@code kind} with {@code grace}; the index must be ready and led by us. */
    CollectionResult run(
            CollectionKind kind,
            Duration grace,
            boolean objectTidForUnknownHistory,
            boolean dryRun,
            RelStorageDatabase db,
            CollectionProgress progress)
            throws Exception {
        long cutoffTid = Tids.toTid(clock.instant().minus(grace));
        LockGeneration generation = db.generation();
        if (generation == null || !db.collectProblems().isEmpty()) {
            return CollectionResult.refused(kind, String.join(" ", db.collectProblems()));
        }
        try (Connection c = dataSource.getConnection()) {
            BlobDirectory directory = blobs.verify(c, db.database());
            BlobOutbox outbox = directory == null ? null : new BlobOutbox(directory, metrics);
            Eligibility cutoff = eligibility(c, cutoffTid, objectTidForUnknownHistory, blobs.onHold());
            CollectionResult result = run(c, kind, cutoff, dryRun, generation, outbox, progress);
            if (!cutoff.blobHold()) {
                return result;
            }
            long held = heldBlobGarbage(c);
            blobs.held(held);
            return result.withNote("Blob removal is on hold, %,d garbage objects owning blob files were kept: %s"
                    .formatted(held, blobs.last() == null ? "" : blobs.last().reason()));
        }
    }

    private CollectionResult run(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            boolean dryRun,
            LockGeneration generation,
            @Nullable BlobOutbox outbox,
            CollectionProgress progress)
            throws Exception {
        if (outbox != null) {
            outbox.process(c);
        }
        String hold = holdReason(c);
        if (hold != null) {
            metrics.hold("quarantine");
            log.warn("Collection on hold: {}", hold);
            return CollectionResult.onHold(kind, hold);
        }
        if (kind == CollectionKind.CYCLES || dryRun) {
            progress.step(CollectionProgress.Step.MARKING);
            ReachabilityMark.Result mark = new ReachabilityMark(index).run(c);
            log.info(
                    "Mark: {} of {} objects reachable, {} unreachable",
                    mark.reachable(),
                    mark.objects(),
                    mark.unreachable());
            afterMark.run();
            progress.candidates(prepareCandidates(c, cutoff));
        } else {
            progress.candidates(eligibleUnreferenced(c, cutoff));
        }
        if (dryRun) {
            return dryRun(c, kind);
        }
        try (PackLock pack = PackLock.tryAcquire(dedicated, generation)) {
            if (pack == null) {
                return CollectionResult.packLockBusy(kind, generation.packLockKey());
            }
            progress.step(CollectionProgress.Step.DELETING);
            return deleteInBatches(c, kind, cutoff, new CommitFence(generation), generation, outbox, progress);
        }
    }

    /** Garbage owning blob files (pending in either set), which the hold on blob removal keeps. */
    private static long heldBlobGarbage(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM packer.object o WHERE o.class_id = "
                        + IndexSchema.BLOB_CLASS_ID
                        + " AND (EXISTS (SELECT 1 FROM packer.unreferenced u WHERE u.zoid = o.zoid)"
                        + " OR EXISTS (SELECT 1 FROM packer.unreachable u WHERE u.zoid = o.zoid))"
                        + " AND NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = o.zoid)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String holdReason(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT count(*), min(zoid) FROM packer.quarantine WHERE accepted_at IS NULL")) {
            rs.next();
            long count = rs.getLong(1);
            return count == 0
                    ? null
                    : count + " object(s) cannot be read (first: zoid " + rs.getLong(2) + "); their references are"
                            + " unknown. Fix the object or accept the risk for it; see packer.quarantine.";
        }
    }

    private static Eligibility eligibility(
            Connection c, long cutoff, boolean objectTidForUnknownHistory, boolean blobHold) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(build_since_tid, 0) FROM packer.progress")) {
            rs.next();
            return new Eligibility(cutoff, objectTidForUnknownHistory, rs.getLong(1), blobHold);
        }
    }

    /** Candidates of a cycle run: old enough, and not reached by a younger unreachable object. */
    private static long prepareCandidates(Connection c, Eligibility cutoff) throws SQLException {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_candidate (zoid bigint PRIMARY KEY)");
            st.execute("TRUNCATE packer_candidate");
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer_candidate"
                + " WITH RECURSIVE tainted(zoid) AS ("
                + " SELECT y.zoid FROM packer.unreachable y JOIN packer.object yo USING (zoid)"
                + " WHERE NOT " + cutoff.sql("y", "yo", true)
                + " UNION SELECT t.to_zoid FROM tainted x JOIN packer.object o ON o.zoid = x.zoid"
                + " CROSS JOIN LATERAL unnest(o.refs) AS t(to_zoid) JOIN packer.unreachable u ON u.zoid = t.to_zoid)"
                + " SELECT u.zoid FROM packer.unreachable u JOIN packer.object uo USING (zoid)"
                + " WHERE " + cutoff.sql("u", "uo", true) + cutoff.notHeld("u", "uo") + " AND u.zoid <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM tainted t WHERE t.zoid = u.zoid)")) {
            cutoff.bind(st, cutoff.bind(st, 1));
            long candidates = st.executeUpdate();
            try (Statement analyze = c.createStatement()) {
                analyze.execute("ANALYZE packer_candidate");
            }
            return candidates;
        }
    }

    /** A drain's first estimate: what is old enough now; the cascade below it shows up as it goes. */
    private static long eligibleUnreferenced(Connection c, Eligibility cutoff) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM packer.unreferenced u"
                + " JOIN packer.object o USING (zoid) WHERE " + cutoff.sql("u", "o", false) + cutoff.notHeld("u", "o")
                + " AND u.zoid <> 0")) {
            cutoff.bind(st, 1);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static CollectionResult dryRun(Connection c, CollectionKind kind) throws SQLException {
        Map<String, Long> classes = new LinkedHashMap<>();
        long objects = 0;
        long bytes = 0;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT k.name, count(*), sum(o.state_size)"
                        + " FROM packer_candidate pc JOIN packer.object o USING (zoid) JOIN packer.class k ON k.id = o.class_id"
                        + " GROUP BY k.name ORDER BY count(*) DESC, k.name")) {
            while (rs.next()) {
                classes.put(rs.getString(1).isEmpty() ? "(unknown)" : rs.getString(1), rs.getLong(2));
                objects += rs.getLong(2);
                bytes += rs.getLong(3);
            }
        }
        return CollectionResult.dryRun(kind, objects, bytes, classes);
    }

    private CollectionResult deleteInBatches(
            Connection c,
            CollectionKind kind,
            Eligibility cutoff,
            CommitFence fence,
            LockGeneration generation,
            @Nullable BlobOutbox outbox,
            CollectionProgress progress)
            throws Exception {
        CollectionResult.Builder result = CollectionResult.builder(kind);
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS packer_batch (zoid bigint PRIMARY KEY, tid bigint NOT NULL,"
                    + " since_tid bigint NOT NULL, state_size bigint NOT NULL, chunks bigint NOT NULL DEFAULT 0)");
            c.commit();
        }
        // a batch whose process died between its commit and the index's
        index.forgetDeleted(c);
        long started = System.nanoTime();
        long batches = 0;
        long candidatesAfter = -1;
        holds = new FenceHolds();
        while (true) {
            if (progress.cancelRequested()) {
                CollectionResult cancelled =
                        result.outcome(CollectionResult.Outcome.CANCELLED).build();
                log.info("{}: cancelled after {} objects", kind, cancelled.objects());
                return cancelled;
            }
            Selection selection = select(c, kind, cutoff, candidatesAfter);
            if (selection.count() == 0) {
                return completed(result, kind, batches, started);
            }
            beforeFence.run();
            long waitStart = System.nanoTime();
            int busy = fence.acquire(c, properties.maxFenceWait());
            metrics.fenceWait(System.nanoTime() - waitStart, busy);
            if (busy < 0) {
                c.rollback();
                return result.outcome(CollectionResult.Outcome.FENCE_BUSY).build();
            }
            long held = System.nanoTime();
            Batch batch;
            try {
                batch = deleteOneBatch(c, kind, generation, fence, selection.count(), held);
                c.commit();
            } catch (IndexBehindException e) {
                c.rollback();
                index.maintain();
                continue;
            } catch (FenceOverrun e) {
                c.rollback();
                metrics.overrun();
                log.debug("{}: a batch of {} would have held the commit lock too long; halved", kind, batchSize);
                batchSize = Math.max(MIN_BATCH, batchSize / 2);
                // whatever the catch-up had to read is read again, outside the fence this time
                index.maintain();
                continue;
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
            long holdNanos = System.nanoTime() - held;
            holds.record(holdNanos);
            metrics.fenceHold(holdNanos, batch.queued());
            index.forgetDeleted(c);
            metrics.batch(System.nanoTime() - waitStart, batch.selected());
            adapt(holdNanos, batch);
            // a cycle run walks its candidates once; a drain stops when nothing more could go
            if (kind == CollectionKind.DRAIN && batch.deleted() == 0) {
                return completed(result, kind, batches, started);
            }
            candidatesAfter = selection.last();
            batches++;
            long files = outbox == null ? 0 : outbox.process(c);
            result.add(batch.deleted(), batch.bytes(), batch.largeObjects(), files);
            metrics.deleted(batch.deleted(), batch.bytes(), batch.largeObjects(), files);
            progress.batch(batch.selected(), batch.deleted(), batch.bytes(), batch.largeObjects(), files);
        }
    }

    private CollectionResult completed(
            CollectionResult.Builder result, CollectionKind kind, long batches, long started) {
        CollectionResult done =
                result.outcome(CollectionResult.Outcome.COMPLETED).build();
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info(
                "{}: deleted {} objects in {} batches, {} s ({} objects/s), commit-lock hold p99 {} ms, longest {} ms",
                kind,
                done.objects(),
                batches,
                "%.2f".formatted(seconds),
                "%.0f".formatted(done.objects() / seconds),
                "%.1f".formatted(holds.quantileMillis(0.99)),
                "%.1f".formatted(holds.quantileMillis(1)));
        return done;
    }

    /** The candidates of the next batch: {@code count} of them, the highest zoid {@code last}. */
    private record Selection(int count, long last) {}

    /**
     * Chooses the next batch into {@code packer_batch}, before the fence: what the index says now, in
     * zoid order, bounded in size and in large objects. Nothing here is trusted under the fence, which
     * re-checks every candidate against the index caught up with every commit.
     */
    private Selection select(Connection c, CollectionKind kind, Eligibility cutoff, long candidatesAfter)
            throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE packer_batch");
            // Temporary tables have no statistics, so estimates pass jit_above_cost and PostgreSQL would
            // spend hundreds of milliseconds compiling statements that run in a few.
            st.execute("SET LOCAL jit = off");
        }
        try (PreparedStatement st = c.prepareStatement(
                kind == CollectionKind.DRAIN
                        ? "INSERT INTO packer_batch (zoid, tid, since_tid, state_size)"
                                + " SELECT u.zoid, o.tid, u.since_tid, o.state_size FROM packer.unreferenced u"
                                + " JOIN packer.object o USING (zoid) WHERE " + cutoff.sql("u", "o", false)
                                + cutoff.notHeld("u", "o") + " AND u.zoid <> 0 ORDER BY u.zoid LIMIT ?"
                        : "INSERT INTO packer_batch (zoid, tid, since_tid, state_size)"
                                + " SELECT u.zoid, o.tid, u.since_tid, o.state_size FROM packer_candidate pc"
                                + " JOIN packer.unreachable u USING (zoid) JOIN packer.object o USING (zoid)"
                                + " WHERE " + cutoff.sql("u", "o", true)
                                + " AND u.zoid <> 0 AND pc.zoid > ? ORDER BY pc.zoid LIMIT ?")) {
            int next = cutoff.bind(st, 1);
            if (kind == CollectionKind.DRAIN) {
                st.setInt(next, batchSize);
            } else {
                // candidates are taken in zoid order past the last batch: each is tried once a run
                st.setLong(next, candidatesAfter);
                st.setInt(next + 1, batchSize);
            }
            st.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            st.execute("UPDATE packer_batch b SET chunks = c.n FROM (SELECT zoid, count(*) AS n FROM blob_chunk"
                    + " WHERE zoid IN (SELECT zoid FROM packer_batch) GROUP BY zoid) c WHERE c.zoid = b.zoid");
        }
        // what the bound puts off is taken by the next batch, not skipped for this run
        try (PreparedStatement st = c.prepareStatement("DELETE FROM packer_batch WHERE zoid IN (SELECT zoid FROM"
                + " (SELECT zoid, sum(chunks) OVER (ORDER BY zoid) AS total FROM packer_batch) t WHERE t.total > ?)"
                + " AND zoid > (SELECT min(zoid) FROM packer_batch)")) {
            st.setLong(1, properties.maxLargeObjectsPerTransaction());
            st.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            // the statements under the fence are then planned as index probes of a few thousand rows
            st.execute("ANALYZE packer_batch");
            try (ResultSet rs = st.executeQuery("SELECT count(*), COALESCE(max(zoid), -1) FROM packer_batch")) {
                rs.next();
                Selection selection = new Selection(rs.getInt(1), rs.getLong(2));
                c.commit();
                return selection;
            }
        }
    }

    /**
     * One batch: {@code selected} candidates taken, {@code deleted} of them deleted (the rest were held
     * or changed), {@code queued} sessions found waiting for a lock the batch held, and whether Plone
     * committed since the batch before ({@code ploneWrote}).
     */
    private record Batch(long selected, long deleted, long bytes, long largeObjects, int queued, boolean ploneWrote) {}

    /** The fenced part of a batch: the transaction holds RelStorage's commit lock, and ends with it. */
    private Batch deleteOneBatch(
            Connection c, CollectionKind kind, LockGeneration generation, CommitFence fence, int selected, long held)
            throws Exception {
        try (Statement st = c.createStatement()) {
            // Should anything still make this transaction wait, it fails instead of holding Plone up.
            st.execute("SET LOCAL lock_timeout = '" + properties.maxFenceHold().toMillis() + "ms'");
            st.execute("SET LOCAL jit = off");
            // Each statement joins the batch to a large table by its key. Once a batch is large enough, a
            // hash or merge join is estimated cheaper than the probes and would read all of object_state
            // (or of the index tables) under the commit lock.
            st.execute("SET LOCAL enable_hashjoin = off");
            st.execute("SET LOCAL enable_mergejoin = off");
            if (properties.blobDirectory() == null) {
                // Without blob files to remove after the commit, a deletion lost with the server's last
                // moments only brings garbage back, with its journal rows: no flush under the commit lock.
                st.execute("SET LOCAL synchronous_commit = off");
            }
        }
        boolean ploneWrote = index.catchUp(c, MAX_CATCH_UP) > 0;
        String hold = holdReason(c);
        if (hold != null) {
            throw new IllegalStateException("collection on hold: " + hold);
        }
        long changed;
        long locked = 0;
        try (Statement st = c.createStatement()) {
            // A commit since the choice may have referenced a candidate (it left the set), rewritten it
            // (its tid moved) or dropped and re-added its last referrer (its time moved): keep those.
            String set = kind == CollectionKind.DRAIN ? "packer.unreferenced" : "packer.unreachable";
            changed = st.executeUpdate("DELETE FROM packer_batch b WHERE NOT EXISTS (SELECT 1 FROM " + set + " u"
                    + " JOIN packer.object o USING (zoid) WHERE u.zoid = b.zoid AND u.since_tid = b.since_tid"
                    + " AND o.tid = b.tid)");
            if (generation == LockGeneration.ADVISORY_LOCK) {
                // Objects a voting transaction holds (its advisory object lock, 3.5+) are left to it. Read
                // from pg_locks rather than taken: thousands of advisory locks would fill the lock table.
                locked = st.executeUpdate("DELETE FROM packer_batch b WHERE EXISTS (SELECT 1 FROM pg_locks l"
                        + " WHERE l.locktype = 'advisory' AND l.objsubid = 1"
                        + " AND ((l.classid::bigint << 32) | l.objid::bigint) = b.zoid)");
            }
            if (generation == LockGeneration.ROW_LOCK) {
                // 3.0 to 3.5.0a3 lock the rows of the objects they rewrite at vote, before the commit lock
                locked = st.executeUpdate(
                        "WITH locked AS (SELECT s.zoid FROM object_state s JOIN packer_batch b USING (zoid)"
                                + " FOR UPDATE OF s SKIP LOCKED)"
                                + " DELETE FROM packer_batch b WHERE NOT EXISTS (SELECT 1 FROM locked l WHERE l.zoid = b.zoid)");
            }
        }
        metrics.kept("changed", changed);
        metrics.kept("locked", locked);
        long expected = selected - changed - locked;
        if (expected == 0) {
            return new Batch(selected, 0, 0, 0, fence.queued(c), ploneWrote);
        }
        long deleted;
        long bytes;
        long chunks;
        try (Statement st = c.createStatement()) {
            // The deletion is most of the hold. It gets what is left of the limit, less a tenth for the
            // commit; should the disk be slower than the batch size assumed, the batch is rolled back and
            // halved rather than hold Plone longer (the smallest batch always gets its chance).
            long left = properties.maxFenceHold().toNanos() * 9 / 10 - (System.nanoTime() - held);
            if (batchSize > MIN_BATCH) {
                if (left < 1_000_000) {
                    throw new FenceOverrun();
                }
                st.execute("SET LOCAL statement_timeout = " + left / 1_000_000);
            }
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("WITH d AS (DELETE FROM object_state s USING packer_batch b"
                        + " WHERE s.zoid = b.zoid AND s.tid = b.tid"
                        + " RETURNING s.zoid, s.tid, b.since_tid, b.state_size, b.chunks),"
                        + " journal AS (INSERT INTO packer.deleted (zoid, tid, since_tid)"
                        + " SELECT zoid, tid, since_tid FROM d)"
                        + (properties.blobDirectory() == null
                                ? ""
                                : ", outbox AS (INSERT INTO packer.blob_outbox (zoid, tid)"
                                        + " SELECT zoid, tid FROM d ON CONFLICT DO NOTHING)")
                        + " SELECT count(*), COALESCE(sum(state_size), 0), COALESCE(sum(chunks), 0) FROM d")) {
            rs.next();
            deleted = rs.getLong(1);
            bytes = rs.getLong(2);
            chunks = rs.getLong(3);
        } catch (SQLException e) {
            if (QUERY_CANCELED.equals(e.getSQLState())) {
                throw new FenceOverrun();
            }
            throw e;
        }
        if (deleted != expected) {
            throw new IllegalStateException("deleted " + deleted + " objects where " + expected
                    + " were verified under the commit lock; the batch is rolled back");
        }
        return new Batch(selected, deleted, bytes, chunks, fence.queued(c), ploneWrote);
    }

    /** Test seam: runs between the mark and the choice of candidates, to commit "during the analysis". */
    void afterMark(Runnable hook) {
        afterMark = hook;
    }

    /** Test seam: runs between a batch's choice and its fence, to commit "while the batch waits". */
    void beforeFence(Runnable hook) {
        beforeFence = hook;
    }

    /** A batch's deletion ran out of the time the fence allows it; the batch is rolled back. */
    private static final class FenceOverrun extends Exception {
        FenceOverrun() {
            super(null, null, false, false);
        }
    }

    /** How long the batches of the last run held the commit lock. */
    FenceHolds fenceHolds() {
        return holds;
    }

    /**
     * Sizes the next batch so that its hold would take {@code targetHold} at the rate just seen, growing
     * at most by half at a time: a batch's cost is roughly proportional to its size. The target starts
     * at half the limit, the margin absorbing the variance (blob rows, a slower disk). When Plone
     * commits queued behind a batch, the target halves, down to a sixteenth of the limit; it grows back
     * by a quarter per batch only while Plone does not commit at all. So a busy site meets short holds
     * that stay short, and a quiet one (a pack at night) gets the throughput of long ones. The batch's
     * cost is mostly per object, so short holds cost little throughput.
     */
    private void adapt(long holdNanos, Batch batch) {
        long max = properties.maxFenceHold().toNanos();
        if (batch.queued() > 0) {
            targetHold = Math.max(max / 16, targetHold / 2);
        } else if (!batch.ploneWrote()) {
            targetHold = Math.min(max / 2, targetHold + targetHold / 4);
        }
        double scaled = batchSize * (double) targetHold / Math.max(holdNanos, 1);
        batchSize = (int) Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.min(scaled, batchSize * 1.5)));
    }
}
