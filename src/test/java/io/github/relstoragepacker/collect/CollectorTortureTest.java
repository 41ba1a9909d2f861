package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.StoredGraph;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Writers link, unlink, move and re-link objects, including re-linking an object some time after
 * unlinking it from a stale copy, as buggy application code does, while the collector packs over and
 * over with a grace period longer than any writer's think time, its continuous drains and cycle
 * collections run too, and an operator pauses, resumes, starts packs and cancels them at random.
 * Afterwards no reachable object lacks a target, and one pack with grace 0 on the quiet database leaves
 * exactly what is reachable. The second test shows, with grace 0, the data loss the grace period
 * exists for.
 *
 * <p>{@code packer.test.torture-seconds} makes the writers run longer (a soak): {@code ./mvnw test
 * -Dtest=CollectorTortureTest -Dpacker.test.torture-seconds=600}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class CollectorTortureTest {

    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final int WRITERS = 3;

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        CollectorContract.register(registry, db);
        registry.add("packer.collector.enabled", () -> "true");
        registry.add("packer.collector.grace", () -> GRACE.toMillis() + "ms");
        registry.add("packer.collector.drain-interval", () -> "50ms");
        registry.add("packer.collector.mark-interval", () -> "1s");
    }

    @Autowired
    CollectionLoop loop;

    @Autowired
    PackJobs jobs;

    @Test
    void writersRelinkingFromStaleCopiesLoseNothingWithinTheGrace() throws Exception {
        RelStorageWriter writer =
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation());
        ObjectGraph root = new ObjectGraph(writer);
        List<Long> hubs = new ArrayList<>();
        Map<Long, List<Long>> initial = new HashMap<>();
        for (int i = 0; i < WRITERS; i++) {
            long hub = root.newOid();
            hubs.add(hub);
            initial.put(hub, List.of());
        }
        initial.put(0L, hubs);
        root.commit(initial);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(loop::refreshIndex);
        long seconds = Long.getLong("packer.test.torture-seconds", 6);
        long seed = System.nanoTime();
        AtomicBoolean running = new AtomicBoolean(true);
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            long hub = hubs.get(i);
            Random random = new Random(seed + i);
            writers.add(CompletableFuture.supplyAsync(() -> write(writer, hub, random, running)));
        }
        CompletableFuture<Integer> packs = CompletableFuture.supplyAsync(() -> {
            int runs = 0;
            while (running.get()) {
                try {
                    loop.pack(GRACE, false);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                runs++;
            }
            return runs;
        });
        CompletableFuture<Integer> operator =
                CompletableFuture.supplyAsync(() -> operate(new Random(seed - 1), running));
        Thread.sleep(seconds * 1000);
        running.set(false);
        for (CompletableFuture<Integer> w : writers) {
            assertThat(w.get(60, TimeUnit.SECONDS)).as("seed %d", seed).isPositive();
        }
        assertThat(packs.get(60, TimeUnit.SECONDS)).isPositive();
        assertThat(operator.get(60, TimeUnit.SECONDS)).isPositive();
        loop.resume();

        assertThat(StoredGraph.read(db.dataSource()).danglingFromRoot())
                .as("seed %d", seed)
                .isEmpty();

        loop.pack(Duration.ZERO, false);
        StoredGraph after = StoredGraph.read(db.dataSource());
        assertThat(after.zoids()).as("seed %d", seed).isEqualTo(after.reachable());
    }

    @Test
    void withoutAGracePeriodAStaleRelinkLosesData() throws Exception {
        RelStorageWriter writer =
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation());
        ObjectGraph graph = new ObjectGraph(writer);
        long document = graph.newOid();
        List<Long> rootChildren = new ArrayList<>(currentRootChildren());
        List<Long> withDocument = new ArrayList<>(rootChildren);
        withDocument.add(document);
        graph.commit(Map.of(document, List.of(), 0L, withDocument));
        graph.commit(0, rootChildren);

        loop.pack(Duration.ZERO, false);
        // the application still holds the root as it was before the unlink, and writes it back
        graph.commit(0, withDocument);

        assertThat(StoredGraph.read(db.dataSource()).danglingFromRoot()).containsExactly(document);
        graph.commit(0, rootChildren);
    }

    /** An operator's random commands: pause, resume, a pack job, its cancel; returns the number of commands. */
    private int operate(Random random, AtomicBoolean running) {
        int commands = 0;
        try {
            while (running.get()) {
                switch (random.nextInt(4)) {
                    case 0 -> loop.pause("torture");
                    case 1 -> loop.resume();
                    default -> {
                        try {
                            PackJob job =
                                    jobs.submit(new PackRequest(GRACE, false, random.nextBoolean(), false), "torture");
                            Thread.sleep(random.nextInt(100));
                            if (random.nextBoolean()) {
                                jobs.cancel(job.id());
                            }
                        } catch (PackBusyException e) {
                            // one pack job at a time: the last one still runs
                        }
                    }
                }
                commands++;
                Thread.sleep(random.nextInt(50));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return commands;
    }

    /** One writer's random work on its own subtree; returns the number of transactions. */
    private static int write(RelStorageWriter writer, long hub, Random random, AtomicBoolean running) {
        ObjectGraph graph = new ObjectGraph(writer);
        graph.children.put(hub, new ArrayList<>());
        ArrayDeque<long[]> unlinked = new ArrayDeque<>();
        int commits = 0;
        try {
            while (running.get()) {
                // Only the stale re-link below may touch an object that is no longer linked; every other
                // operation works on what is reachable from the hub now, as correct application code does.
                List<Long> live = reachable(graph, hub);
                long parent = live.get(random.nextInt(live.size()));
                List<Long> refs = new ArrayList<>(graph.children.getOrDefault(parent, List.of()));
                Map<Long, List<Long>> changes = new HashMap<>();
                int op = random.nextInt(10);
                if (op < 4) {
                    long child = graph.newOid();
                    changes.put(child, List.of());
                    refs.add(child);
                } else if (op < 7 && !refs.isEmpty()) {
                    long child = refs.remove(random.nextInt(refs.size()));
                    unlinked.add(new long[] {child, System.nanoTime()});
                } else if (op < 9 && !unlinked.isEmpty()) {
                    // a stale copy re-links an object unlinked a moment ago, without loading it
                    long[] stale = unlinked.poll();
                    if (System.nanoTime() - stale[1] < GRACE.toNanos() / 3) {
                        refs.add(stale[0]);
                    }
                } else {
                    long moved = live.get(random.nextInt(live.size()));
                    if (moved != hub && moved != parent && !refs.contains(moved)) {
                        refs.add(moved);
                    }
                }
                changes.put(parent, refs);
                graph.commit(changes);
                commits++;
                Thread.sleep(random.nextInt(20));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return commits;
    }

    private static List<Long> reachable(ObjectGraph graph, long hub) {
        Set<Long> seen = new java.util.LinkedHashSet<>(List.of(hub));
        ArrayDeque<Long> todo = new ArrayDeque<>(List.of(hub));
        while (!todo.isEmpty()) {
            for (long child : graph.children.getOrDefault(todo.poll(), List.of())) {
                if (seen.add(child)) {
                    todo.add(child);
                }
            }
        }
        return new ArrayList<>(seen);
    }

    private List<Long> currentRootChildren() throws Exception {
        byte[] root = new JdbcTemplate(db.dataSource())
                .queryForObject("SELECT state FROM object_state WHERE zoid = 0", byte[].class);
        List<Long> children = new ArrayList<>();
        for (long ref : new ReferenceScanner().scan(root).strong()) {
            children.add(ref);
        }
        return children;
    }
}
