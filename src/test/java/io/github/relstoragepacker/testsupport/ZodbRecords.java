package io.github.relstoragepacker.testsupport;

import io.github.relstoragepacker.demo.ZodbPickler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Stored ZODB records, byte for byte as ZODB 5.4+ on Python 3 writes them, built with the project's
 * {@link ZodbPickler} (protocol 3, the class pickle then the state pickle from one pickler with one
 * memo; docs/relstorage.md §4).
 *
 * <p>Tests build object graphs from these instead of opaque bytes, so the collector meets the same
 * opcodes, memo references ({@code BINGET} of a class the record already named) and persistent-id
 * forms as in a real database. The output equals real ZODB records from the fixture file (see
 * {@code ZodbRecordsTest}).
 */
public final class ZodbRecords {

    /** The class every {@link #persistentMapping} child is assumed to have. */
    public static final String PERSISTENT_MAPPING = "persistent.mapping.PersistentMapping";

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
        ZodbPickler p = new ZodbPickler();
        p.beginRecord("ZODB.blob.Blob");
        p.none();
        p.endRecord();
        return p.toByteArray();
    }

    /** A {@code PersistentMapping} under construction; entries keep their order, like a Python dict. */
    public static final class Mapping {

        private final Map<String, Consumer<ZodbPickler>> entries = new LinkedHashMap<>();

        private Mapping() {}

        /** {@code key -> (oid, PersistentMapping)}: a strong reference to a {@code PersistentMapping}. */
        public Mapping strong(String key, long oid) {
            return strong(key, oid, PERSISTENT_MAPPING);
        }

        /** {@code key -> (oid, klass)}: a strong reference to an object of {@code className}. */
        public Mapping strong(String key, long oid, String className) {
            return put(key, p -> p.reference(oid, className));
        }

        /** {@code key -> ['w', (oid,)]}: a {@code persistent.wref.WeakRef}, which keeps nothing alive. */
        public Mapping weak(String key, long oid) {
            return put(key, p -> p.weakReference(oid));
        }

        /** {@code key -> ['m', (database, oid, klass)]}: a reference into another database. */
        public Mapping crossDatabase(String key, String database, long oid, String className) {
            return put(key, p -> p.crossDatabaseReference(database, oid, className));
        }

        /** The record: {@code PersistentMapping} state {@code {'data': {...}}}. */
        public byte[] build() {
            ZodbPickler p = new ZodbPickler();
            p.beginRecord(PERSISTENT_MAPPING);
            p.beginDict(1);
            p.string("data");
            p.beginDict(entries.size());
            entries.forEach((key, value) -> {
                p.string(key);
                value.accept(p);
                p.endItem();
            });
            p.endDict();
            p.endItem();
            p.endDict();
            p.endRecord();
            return p.toByteArray();
        }

        private Mapping put(String key, Consumer<ZodbPickler> value) {
            if (entries.put(Objects.requireNonNull(key, "key must not be null"), value) != null) {
                throw new IllegalArgumentException("duplicate key " + key);
            }
            return this;
        }
    }
}
