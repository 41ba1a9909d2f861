package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.collect.CollectionResult.Outcome;
import io.github.relstoragepacker.index.ClassTotal;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.testsupport.BlobDirectory;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.SettableClock;
import io.github.relstoragepacker.testsupport.StoredGraph;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.github.relstoragepacker.testsupport.ZodbRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The collector's behaviour, held by this one class and run against every RelStorage lock generation
 * by a small subclass each: the pack scenarios of RelStorage's and ZODB's own test suites (docs/relstorage.md §8).
 * Every test ends by checking, from {@code object_state} alone, that no reachable object references
 * a missing one.
 */
@Import(SettableClock.Config.class)
abstract class CollectorContract {

    @Autowired
    CollectionLoop loop;

    @Autowired
    SettableClock clock;

    @Autowired
    BlobDirectoryGuard blobGuard;

    @Autowired
    BlobHousekeepingService housekeeping;

    @Autowired
    IndexMaintainer index;

    @Autowired
    MeterRegistry registry;

    abstract TestDatabase db();

    abstract RelStorageSchema schema();

    /** The properties every generation's context starts with: continuous collection off, fast polls. */
    static void register(DynamicPropertyRegistry registry, TestDatabase db) {
        db.registerQuietService(registry);
        registry.add("packer.collector.blob-directory", () -> {
            try {
                return BlobDirectory.create(blobRoot(db), BlobLayout.BUSHY)
                        .root()
                        .toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The shared blob directory of a generation's context; each blob scenario lays it out afresh. */
    static Path blobRoot(TestDatabase db) {
        return Path.of(System.getProperty("java.io.tmpdir"), "packer-blobs-" + db.name());
    }

    private ObjectGraph graph;
    private RelStorageWriter writer;

    ObjectGraph graph() throws Exception {
        if (graph == null) {
            writer = new RelStorageWriter(db().dataSource(), schema().generation());
            graph = new ObjectGraph(writer);
            List<Long> rootChildren = new JdbcTemplate(db().dataSource())
                    .queryForList("SELECT zoid FROM object_state WHERE zoid = 0", Long.class);
            if (rootChildren.isEmpty()) {
                graph.commit(0, List.of());
            }
        }
        return graph;
    }

    /** Commits {@code objects}, and the root with {@code linked} added to its children. */
    long commitLinked(Map<Long, List<Long>> objects, long... linked) throws Exception {
        ObjectGraph g = graph();
        Map<Long, List<Long>> changes = new LinkedHashMap<>(objects);
        List<Long> root = new ArrayList<>(g.children.getOrDefault(0L, List.of()));
        for (long zoid : linked) {
            root.add(zoid);
        }
        changes.put(0L, root);
        return g.commit(changes);
    }

    CollectionResult pack(Duration grace) throws Exception {
        return loop.pack(grace, false);
    }

    boolean exists(long zoid) {
        return new JdbcTemplate(db().dataSource())
                        .queryForObject("SELECT count(*) FROM object_state WHERE zoid = ?", Long.class, zoid)
                > 0;
    }

    /** Those of {@code zoids} still in {@code object_state}, in one query. */
    List<Long> existing(List<Long> zoids) throws Exception {
        try (Connection c = db().connect();
                java.sql.PreparedStatement st =
                        c.prepareStatement("SELECT zoid FROM object_state WHERE zoid = ANY (?)")) {
            st.setArray(1, c.createArrayOf("bigint", zoids.toArray()));
            List<Long> found = new ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getLong(1));
                }
            }
            return found;
        }
    }

    @AfterEach
    void nothingReachableIsMissing() throws Exception {
        clock.reset();
        assertThat(StoredGraph.read(db().dataSource()).danglingFromRoot())
                .as("reachable objects missing from object_state")
                .isEmpty();
    }

    @Test
    void garbageOlderThanTheIndexCountsFromTheBuildUnlessZodbpacksRuleIsAsked() throws Exception {
        ObjectGraph g = graph();
        long orphan = g.newOid(), ringA = g.newOid(), ringB = g.newOid(), unlinkedLater = g.newOid();
        commitLinked(
                Map.of(orphan, List.of(), ringA, List.of(ringB), ringB, List.of(ringA), unlinkedLater, List.of()),
                unlinkedLater);
        // written two days ago, as far as their own tids tell
        long old = io.github.relstoragepacker.relstorage.Tids.toTid(
                java.time.Instant.now().minus(Duration.ofDays(2)));
        new JdbcTemplate(db().dataSource())
                .update(
                        "UPDATE object_state SET tid = ? WHERE zoid IN (?, ?, ?, ?)",
                        old,
                        orphan,
                        ringA,
                        ringB,
                        unlinkedLater);
        loop.rebuildIndex();
        assertThat(loop.refreshIndex()).isTrue();
        List<Long> root = new ArrayList<>(g.children.get(0L));
        root.remove(unlinkedLater);
        g.commit(Map.of(0L, root));

        assertThat(pack(Duration.ofHours(1)).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(List.of(exists(orphan), exists(ringA), exists(ringB), exists(unlinkedLater)))
                .as("by default their grace counts from the build")
                .containsOnly(true);

        PackRequest zodbpackRule = new PackRequest(Duration.ofHours(1), false, true, true);
        CollectionResult result = loop.pack(zodbpackRule, loop.progressFor(zodbpackRule));

        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(List.of(exists(orphan), exists(ringA), exists(ringB)))
                .as("unknown history, own tid older than the grace: zodbpack's rule lets them go")
                .containsOnly(false);
        assertThat(exists(unlinkedLater))
                .as("unlinked after the build: its history is known and younger than the grace")
                .isTrue();
    }

    @Test
    void chainMutationLeavesExactlyTheReachablePart() throws Exception {
        ObjectGraph g = graph();
        long a = g.newOid(), b = g.newOid(), c = g.newOid(), d = g.newOid();
        commitLinked(Map.of(a, List.of(b), b, List.of(c), c, List.of()), a);
        g.commit(Map.of(a, List.of(), b, List.of(d), d, List.of(c)));

        CollectionResult result = pack(Duration.ZERO);

        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(exists(a)).isTrue();
        assertThat(List.of(exists(b), exists(c), exists(d))).containsOnly(false);
    }

    @Test
    void aRelinkCommittedDuringTheAnalysisIsKept() throws Exception {
        ObjectGraph g = graph();
        long x = g.newOid(), y = g.newOid(), other = g.newOid();
        g.commit(Map.of(x, List.of(y), y, List.of(x), other, List.of()));
        loop.collector().afterMark(() -> {
            try {
                commitLinked(Map.of(), x);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        } finally {
            loop.collector().afterMark(() -> {});
        }

        assertThat(exists(x)).isTrue();
        assertThat(exists(y)).as("reached only through the re-linked object").isTrue();
        assertThat(exists(other)).isFalse();
    }

    @Test
    void aRelinkCommittedAfterTheBatchWasChosenIsKept() throws Exception {
        ObjectGraph g = graph();
        long x = g.newOid(), y = g.newOid(), other = g.newOid();
        g.commit(Map.of(x, List.of(y), y, List.of(), other, List.of()));
        AtomicBoolean relinked = new AtomicBoolean();
        loop.collector().beforeFence(() -> {
            if (relinked.compareAndSet(false, true)) {
                try {
                    commitLinked(Map.of(), x);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        } finally {
            loop.collector().beforeFence(() -> {});
        }

        assertThat(relinked).isTrue();
        assertThat(exists(x))
                .as("chosen for the batch, then re-linked before its fence")
                .isTrue();
        assertThat(exists(y)).as("reached only through the re-linked object").isTrue();
        assertThat(exists(other)).isFalse();
        assertThat(new JdbcTemplate(db().dataSource())
                        .queryForObject("SELECT count(*) FROM packer.deleted", Long.class))
                .as("the journal is empty once the index has forgotten every deleted object")
                .isZero();
    }

    @Test
    void theFollowUpOfABatchRunsBesideTheNextOneAsTheIndexsOnlyWriter() throws Exception {
        ObjectGraph g = graph();
        Map<Long, List<Long>> objects = new LinkedHashMap<>();
        // more than the first batch takes, so that the next cycle batch runs beside its follow-up
        List<Long> deadRing = ring(g, objects, 4_500);
        long x = g.newOid(), y = g.newOid();
        objects.put(x, List.of(y));
        objects.put(y, List.of());
        g.commit(objects);
        AtomicInteger beside = new AtomicInteger();
        AtomicBoolean othersWrote = new AtomicBoolean();
        CountDownLatch relinked = new CountDownLatch(1);
        loop.collector().besideFollowUp(() -> {
            if (!lockFree(othersWrote)) {
                beside.incrementAndGet();
            }
            if (beside.get() == 1) {
                try {
                    // Plone re-links x while the index forgets the batch before x's: the batch that chose x
                    // must catch up (and keep x and y) only once the forgetting ended
                    commitLinked(Map.of(), x);
                    relinked.countDown();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        // a batch after the first committed one, beside that one's follow-up, takes the fence only after
        // the re-link (a batch that overran and is tried again has nothing beside it)
        loop.collector().beforeFence(() -> {
            try {
                if (existing(deadRing).size() < deadRing.size() && !relinked.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the re-link did not commit");
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        packFromTheFirstBatchSizeThenClearTheSeams();

        assertThat(beside)
                .as("follow-ups run beside a batch holding the index's write lock")
                .hasPositiveValue();
        assertThat(othersWrote)
                .as("a follow-up ran while nobody held the index's write lock")
                .isFalse();
        assertThat(exists(x))
                .as("re-linked while the batch before it was being forgotten")
                .isTrue();
        assertThat(exists(y)).as("reached only through the re-linked object").isTrue();
        assertThat(existing(deadRing)).isEmpty();
        assertThat(index.verify(1).differences()).isEmpty();
        assertThat(new JdbcTemplate(db().dataSource())
                        .queryForObject("SELECT count(*) FROM packer.deleted", Long.class))
                .isZero();
    }

    @Test
    void aFenceBackingOffKeepsTheIndexsWriteLockUntilTheFollowUpBesideItEnded() throws Exception {
        ObjectGraph g = graph();
        Map<Long, List<Long>> objects = new LinkedHashMap<>();
        List<Long> deadRing = ring(g, objects, 4_500);
        g.commit(objects);
        AtomicReference<Thread> collector = new AtomicReference<>();
        AtomicReference<RelStorageWriter.LockHolder> holder = new AtomicReference<>();
        AtomicBoolean freeWhileBeside = new AtomicBoolean();
        AtomicBoolean taken = new AtomicBoolean();
        AtomicBoolean followedUp = new AtomicBoolean();
        // the batch beside the first one's follow-up finds the commit lock busy, and backs off
        loop.collector().beforeFence(() -> {
            collector.set(Thread.currentThread());
            try {
                if (existing(deadRing).size() < deadRing.size() && !taken.getAndSet(true)) {
                    holder.set(writer.holdCommitLock());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the follow-up lets the commit lock go once the collector waits for it, or once the index's write
        // lock turns out free while it runs (the poller could write beside it then)
        loop.collector().besideFollowUp(() -> {
            if (followedUp.getAndSet(true)) {
                return;
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> holder.get() != null);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> waitsForTheFollowUp(collector.get()) || lockFree(freeWhileBeside));
            try {
                holder.getAndSet(null).close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            packFromTheFirstBatchSizeThenClearTheSeams();
        } finally {
            if (holder.get() != null) {
                holder.get().close();
            }
        }

        assertThat(freeWhileBeside)
                .as("the index's write lock was free while a follow-up ran")
                .isFalse();
        assertThat(existing(deadRing)).isEmpty();
        assertThat(index.verify(1).differences()).isEmpty();
    }

    private static boolean waitsForTheFollowUp(Thread collector) {
        return collector.getState() != Thread.State.RUNNABLE
                && Stream.of(collector.getStackTrace())
                        .anyMatch(f -> f.getMethodName().equals("awaitWithin"));
    }

    /**
     * A pack with grace 0 whose batches start at the first size again (so that a few thousand objects make
     * several batches), with the fence and follow-up seams cleared afterwards.
     */
    private void packFromTheFirstBatchSizeThenClearTheSeams() throws Exception {
        loop.collector().resetBatchSize();
        try {
            assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        } finally {
            loop.collector().besideFollowUp(() -> {});
            loop.collector().beforeFence(() -> {});
        }
    }

    /** Whether the index's write lock is free (taken and given back at once); if so, notes it in {@code seen}. */
    private boolean lockFree(AtomicBoolean seen) {
        if (!index.writes().tryLock()) {
            return false;
        }
        index.writes().unlock();
        seen.set(true);
        return true;
    }

    @Test
    void objectsUnreachableForLessThanTheGraceAreKept() throws Exception {
        ObjectGraph g = graph();
        long lonely = g.newOid();
        g.commit(lonely, List.of());

        assertThat(pack(Duration.ofHours(1)).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(exists(lonely)).as("unreachable for seconds, grace 1 h").isTrue();

        clock.advance(Duration.ofMinutes(59));
        pack(Duration.ofHours(1));
        assertThat(exists(lonely)).as("unreachable for 59 min, grace 1 h").isTrue();

        clock.advance(Duration.ofMinutes(2));
        pack(Duration.ofHours(1));
        assertThat(exists(lonely)).as("unreachable for 61 min, grace 1 h").isFalse();
    }

    @Test
    void aBrokenPickleStopsCollectionUntilItIsFixed() throws Exception {
        ObjectGraph g = graph();
        long garbage = g.newOid(), broken = g.newOid();
        g.commit(garbage, List.of());
        commitLinked(Map.of(broken, List.of()), broken);
        writer.commit(Map.of(broken, "brokenpickle".getBytes(StandardCharsets.US_ASCII)));

        CollectionResult held = pack(Duration.ZERO);

        assertThat(held.outcome()).isEqualTo(Outcome.ON_HOLD);
        assertThat(held.message()).contains("zoid " + broken);
        assertThat(exists(garbage)).isTrue();

        g.commit(broken, List.of());
        assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(exists(garbage)).isFalse();
        assertThat(exists(broken)).isTrue();
    }

    @Test
    void completesWhileAnotherSessionHoldsTheCommitLockBriefly() throws Exception {
        ObjectGraph g = graph();
        long garbage = g.newOid();
        g.commit(garbage, List.of());
        RelStorageWriter.LockHolder holder = writer.holdCommitLock();
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
                holder.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        CollectionResult result = pack(Duration.ZERO);

        release.get(10, TimeUnit.SECONDS);
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(exists(garbage)).isFalse();
    }

    @Test
    void anObjectAVotingTransactionHoldsIsLeftAlone() throws Exception {
        ObjectGraph g = graph();
        long voted = g.newOid();
        g.commit(voted, List.of());
        try (Connection plone = db().connect()) {
            plone.setAutoCommit(false);
            try (Statement st = plone.createStatement()) {
                // what a voting RelStorage transaction holds on an object it rewrites
                st.execute(
                        schema().generation() == LockGeneration.ADVISORY_LOCK
                                ? "SELECT pg_advisory_xact_lock(" + voted + ")"
                                : "SELECT * FROM object_state WHERE zoid = " + voted + " FOR UPDATE");
            }

            if (schema().generation() == LockGeneration.TABLE_LOCK) {
                // 1.x/2.x never lock rows; an unexpected lock fails the batch within the hold limit
                assertThatThrownBy(() -> pack(Duration.ZERO)).hasMessageContaining("lock timeout");
            } else {
                assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
            }
            assertThat(exists(voted)).isTrue();
            plone.rollback();
        }

        pack(Duration.ZERO);
        assertThat(exists(voted)).isFalse();
    }

    @Test
    void weakAndCrossDatabaseReferencesKeepNothingAlive() throws Exception {
        ObjectGraph g = graph();
        long holder = g.newOid(), weakTarget = g.newOid(), crossTarget = g.newOid();
        g.commit(Map.of(weakTarget, List.of(), crossTarget, List.of()));
        byte[] state = ZodbRecords.mapping()
                .weak("user", weakTarget)
                .crossDatabase("catalog", "other", crossTarget, ZodbRecords.PERSISTENT_MAPPING)
                .build();
        writer.commit(Map.of(holder, state));
        commitLinked(Map.of(), holder);

        pack(Duration.ZERO);

        assertThat(exists(holder)).isTrue();
        assertThat(exists(weakTarget)).isFalse();
        assertThat(exists(crossTarget)).isFalse();
    }

    @Test
    void oidsAbove2To31And2To32AreOrdinaryOids() throws Exception {
        long live = (1L << 32) + 5, garbage = (1L << 31) + 7, liveChild = (1L << 40) + 3;
        commitLinked(Map.of(live, List.of(liveChild), liveChild, List.of(), garbage, List.of(live)), live);

        pack(Duration.ZERO);

        assertThat(exists(live)).isTrue();
        assertThat(exists(liveChild)).isTrue();
        assertThat(exists(garbage)).isFalse();
    }

    @Test
    void deepChainsAndCyclesOfEverySize() throws Exception {
        ObjectGraph g = graph();
        Map<Long, List<Long>> objects = new LinkedHashMap<>();
        List<Long> liveChain = chain(g, objects, 1500);
        List<Long> deadChain = chain(g, objects, 1500);
        List<Long> liveRing = ring(g, objects, 5);
        List<Long> deadRings = new ArrayList<>();
        for (int size = 1; size <= 25; size += 6) {
            deadRings.addAll(ring(g, objects, size));
        }
        List<Long> tail = chain(g, objects, 20);
        List<Long> ringWithTail = ring(g, objects, 3);
        objects.get(ringWithTail.get(0)).add(tail.get(0));
        commitLinked(objects, liveChain.get(0), liveRing.get(0));

        // earlier tests of the class may leave garbage of their own, hence at least
        assertThat(pack(Duration.ZERO).objects()).isGreaterThanOrEqualTo(deadChain.size() + deadRings.size() + 23);

        assertThat(existing(liveChain)).containsExactlyInAnyOrderElementsOf(liveChain);
        assertThat(existing(liveRing)).containsExactlyInAnyOrderElementsOf(liveRing);
        assertThat(existing(deadChain)).isEmpty();
        assertThat(existing(deadRings)).isEmpty();
        assertThat(existing(tail)).isEmpty();
    }

    @Test
    void blobsInTheDatabaseGoWithTheirObjects() throws Exception {
        ObjectGraph g = graph();
        long liveBlob = g.newOid(), deadBlob = g.newOid();
        writer.commitBlob(liveBlob, ZodbRecords.blob(), "live".getBytes(StandardCharsets.US_ASCII));
        writer.commitBlob(deadBlob, ZodbRecords.blob(), "dead".getBytes(StandardCharsets.US_ASCII));
        commitLinked(Map.of(), liveBlob);
        JdbcTemplate jdbc = new JdbcTemplate(db().dataSource());
        long largeObjects = jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class);

        CollectionResult result = pack(Duration.ZERO);

        assertThat(result.largeObjects()).isEqualTo(1);
        assertThat(exists(deadBlob)).isFalse();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM blob_chunk WHERE zoid = ?", Long.class, liveBlob))
                .isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class))
                .isEqualTo(largeObjects - 1);
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void blobFilesGoWithTheirObjectsAndStaleRevisionsWithHousekeeping(BlobLayout layout) throws Exception {
        BlobDirectory files = freshBlobDirectory(layout);
        RelStorageWriter blobs = blobWriter(files);
        long live = blobs.newOid(), dead = blobs.newOid(), uploading = blobs.newOid();
        try {
            long liveOld = blobs.commitBlob(live, ZodbRecords.blob(), bytes("v1"));
            long liveNew = blobs.commitBlob(live, ZodbRecords.blob(), bytes("v2"));
            blobs.commitBlob(dead, ZodbRecords.blob(), bytes("dead"));
            long uploadingTid = blobs.commitBlob(uploading, ZodbRecords.blob(), bytes("re-created"));
            commitLinked(Map.of(), live);
            // a commit re-creating the deleted object has its upload in flight
            Path upload = Files.writeString(files.oidDirectory(uploading).resolve("0x7f00000000000000.tmp-"), "...");

            CollectionResult result = pack(Duration.ZERO);

            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(blobGuard.onHold()).isFalse();
            assertThat(result.blobFiles()).isEqualTo(1);
            assertThat(List.of(exists(dead), exists(uploading))).containsOnly(false);
            assertThat(files.oidDirectory(dead)).doesNotExist();
            assertThat(upload).exists();
            assertThat(files.blobFile(uploading, uploadingTid)).exists();
            assertThat(files.blobFile(live, liveOld))
                    .as("the superseded revision, removed by the pack's housekeeping")
                    .doesNotExist();
            assertThat(files.blobFile(live, liveNew)).hasContent("v2");
            assertThat(result.housekeeping()).contains("removed 1 stale blob revision");
            assertThat(result.message()).as("housekeeping is kept apart").doesNotContain("stale blob revision");

            BlobHousekeeping walk = housekeeping.run(Duration.ZERO, false);

            assertThat(walk.staleFiles()).isZero();
            assertThat(walk.orphanDirectories())
                    .as("an upload in flight is no orphan")
                    .isZero();

            Files.delete(upload);
            assertThat(housekeeping.run(Duration.ZERO, false).orphanExamples())
                    .containsExactly(files.oidDirectory(uploading));
            assertThat(files.blobFile(uploading, uploadingTid))
                    .as("reported, never removed")
                    .exists();
        } finally {
            retireBlobs(live);
        }
    }

    @Test
    void theBlobFilesOfABatchCommittedJustBeforeTheIndexWasDiscardedStillGo() throws Exception {
        BlobDirectory files = freshBlobDirectory(BlobLayout.BUSHY);
        RelStorageWriter blobs = blobWriter(files);
        long live = blobs.newOid(), dead = blobs.newOid();
        try {
            blobs.commitBlob(live, ZodbRecords.blob(), bytes("live"));
            long tid = blobs.commitBlob(dead, ZodbRecords.blob(), bytes("dead"));
            commitLinked(Map.of(), live);
            // a batch deleted it and journaled it, and its process died before the blob outbox heard of it
            JdbcTemplate jdbc = new JdbcTemplate(db().dataSource());
            jdbc.update("DELETE FROM object_state WHERE zoid = ?", dead);
            jdbc.update("INSERT INTO packer.deleted (zoid, tid, since_tid) VALUES (?, ?, ?)", dead, tid, tid);

            loop.rebuildIndex();
            assertThat(loop.refreshIndex()).isTrue();
            CollectionResult result = pack(Duration.ZERO);

            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(blobGuard.onHold()).isFalse();
            assertThat(files.oidDirectory(dead)).doesNotExist();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM packer.deleted", Long.class))
                    .isZero();
            assertThat(exists(live)).isTrue();
        } finally {
            retireBlobs(live);
        }
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void anotherDatabasesBlobDirectoryIsNeverTouched(BlobLayout layout, @TempDir Path scratch) throws Exception {
        ObjectGraph g = graph();
        Path root = blobRoot(db());
        empty(root);
        // this database's blobs live where Plone mounts them; the packer is pointed at another database's
        BlobDirectory ours = BlobDirectory.create(scratch, layout);
        RelStorageWriter blobs = blobWriter(ours);
        long live = blobs.newOid(), dead = blobs.newOid(), plain = g.newOid();
        try {
            blobs.commitBlob(live, ZodbRecords.blob(), bytes("ours, live"));
            blobs.commitBlob(dead, ZodbRecords.blob(), bytes("ours, garbage"));
            g.commit(plain, List.of());
            commitLinked(Map.of(), live);
            // every database allocates oids from 1: the other one has directories of the same oids, its own tids
            BlobDirectory theirs = BlobDirectory.create(root, layout);
            for (long zoid : List.of(live, dead, plain, dead + 1000)) {
                Files.createDirectories(theirs.oidDirectory(zoid));
                Files.writeString(theirs.blobFile(zoid, 0x0300000000000001L), "theirs, superseded");
                Files.writeString(theirs.blobFile(zoid, 0x0300000000000002L), "theirs, current");
            }
            Map<String, String> before = contents(root);

            CollectionResult result = pack(Duration.ZERO);

            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(blobGuard.onHold()).isTrue();
            assertThat(blobGuard.last().reason()).contains(root.toString()).contains("blob-dir");
            assertThat(result.message()).contains("Blob removal is on hold").contains("were kept");
            assertThat(exists(dead))
                    .as("owns blob files: kept while the directory has not proved to be this database's")
                    .isTrue();
            assertThat(exists(plain))
                    .as("garbage without blob files goes as usual")
                    .isFalse();
            assertThat(housekeeping.run(Duration.ZERO, false))
                    .as("no housekeeping")
                    .isNull();
            assertThat(contents(root)).as("not one file touched").isEqualTo(before);

            // the operator mounts the right volume
            empty(root);
            copy(ours.root(), root);

            assertThat(pack(Duration.ZERO).message()).doesNotContain("on hold");
            assertThat(blobGuard.onHold()).isFalse();
            assertThat(exists(dead)).isFalse();
            assertThat(ours.withRoot(root).oidDirectory(dead)).doesNotExist();
            assertThat(ours.withRoot(root).oidDirectory(live)).isDirectory();
        } finally {
            retireBlobs(live);
        }
    }

    @Test
    void anEmptyOrUnmarkedBlobDirectoryHoldsBlobRemoval(@TempDir Path scratch) throws Exception {
        graph();
        Path root = blobRoot(db());
        BlobDirectory ours = BlobDirectory.create(scratch, BlobLayout.BUSHY);
        RelStorageWriter blobs = blobWriter(ours);
        long live = blobs.newOid(), dead = blobs.newOid();
        try {
            blobs.commitBlob(live, ZodbRecords.blob(), bytes("live"));
            long deadTid = blobs.commitBlob(dead, ZodbRecords.blob(), bytes("garbage"));
            commitLinked(Map.of(), live);
            // an empty directory: the volume Plone writes to is not mounted here
            empty(root);
            BlobDirectory.create(root, BlobLayout.BUSHY);

            CollectionResult empty = pack(Duration.ZERO);

            assertThat(blobGuard.onHold()).isTrue();
            assertThat(blobGuard.last().reason()).contains("is the volume mounted");
            assertThat(empty.message()).contains("Blob removal is on hold");
            assertThat(exists(dead)).isTrue();

            // the right files, but no .layout marker: RelStorage never opened this directory
            empty(root);
            copy(ours.root(), root);
            Files.delete(root.resolve(".layout"));

            pack(Duration.ZERO);

            assertThat(blobGuard.onHold()).isTrue();
            assertThat(blobGuard.last().reason()).contains(".layout");
            assertThat(exists(dead)).isTrue();
            assertThat(ours.withRoot(root).blobFile(dead, deadTid)).exists();

            Files.writeString(root.resolve(".layout"), "bushy");
            pack(Duration.ZERO);

            assertThat(blobGuard.onHold()).isFalse();
            assertThat(exists(dead)).isFalse();
            assertThat(ours.withRoot(root).oidDirectory(dead)).doesNotExist();
        } finally {
            retireBlobs(live);
        }
    }

    @Test
    void aDeletedObjectWithoutItsOwnRevisionFileLeavesItsDirectory() throws Exception {
        BlobDirectory files = freshBlobDirectory(BlobLayout.LAWN);
        RelStorageWriter blobs = blobWriter(files);
        List<Long> live = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                long zoid = blobs.newOid();
                blobs.commitBlob(zoid, ZodbRecords.blob(), bytes("live " + i));
                live.add(zoid);
            }
            long dead = blobs.newOid();
            long older = blobs.commitBlob(dead, ZodbRecords.blob(), bytes("older"));
            long current = blobs.commitBlob(dead, ZodbRecords.blob(), bytes("current"));
            commitLinked(Map.of(), live.stream().mapToLong(Long::longValue).toArray());
            // its current revision's file is gone; what is left is not provably this object's
            Files.delete(files.blobFile(dead, current));

            CollectionResult result = pack(Duration.ZERO);

            assertThat(blobGuard.onHold())
                    .as("ten of eleven sampled records have their file")
                    .isFalse();
            assertThat(exists(dead)).isFalse();
            assertThat(result.blobFiles()).isZero();
            assertThat(files.blobFile(dead, older)).hasContent("older");
        } finally {
            retireBlobs(live.stream().mapToLong(Long::longValue).toArray());
        }
    }

    /** An empty blob directory of {@code layout} at this database's blob root, after {@link #graph()}. */
    private BlobDirectory freshBlobDirectory(BlobLayout layout) throws Exception {
        graph();
        Path root = blobRoot(db());
        empty(root);
        return BlobDirectory.create(root, layout);
    }

    /** A RelStorage writer of this test's lock generation that keeps blob files in {@code files}. */
    private RelStorageWriter blobWriter(BlobDirectory files) throws SQLException {
        return new RelStorageWriter(db().dataSource(), schema().generation(), files);
    }

    /**
     * Ends a blob scenario with no blob record left in the database and an empty blob directory, so the
     * next scenario's check samples only its own records: unlinks {@code linked} from the root and
     * collects them, their files in a directory holding exactly what the database expects.
     */
    private void retireBlobs(long... linked) throws Exception {
        ObjectGraph g = graph();
        List<Long> root = new ArrayList<>(g.children.getOrDefault(0L, List.of()));
        for (long zoid : linked) {
            root.remove(zoid);
        }
        g.commit(Map.of(0L, root));
        Path dir = blobRoot(db());
        empty(dir);
        BlobDirectory files = BlobDirectory.create(dir, BlobLayout.BUSHY);
        for (long[] record : new JdbcTemplate(db().dataSource())
                .query(
                        "SELECT s.zoid, s.tid FROM object_state s JOIN packer.object o USING (zoid)"
                                + " WHERE o.class_id = -1 AND NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = s.zoid)",
                        (rs, row) -> new long[] {rs.getLong(1), rs.getLong(2)})) {
            Files.createDirectories(files.oidDirectory(record[0]));
            Files.writeString(files.blobFile(record[0], record[1]), "");
        }
        pack(Duration.ZERO);
        assertThat(blobGuard.onHold()).isFalse();
        empty(dir);
        BlobDirectory.create(dir, BlobLayout.BUSHY);
    }

    private static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> contents = new java.util.TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                contents.put(
                        root.relativize(path).toString(),
                        Files.isDirectory(path) ? "/" : Files.readString(path, StandardCharsets.ISO_8859_1));
            }
        }
        return contents;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void empty(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!path.equals(root)) {
                    Files.delete(path);
                }
            }
        }
    }

    @Test
    void aMarkIsReusedOnlyWhileNothingWasCommittedOrVanishedSinceIt() throws Exception {
        ObjectGraph g = graph();
        long a = g.newOid(), b = g.newOid();
        commitLinked(Map.of(a, List.of(b), b, List.of()), a);
        pack(Duration.ZERO);
        double reused = marks("reused");

        assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(marks("reused")).as("nothing committed since the last mark").isEqualTo(reused + 1);

        long c = g.newOid();
        g.commit(Map.of(b, List.of(c), c, List.of(b)));
        g.commit(Map.of(a, List.of()));
        double fresh = marks("fresh");
        assertThat(pack(Duration.ZERO).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(marks("fresh")).as("a commit since the last mark").isEqualTo(fresh + 1);
        assertThat(existing(List.of(b, c))).as("the cycle the commit cut off").isEmpty();

        long vanishing = g.newOid();
        g.commit(vanishing, List.of());
        assertThat(pack(Duration.ofDays(1)).outcome()).isEqualTo(Outcome.COMPLETED);
        new JdbcTemplate(db().dataSource()).update("DELETE FROM object_state WHERE zoid = ?", vanishing);
        index.reconcile();
        fresh = marks("fresh");
        assertThat(pack(Duration.ofDays(1)).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(marks("fresh")).as("an object vanished since the last mark").isEqualTo(fresh + 1);
    }

    private double marks(String result) {
        Counter marks =
                registry.find("packer.collector.marks").tag("result", result).counter();
        return marks == null ? 0 : marks.count();
    }

    @Test
    void aDryRunDeletesNothingAndSaysWhatWouldGo() throws Exception {
        ObjectGraph g = graph();
        long a = g.newOid(), b = g.newOid();
        g.commit(Map.of(a, List.of(b), b, List.of(a)));

        CollectionResult result = loop.pack(Duration.ZERO, true);

        assertThat(result.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(result.objects()).isGreaterThanOrEqualTo(2);
        assertThat(result.classes()).containsKey(ZodbRecords.PERSISTENT_MAPPING);
        assertThat(result.classes().values().stream()
                        .mapToLong(ClassTotal::bytes)
                        .sum())
                .isEqualTo(result.bytes());
        assertThat(exists(a)).isTrue();
        assertThat(exists(b)).isTrue();
    }

    private static List<Long> chain(ObjectGraph g, Map<Long, List<Long>> objects, int length) throws Exception {
        List<Long> zoids = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            zoids.add(g.newOid());
        }
        for (int i = 0; i < length; i++) {
            objects.put(zoids.get(i), new ArrayList<>(i + 1 < length ? List.of(zoids.get(i + 1)) : List.of()));
        }
        return zoids;
    }

    private static List<Long> ring(ObjectGraph g, Map<Long, List<Long>> objects, int size) throws Exception {
        List<Long> zoids = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            zoids.add(g.newOid());
        }
        for (int i = 0; i < size; i++) {
            objects.put(zoids.get(i), new ArrayList<>(List.of(zoids.get((i + 1) % size))));
        }
        return zoids;
    }
}
