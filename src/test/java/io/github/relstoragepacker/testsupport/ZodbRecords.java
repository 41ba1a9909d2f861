package io.github.relstoragepacker.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Stored ZODB records, byte for byte as ZODB 5.4+ on Python 3 writes them ({@code ObjectWriter}:
 * protocol 3, the class pickle then the state pickle from one pickler with one memo; facts §4).
 *
 * <p>Tests build object graphs from these instead of opaque bytes, so the collector meets the same
 * opcodes, memo references ({@code BINGET} of a class the record already named) and persistent-id
 * forms as in a real database. The output equals real ZODB records from the fixture file (see
 * {@code ZodbRecordsTest}).
 *
 * <p>The memo is keyed by value: ZODB repeats a string, class or oid within one record by reusing the
 * same Python object (an interned key, the class, the child's {@code _p_oid}), which the pickler
 * memoizes by identity. Dictionaries are batched like CPython's C pickler (the one zodbpickle uses).
 */
public final class ZodbRecords {

    /** The class every {@link #persistentMapping} child is assumed to have. */
    public static final String PERSISTENT_MAPPING = "persistent.mapping.PersistentMapping";

    private static final int BATCH_SIZE = 1000;

    private ZodbRecords() {}

    /** A {@code PersistentMapping} whose entries are strong references to {@code PersistentMapping}s. */
    public static byte[] persistentMapping(Map<String, Long> children) {
        Mapping mapping = mapping();
        children.forEach(mapping::strong);
        return mapping.build();
    }

    /** A {@code PersistentMapping} to fill with strong, weak and cross-database references. */
    public static Mapping mapping() {
        return new Mapping();
    }

    /** A {@code ZODB.blob.Blob} record: its state is {@code None}, the data lives beside it. */
    public static byte[] blob() {
        return Pickler.record("ZODB.blob.Blob", Pickler::none);
    }

    /** A {@code PersistentMapping} under construction; entries keep their order, like a Python dict. */
    public static final class Mapping {

        private final Map<String, Consumer<Pickler>> entries = new LinkedHashMap<>();

        private Mapping() {}

        /** {@code key -> (oid, PersistentMapping)}: a strong reference to a {@code PersistentMapping}. */
        public Mapping strong(String key, long oid) {
            return strong(key, oid, PERSISTENT_MAPPING);
        }

        /** {@code key -> (oid, klass)}: a strong reference to an object of {@code className}. */
        public Mapping strong(String key, long oid, String className) {
            return put(key, p -> {
                p.oid("", oid);
                p.global(className);
                p.tuple(2);
                p.persistentId();
            });
        }

        /** {@code key -> ['w', (oid,)]}: a {@code persistent.wref.WeakRef}, which keeps nothing alive. */
        public Mapping weak(String key, long oid) {
            return put(key, p -> {
                p.list(() -> {
                    p.string("w");
                    p.oid("", oid);
                    p.tuple(1);
                });
                p.persistentId();
            });
        }

        /** {@code key -> ['m', (database, oid, klass)]}: a reference into another database. */
        public Mapping crossDatabase(String key, String database, long oid, String className) {
            return put(key, p -> {
                p.list(() -> {
                    p.string("m");
                    p.string(database);
                    p.oid(database, oid);
                    p.global(className);
                    p.tuple(3);
                });
                p.persistentId();
            });
        }

        public byte[] build() {
            return Pickler.record(
                    PERSISTENT_MAPPING,
                    p -> p.dict(List.of(() -> {
                        p.string("data");
                        p.dict(entries.entrySet().stream()
                                .<Runnable>map(entry -> () -> {
                                    p.string(entry.getKey());
                                    entry.getValue().accept(p);
                                })
                                .toList());
                    })));
        }

        private Mapping put(String key, Consumer<Pickler> value) {
            if (entries.put(Objects.requireNonNull(key, "key must not be null"), value) != null) {
                throw new IllegalArgumentException("duplicate key " + key);
            }
            return this;
        }
    }

    /** The few protocol-3 opcodes ZODB records of this kind use. */
    private static final class Pickler {

        private record Key(char kind, Object value) {}

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<Key, Integer> memo = new HashMap<>();

        static byte[] record(String className, Consumer<Pickler> state) {
            Pickler p = new Pickler();
            p.proto();
            p.global(className);
            p.out.write('.');
            p.proto();
            state.accept(p);
            p.out.write('.');
            return p.out.toByteArray();
        }

        /** {@code BINPERSID}: the value just written is a persistent id, not data. */
        void persistentId() {
            out.write('Q');
        }

        void none() {
            out.write('N');
        }

        private void proto() {
            out.write(0x80);
            out.write(3);
        }

        void global(String dottedName) {
            Key key = new Key('c', dottedName);
            if (!get(key)) {
                int dot = dottedName.lastIndexOf('.');
                out.write('c');
                ascii(dottedName.substring(0, dot) + "\n" + dottedName.substring(dot + 1) + "\n");
                put(key);
            }
        }

        void string(String value) {
            Key key = new Key('X', value);
            if (!get(key)) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                out.write('X');
                int32(utf8.length);
                out.writeBytes(utf8);
                put(key);
            }
        }

        /**
         * An oid as {@code SHORT_BINBYTES} of its 8 big-endian bytes, memoized per database: the same
         * oid in another database belongs to another object.
         */
        void oid(String database, long oid) {
            Key key = new Key('C', database + ":" + oid);
            if (!get(key)) {
                out.write('C');
                out.write(8);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    out.write((int) (oid >>> shift));
                }
                put(key);
            }
        }

        /** Packs the last {@code size} (1 to 3) values into a tuple, which is memoized but never reused. */
        void tuple(int size) {
            out.write(0x84 + size);
            put(new Key('t', memo.size()));
        }

        /** A list of at least two items. */
        void list(Runnable items) {
            out.write(']');
            put(new Key('l', memo.size()));
            out.write('(');
            items.run();
            out.write('e');
        }

        /** A dict; each item writes one key and its value. */
        void dict(List<Runnable> items) {
            out.write('}');
            put(new Key('d', memo.size()));
            if (items.size() == 1) {
                items.get(0).run();
                out.write('s');
            } else if (!items.isEmpty()) {
                // CPython's batch_dict_exact: MARK ... SETITEMS per 1000 items, so a multiple of 1000
                // items ends with an empty batch.
                int next = 0;
                int batch;
                do {
                    out.write('(');
                    for (batch = 0; batch < BATCH_SIZE && next < items.size(); batch++) {
                        items.get(next++).run();
                    }
                    out.write('u');
                } while (batch == BATCH_SIZE);
            }
        }

        private boolean get(Key key) {
            Integer index = memo.get(key);
            if (index == null) {
                return false;
            }
            if (index < 256) {
                out.write('h');
                out.write(index);
            } else {
                out.write('j');
                int32(index);
            }
            return true;
        }

        private void put(Key key) {
            int index = memo.size();
            memo.put(key, index);
            if (index < 256) {
                out.write('q');
                out.write(index);
            } else {
                out.write('r');
                int32(index);
            }
        }

        private void int32(int value) {
            for (int shift = 0; shift < 32; shift += 8) {
                out.write(value >>> shift);
            }
        }

        private void ascii(String text) {
            out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
