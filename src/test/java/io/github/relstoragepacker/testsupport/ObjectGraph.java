package io.github.relstoragepacker.testsupport;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A ZODB object graph kept by a test and committed through {@link RelStorageWriter}: every object is a
 * {@code PersistentMapping} whose entries are its strong references. Random mutations follow what
 * Plone does: create objects under others, add and drop references, move objects, create objects that
 * nothing references yet.
 */
public final class ObjectGraph {

    public final Map<Long, List<Long>> children = new HashMap<>();
    private final RelStorageWriter writer;

    public ObjectGraph(RelStorageWriter writer) {
        this.writer = writer;
    }

    /** Commits new contents for the given objects in one transaction and returns its tid. */
    public long commit(Map<Long, List<Long>> changes) throws SQLException {
        Map<Long, byte[]> states = new LinkedHashMap<>();
        changes.forEach((zoid, refs) -> states.put(zoid, record(refs)));
        long tid = writer.commit(states);
        changes.forEach((zoid, refs) -> children.put(zoid, new ArrayList<>(refs)));
        return tid;
    }

    public long commit(long zoid, List<Long> refs) throws SQLException {
        return commit(Map.of(zoid, refs));
    }

    public long newOid() throws SQLException {
        return writer.newOid();
    }

    /** One random transaction touching up to a few objects. */
    public long mutate(Random random) throws SQLException {
        Map<Long, List<Long>> changes = new LinkedHashMap<>();
        List<Long> existing = new ArrayList<>(children.keySet());
        int operations = 1 + random.nextInt(3);
        for (int i = 0; i < operations; i++) {
            long target = existing.get(random.nextInt(existing.size()));
            List<Long> refs = new ArrayList<>(changes.getOrDefault(target, children.get(target)));
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    long child = newOid();
                    changes.put(child, List.of());
                    refs.add(child);
                }
                case 2 -> {
                    if (!refs.isEmpty()) {
                        refs.remove(random.nextInt(refs.size()));
                    }
                }
                case 3 -> refs.add(existing.get(random.nextInt(existing.size())));
                default -> changes.put(newOid(), List.of(existing.get(random.nextInt(existing.size()))));
            }
            changes.put(target, refs);
        }
        return commit(changes);
    }

    public static byte[] record(List<Long> refs) {
        ZodbRecords.Mapping mapping = ZodbRecords.mapping();
        for (int i = 0; i < refs.size(); i++) {
            mapping.strong("k" + i, refs.get(i));
        }
        return mapping.build();
    }
}
