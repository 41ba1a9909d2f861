package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The graph read back from {@code packer.object} marks exactly what a plain breadth-first walk over
 * the same references reaches, on random graphs with what real indexes hold: objects without
 * references (NULL) or with an empty array, self references, references to zoids the index does not
 * have, sparse zoids up to 2^62, and rows stored out of zoid order.
 */
class ReferenceGraphTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @BeforeEach
    void schema() throws Exception {
        IndexSchema.migrate(db.dataSource());
        db.execute("TRUNCATE packer.object");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void marksWhatABreadthFirstWalkReaches(long seed) throws Exception {
        Random random = new Random(seed);
        int n = 500 + random.nextInt(3000);
        List<Long> zoids = new ArrayList<>(new TreeSet<>(
                random.longs(n, 1, seed % 2 == 0 ? 4L * n : 1L << 62).boxed().toList()));
        zoids.add(0, 0L);
        Map<Long, List<Long>> refs = new HashMap<>();
        for (long zoid : zoids) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                continue; // NULL refs
            }
            List<Long> targets = new ArrayList<>();
            for (int i = 0, count = kind == 1 ? 0 : random.nextInt(4); i < count; i++) {
                targets.add(random.nextInt(20) == 0 ? -zoid - 7 : zoids.get(random.nextInt(zoids.size())));
            }
            if (random.nextInt(30) == 0) {
                targets.add(zoid);
            }
            refs.put(zoid, targets.stream().distinct().sorted().toList());
        }
        List<Long> stored = new ArrayList<>(zoids);
        java.util.Collections.shuffle(stored, random);
        try (Connection c = db.connect();
                PreparedStatement st = c.prepareStatement(
                        "INSERT INTO packer.object (zoid, tid, state_size, class_id, refs) VALUES (?, 1, 10, 0, ?)")) {
            for (long zoid : stored) {
                st.setLong(1, zoid);
                List<Long> targets = refs.get(zoid);
                st.setArray(2, targets == null ? null : c.createArrayOf("bigint", targets.toArray()));
                st.addBatch();
            }
            st.executeBatch();
        }

        ReferenceGraph graph;
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            graph = ReferenceGraph.read(c, () -> false);
            c.commit();
        }

        assertThat(graph).isNotNull();
        assertThat(graph.size()).isEqualTo(zoids.size());
        BitSet marked = graph.reachableFrom(graph.position(0));
        Set<Long> reached = new HashSet<>();
        for (int i = marked.nextSetBit(0); i >= 0; i = marked.nextSetBit(i + 1)) {
            reached.add(graph.zoid(i));
        }
        assertThat(reached).isEqualTo(walk(refs, new HashSet<>(zoids)));
    }

    private static Set<Long> walk(Map<Long, List<Long>> refs, Set<Long> present) {
        Set<Long> seen = new HashSet<>(List.of(0L));
        Deque<Long> queue = new ArrayDeque<>(List.of(0L));
        while (!queue.isEmpty()) {
            for (long target : refs.getOrDefault(queue.poll(), List.of())) {
                if (present.contains(target) && seen.add(target)) {
                    queue.add(target);
                }
            }
        }
        return seen;
    }
}
