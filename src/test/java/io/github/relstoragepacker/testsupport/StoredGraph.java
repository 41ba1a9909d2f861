package io.github.relstoragepacker.testsupport;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.pickle.UnreadableRecordException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The object graph as {@code object_state} holds it, read independently of the index: the ground
 * truth collection tests judge the collector by.
 */
public final class StoredGraph {

    private final Map<Long, long[]> refs = new HashMap<>();

    private StoredGraph() {}

    /** Reads every state and its strong references. */
    public static StoredGraph read(DataSource dataSource) throws UnreadableRecordException {
        List<Map.Entry<Long, byte[]>> rows = new ArrayList<>();
        new JdbcTemplate(dataSource).query("SELECT zoid, state FROM object_state", rs -> {
            rows.add(Map.entry(rs.getLong(1), rs.getBytes(2)));
        });
        StoredGraph graph = new StoredGraph();
        ReferenceScanner scanner = new ReferenceScanner();
        for (Map.Entry<Long, byte[]> row : rows) {
            graph.refs.put(row.getKey(), scanner.scan(row.getValue()).strong());
        }
        return graph;
    }

    public Set<Long> zoids() {
        return new TreeSet<>(refs.keySet());
    }

    /** Existing objects reachable from the root over strong references. */
    public Set<Long> reachable() {
        Set<Long> seen = new TreeSet<>();
        walk(seen, new ArrayList<>());
        return seen;
    }

    /** Oids that reachable objects reference but that do not exist: what a POSKeyError would hit. */
    public List<Long> danglingFromRoot() {
        List<Long> dangling = new ArrayList<>();
        walk(new TreeSet<>(), dangling);
        return dangling;
    }

    private void walk(Set<Long> reached, List<Long> dangling) {
        Set<Long> seen = new TreeSet<>(List.of(0L));
        ArrayDeque<Long> todo = new ArrayDeque<>(List.of(0L));
        while (!todo.isEmpty()) {
            long zoid = todo.poll();
            long[] targets = refs.get(zoid);
            if (targets == null) {
                dangling.add(zoid);
                continue;
            }
            reached.add(zoid);
            for (long target : targets) {
                if (seen.add(target)) {
                    todo.add(target);
                }
            }
        }
    }
}
