package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.ConnectionTarget;
import io.github.relstoragepacker.relstorage.HoldDeadline;
import io.github.relstoragepacker.relstorage.ObjectStateReader;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the index up to date, one step at a time: wait for a readable history-free database, become
 * the active instance (or stay a standby), migrate our schema, build the index if it was never
 * completed, then poll; every {@code reconcile-interval}, drop vanished objects.
 *
 * <p>Every step is idempotent and restartable: a failure is logged and the next step starts over from
 * what the database says, never from what this process remembers. Steps are driven by a thread of
 * their own ({@link IndexPolling}), never waiting for the collector longer than one deletion batch.
 *
 * <p>The index is written by one transaction at a time: every writer holds {@link #writes()} for its
 * transaction (a step of this maintainer, a deletion batch from its choice to its commit, the
 * forgetting of deleted objects, the recording of a mark), or writes on behalf of the thread that holds
 * it, which waits for it before writing itself ({@link #forgetDeletedForHolder}). So a batch's catch-up under RelStorage's
 * commit lock never meets a poll half applied, and a poll never applies a state older than one the
 * collector applied.
 *
 * <p>For the collector, it also offers the two index operations around a deletion: {@link #catchUp}
 * inside the deleting transaction, under RelStorage's commit lock, and {@link #forgetDeleted} right
 * after its commit (and, for a batch whose process died in between, at the collector's next start).
 */
@Component
public class IndexMaintainer {

    /** Where the index stands, as of the last step. */
    public enum Phase {
        /** No readable history-free RelStorage database yet. */
        WAITING_FOR_DATABASE,
        /** Another instance holds the leader lock; this one reads nothing and waits. */
        STANDBY,
        /** The initial build is reading {@code object_state}. */
        BUILDING,
        /** Reading the transactions committed since the watermark, after a start or a long pause. */
        CATCHING_UP,
        /** Caught up with every committed transaction as of the last step. */
        READY;

        /** The phase in words, as status, health and the command line show it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** The advisory lock key whose holder is the active instance. */
    public static final long LEADER_LOCK_KEY = LeaderLock.KEY;

    private static final long CATCHING_UP_AFTER_MILLIS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(IndexMaintainer.class);

    private final TargetDatabase target;
    private final DataSource dataSource;
    private final ConnectionTarget connection;
    private final JdbcTemplate jdbc;
    private final IndexProperties properties;
    private final BuildProgress buildProgress;
    private final LeaderLock leader;
    private final Clock clock;
    private final IndexWriteLock writes = new IndexWriteLock();
    private @Nullable Steps steps;
    private long nextReconcileNanos = System.nanoTime();
    private volatile long caughtUpAtMillis;
    private volatile long quarantined;
    private volatile Phase phase = Phase.WAITING_FOR_DATABASE;
    private volatile @Nullable String lastFailure;

    IndexMaintainer(
            TargetDatabase target,
            DataSource dataSource,
            IndexProperties properties,
            BuildProgress buildProgress,
            MeterRegistry registry,
            Clock clock) {
        this.clock = clock;
        this.target = target;
        this.dataSource = dataSource;
        this.connection = ConnectionTarget.of(dataSource);
        this.jdbc = new JdbcTemplate(dataSource);
        this.properties = properties;
        this.buildProgress = buildProgress;
        this.leader = LeaderLock.over(dataSource);
        Gauge.builder("packer.index.lag", this, m -> m.lagSeconds())
                .description("Seconds since the index last caught up with every committed transaction")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("packer.index.quarantined", this, m -> m.quarantined)
                .description("Objects whose state cannot be read and whose risk no operator accepted;"
                        + " collection waits while there are any")
                .baseUnit("objects")
                .register(registry);
    }

    /**
     * One step: returns true when this instance is the active one and the index is ready and caught up
     * as of this step; false otherwise (standby, database not readable, or the step failed, which is
     * logged once per distinct failure).
     */
    public boolean maintain() {
        writes.lock();
        try {
            boolean ready = writes.exclusively(this::step);
            if (lastFailure != null) {
                log.info("Index maintenance works again (recovered)");
            }
            lastFailure = null;
            return ready;
        } catch (Exception e) {
            // An outage is one cause however the pool words each timeout: say so once, without a trace.
            String unreachable = connection.explain(e);
            String failure = unreachable != null ? unreachable : String.valueOf(e.getMessage());
            if (failure.equals(lastFailure)) {
                log.debug("Index maintenance failed again", e);
            } else if (unreachable != null) {
                log.error("Index maintenance failed, retrying at the next poll: {}", failure);
                log.debug("Index maintenance failure", e);
            } else {
                log.error("Index maintenance failed, retrying at the next poll: {}", failure, e);
            }
            lastFailure = failure;
            return false;
        } finally {
            writes.unlock();
        }
    }

    /**
     * The lock every writer of the index holds for its transaction (fair, so that neither the poller nor
     * the collector starves the other). The collector holds it from the choice of a batch to its commit.
     */
    public Lock writes() {
        return writes;
    }

    /** Whether this instance leads and the index was caught up at its last step. */
    public boolean ready() {
        return phase == Phase.READY && leader.held();
    }

    /**
     * Brings the index up to date inside {@code transaction}, READ COMMITTED (holding RelStorage's commit
     * lock when the caller deletes in it), once this instance is known to still lead; every statement
     * within {@code deadline}. The caller holds {@link #writes()}, and no forgetting runs on its behalf.
     * Returns the watermark now caught up to: equal to the one before exactly when no commit landed since.
     *
     * @throws IndexBehindException when more than {@code maxRows} states are pending
     */
    public long catchUp(Connection transaction, int maxRows, HoldDeadline deadline) throws Exception {
        if (!writes.isHeldByCurrentThread()) {
            throw new IllegalStateException("the index's write lock must be held to catch up");
        }
        Steps s = requireSteps();
        long started = System.currentTimeMillis();
        deadline.limit(transaction);
        leader.requireHeld(transaction);
        long watermark = writes.exclusively(() -> s.poller.catchUpWithin(transaction, maxRows, deadline));
        caughtUpAtMillis = started;
        return watermark;
    }

    /**
     * Where the index stands inside {@code transaction}, which holds RelStorage's commit lock: its
     * watermark, and whether any commit above it waits to be read. One round trip within {@code
     * deadline}, with {@code settings} ({@code SET LOCAL} statements, or empty) sent before it; fails unless
     * this instance still leads.
     */
    public IndexWatermark watermark(Connection transaction, HoldDeadline deadline, String settings)
            throws SQLException {
        Steps s = requireSteps();
        try (Statement st = transaction.createStatement();
                ResultSet rs = deadline.query(
                        st,
                        // max(tid) is one probe of RelStorage's tid index; an EXISTS on tid > watermark, planned
                        // without the value, scanned all of object_state whenever nothing was newer
                        settings + "SELECT p.watermark, " + leader.heldCondition() + ", (SELECT max(tid) FROM "
                                + s.objectState + ") > p.watermark FROM packer.progress p")) {
            rs.next();
            if (!rs.getBoolean(2)) {
                throw new SQLException("the leader lock was lost; refusing to write the index");
            }
            return new IndexWatermark(rs.getLong(1), rs.getBoolean(3));
        }
    }

    /** Removes from the index now the objects deleted behind its back ({@link VanishedObjects}). */
    public int reconcile() throws Exception {
        Steps s = requireSteps();
        writes.lock();
        try (Connection c = dataSource.getConnection()) {
            return writes.exclusively(() -> s.vanished.remove(c, Tids.toTid(clock.instant())));
        } finally {
            writes.unlock();
        }
    }

    /**
     * Removes from the index the objects of the journal {@code packer.deleted} among {@code zoids} (as the
     * caller read it) and takes them out of it, in one transaction on {@code c} (not in one yet), only
     * with the state the journal names: a zoid a later commit wrote again stays. A target left without
     * referrer inherits the journal's {@code since_tid} ({@link ForgottenObjects}). Returns the objects
     * removed and their state bytes, by class.
     */
    public Map<String, ClassTotal> forgetDeleted(Connection c, long[] zoids) throws Exception {
        writes.lock();
        try {
            return writes.exclusively(() -> ForgottenObjects.forgetJournal(c, zoids, leader));
        } finally {
            writes.unlock();
        }
    }

    /**
     * {@link #forgetDeleted} on a helper of {@code holder}, which holds {@link #writes()} and waits for this
     * call to end before it writes the index itself or releases the lock: the index still has one writer
     * at a time, and the holder's batch goes on beside the forgetting (docs/design.md, "Deletion").
     */
    public Map<String, ClassTotal> forgetDeletedForHolder(Connection c, long[] zoids, Thread holder) throws Exception {
        writes.requireHeldBy(holder);
        return writes.exclusively(() -> ForgottenObjects.forgetJournal(c, zoids, leader));
    }

    /** Fails {@code transaction} unless this instance still holds the leader lock. */
    public void requireLeader(Connection transaction) throws SQLException {
        leader.requireHeld(transaction);
    }

    private Steps requireSteps() {
        Steps s = steps;
        if (s == null) {
            throw new IllegalStateException("the index is not ready");
        }
        return s;
    }

    private boolean step() throws Exception {
        RelStorageDatabase db = target.current();
        if (db == null || !db.readable()) {
            phase = Phase.WAITING_FOR_DATABASE;
            return false;
        }
        if (!leader.tryAcquire()) {
            phase = Phase.STANDBY;
            return false;
        }
        Steps s = steps(db);
        try (Connection c = dataSource.getConnection()) {
            if (IndexState.read(c).phase() != IndexState.Phase.READY) {
                phase = Phase.BUILDING;
                s.build.run();
            }
        }
        long started = System.currentTimeMillis();
        if (started - caughtUpAtMillis > CATCHING_UP_AFTER_MILLIS) {
            phase = Phase.CATCHING_UP;
        }
        s.poller.poll();
        caughtUpAtMillis = started;
        phase = Phase.READY;
        quarantined =
                jdbc.queryForObject("SELECT count(*) FROM packer.quarantine WHERE accepted_at IS NULL", Long.class);
        if (System.nanoTime() >= nextReconcileNanos) {
            try (Connection c = dataSource.getConnection()) {
                Duration wait = s.vanished.removeIfDue(c, properties.reconcileInterval(), Tids.toTid(clock.instant()));
                nextReconcileNanos = System.nanoTime() + wait.toNanos();
            }
        }
        return true;
    }

    private Steps steps(RelStorageDatabase db) {
        if (steps == null) {
            IndexSchema.migrate(dataSource);
            ObjectStateReader reader = new ObjectStateReader(String.valueOf(db.schema()));
            ClassRegistry classes = new ClassRegistry(jdbc);
            steps = new Steps(
                    new InitialBuild(dataSource, reader, classes, properties, buildProgress, leader, clock),
                    new IndexPoller(dataSource, reader, new ChangeApplier(classes), leader, properties.batchSize()),
                    new VanishedObjects(String.valueOf(db.schema()), leader),
                    ObjectStateReader.table(String.valueOf(db.schema())));
        }
        return steps;
    }

    /**
     * Recomputes the index (all of it when {@code fraction} is 1, else the objects whose zoid hashes
     * into it, plus the table invariants) and reports every difference. Read-only.
     */
    public VerificationReport verify(double fraction) throws SQLException {
        RelStorageDatabase db = target.current();
        if (db == null || !db.readable()) {
            throw new IllegalStateException("the database cannot be read: "
                    + (db == null ? target.failure() : String.join(" ", db.readProblems())));
        }
        return new IndexVerifier(dataSource, String.valueOf(db.schema())).verify(fraction);
    }

    /**
     * Throws the index away, keeping the blob outbox, the deletion journal (a batch committed just before
     * may not have reached the outbox; its objects are gone from {@code object_state}, so the new index
     * has nothing of them to forget) and the history of runs; the next step builds it again from scratch.
     * Objects' "unreachable since" restarts at the new build: nothing becomes collectable earlier than
     * it would have.
     */
    public void discard() throws SQLException {
        writes.lock();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                leader.requireHeld(c);
                st.execute("TRUNCATE packer.object, packer.ref, packer.unreferenced, packer.unreachable,"
                        + " packer.quarantine, packer.build_range");
                st.execute("UPDATE packer.progress SET phase = 'empty', watermark = 0, build_snapshot_tid = NULL,"
                        + " build_since_tid = NULL, build_started_at = NULL, build_finished_at = NULL, first_mark_tid = NULL,"
                        + " last_mark_tid = NULL, reconciled_at = NULL");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } finally {
            writes.unlock();
        }
        caughtUpAtMillis = 0;
        phase = Phase.BUILDING;
        log.warn("Index discarded on request; it is rebuilt from scratch at the next step");
    }

    /** Where the index stands, as of the last step. */
    public Phase phase() {
        return phase;
    }

    /** Why the last step failed, or null when it succeeded. */
    public @Nullable String lastFailure() {
        return lastFailure;
    }

    /** Seconds since the index last caught up with every committed transaction; NaN before it ever did. */
    public double lagSeconds() {
        long at = caughtUpAtMillis;
        return at == 0 ? Double.NaN : (System.currentTimeMillis() - at) / 1000.0;
    }

    /** Whether this instance holds the leader lock, as of its last step. */
    public boolean active() {
        return leader.held();
    }

    @PreDestroy
    void stop() {
        leader.close();
    }

    private record Steps(InitialBuild build, IndexPoller poller, VanishedObjects vanished, String objectState) {}
}
