package io.github.relstoragepacker.demo;

import java.sql.SQLException;
import java.util.Arrays;

/**
 * Writes one BTree as BTrees 4+ stores it when keys arrive in increasing order, without holding more
 * than one bucket of entries.
 *
 * <ol>
 *   <li>Up to the bucket's maximum size the tree has one bucket, stored inline in the tree's own record:
 *       state {@code (((k1, v1, ...),),)}, or {@code None} when empty.
 *   <li>The entry after a full bucket splits it: its first half becomes a bucket record of its own
 *       (state {@code ((k1, v1, ...), next_bucket)}), the rest stays in the bucket that now fills. So
 *       every bucket but the last holds half the maximum, as after sequential inserts in Python.
 *   <li>At {@link #close}, the last bucket is written (state {@code ((k1, v1, ...),)}), then the tree
 *       record: {@code ((b0, k1, b1, ...), first_bucket)}. With more children than a node holds, the
 *       children are grouped under BTree nodes of the tree's own class, half full but the last, level
 *       by level, as the root's splits leave them. Each node names its first bucket again, so it lists
 *       that bucket twice.
 * </ol>
 */
final class TreeWriter {

    /** The two BTree families a Plone site is mostly made of. */
    enum Family {
        /** {@code OOBTree}: a folder's or the member tool's string ids to persistent objects. */
        OO(PloneClasses.OOBTREE, PloneClasses.OOBUCKET, 30, 250),
        /** {@code IOBTree}: an intid utility's {@code refs}, int ids to inline key references. */
        IO(PloneClasses.IOBTREE, PloneClasses.IOBUCKET, 60, 500);

        final String treeClass;
        final String bucketClass;
        final int maxBucket;
        final int maxNode;

        Family(String treeClass, String bucketClass, int maxBucket, int maxNode) {
            this.treeClass = treeClass;
            this.bucketClass = bucketClass;
            this.maxBucket = maxBucket;
            this.maxNode = maxNode;
        }
    }

    private final Family family;
    private final RecordSink sink;
    private final boolean live;
    private final long rootOid;
    private final String[] stringKeys;
    private final long[] intKeys;
    private final long[] oids;
    private final String[] classes;
    private final String[] paths;
    private int count;
    /** The oid of the filling bucket once buckets are records of their own, else -1. */
    private long bucketOid = -1;

    private long[] bucketOids = new long[0];
    private String[] bucketStringKeys = new String[0];
    private long[] bucketIntKeys = new long[0];
    private int buckets;

    /**
     * @param rootOid the oid the utility or Zope application has, which key references record
     * @param live whether the tree's buckets and nodes are reachable from the root
     */
    TreeWriter(Family family, RecordSink sink, boolean live, long rootOid) {
        this.family = family;
        this.sink = sink;
        this.live = live;
        this.rootOid = rootOid;
        int capacity = family.maxBucket;
        this.stringKeys = new String[capacity];
        this.intKeys = new long[capacity];
        this.oids = new long[capacity];
        this.classes = new String[capacity];
        this.paths = new String[capacity];
    }

    /** {@code key -> (oid, className)}; keys must increase. */
    void add(String key, long oid, String className) throws SQLException {
        makeRoom();
        stringKeys[count] = key;
        append(oid, className, "");
    }

    /** {@code key -> KeyReferenceToPersistent(object at path)}; keys must increase. */
    void addKeyReference(long key, long oid, String className, String path) throws SQLException {
        makeRoom();
        intKeys[count] = key;
        append(oid, className, path);
    }

    /** How many entries the filling bucket holds. */
    int filling() {
        return count;
    }

    /** How many more oids {@link #close} will allocate: the BTree nodes above the buckets. */
    long closingCost() {
        return bucketOid < 0 ? 0 : nodesAbove(buckets + 1, family.maxNode);
    }

    /**
     * Writes a copy of the filling bucket as the record of {@code oid}: what an earlier split or merge
     * leaves behind when the tree stops pointing at a bucket record, still referencing live entries.
     */
    void writeStaleBucket(long oid) throws SQLException {
        writeBucket(oid, count, -1);
    }

    /** Writes the remaining records and the tree's own, as {@code treeOid}. */
    void close(long treeOid) throws SQLException {
        ZodbPickler p;
        if (bucketOid < 0) {
            p = sink.begin(family.treeClass);
            if (count == 0) {
                p.none();
            } else {
                p.beginTuple(1);
                p.beginTuple(1);
                items(p, 0, count);
                p.endTuple();
                p.endTuple();
            }
            sink.write(treeOid);
            return;
        }
        writeBucket(bucketOid, count, -1);
        recordBucket(bucketOid, 0);
        long[] childOids = Arrays.copyOf(bucketOids, buckets);
        long[] firstBuckets = childOids;
        int[] firstKeys = new int[buckets];
        Arrays.setAll(firstKeys, i -> i);
        String childClass = family.bucketClass;
        int children = buckets;
        while (children > family.maxNode) {
            int nodes = groups(children, family.maxNode);
            long[] nodeOids = new long[nodes];
            long[] nodeFirstBuckets = new long[nodes];
            int[] nodeFirstKeys = new int[nodes];
            for (int node = 0; node < nodes; node++) {
                int from = node * (family.maxNode / 2);
                int to = node == nodes - 1 ? children : from + family.maxNode / 2;
                nodeOids[node] = sink.allocate(live);
                nodeFirstBuckets[node] = firstBuckets[from];
                nodeFirstKeys[node] = firstKeys[from];
                writeNode(nodeOids[node], childOids, firstKeys, childClass, from, to, firstBuckets[from]);
            }
            childOids = nodeOids;
            firstBuckets = nodeFirstBuckets;
            firstKeys = nodeFirstKeys;
            childClass = family.treeClass;
            children = nodes;
        }
        writeNode(treeOid, childOids, firstKeys, childClass, 0, children, firstBuckets[0]);
    }

    private void makeRoom() throws SQLException {
        if (count < family.maxBucket) {
            return;
        }
        if (bucketOid < 0) {
            bucketOid = sink.allocate(live);
        }
        long next = sink.allocate(live);
        int half = count / 2;
        writeBucket(bucketOid, half, next);
        recordBucket(bucketOid, 0);
        int rest = count - half;
        System.arraycopy(stringKeys, half, stringKeys, 0, rest);
        System.arraycopy(intKeys, half, intKeys, 0, rest);
        System.arraycopy(oids, half, oids, 0, rest);
        System.arraycopy(classes, half, classes, 0, rest);
        System.arraycopy(paths, half, paths, 0, rest);
        count = rest;
        bucketOid = next;
    }

    private void append(long oid, String className, String path) {
        oids[count] = oid;
        classes[count] = className;
        paths[count] = path;
        count++;
    }

    private void recordBucket(long oid, int firstEntry) {
        if (buckets == bucketOids.length) {
            int capacity = Math.max(16, buckets * 2);
            bucketOids = Arrays.copyOf(bucketOids, capacity);
            if (family == Family.OO) {
                bucketStringKeys = Arrays.copyOf(bucketStringKeys, capacity);
            } else {
                bucketIntKeys = Arrays.copyOf(bucketIntKeys, capacity);
            }
        }
        bucketOids[buckets] = oid;
        if (family == Family.OO) {
            bucketStringKeys[buckets] = stringKeys[firstEntry];
        } else {
            bucketIntKeys[buckets] = intKeys[firstEntry];
        }
        buckets++;
    }

    /** The first {@code entries} entries as a bucket record; {@code next} -1 for the last bucket. */
    private void writeBucket(long oid, int entries, long next) throws SQLException {
        ZodbPickler p = sink.begin(family.bucketClass);
        p.beginTuple(next < 0 ? 1 : 2);
        items(p, 0, entries);
        if (next >= 0) {
            p.reference(next, family.bucketClass);
        }
        p.endTuple();
        sink.write(oid);
    }

    private void items(ZodbPickler p, int from, int to) {
        p.beginTuple(2 * (to - from));
        for (int i = from; i < to; i++) {
            if (family == Family.OO) {
                p.string(stringKeys[i]);
                p.reference(oids[i], classes[i]);
            } else {
                p.integer(intKeys[i]);
                keyReference(p, i);
            }
        }
        p.endTuple();
    }

    /** five.intid's key reference, stored inline in the bucket: its object, path and oids. */
    private void keyReference(ZodbPickler p, int i) {
        p.newObject(PloneClasses.KEY_REFERENCE);
        p.beginDict(5);
        p.string("path");
        p.string(paths[i]);
        p.endItem();
        p.string("object");
        p.reference(oids[i], classes[i]);
        p.endItem();
        p.string("root_oid");
        p.oid(rootOid);
        p.endItem();
        p.string("oid");
        p.oid(oids[i]);
        p.endItem();
        p.string("dbname");
        p.string("main");
        p.endItem();
        p.endDict();
        p.build();
    }

    /** A BTree node over children {@code from..to-1}, separated by their first keys. */
    private void writeNode(
            long oid, long[] childOids, int[] firstKeys, String childClass, int from, int to, long firstBucket)
            throws SQLException {
        ZodbPickler p = sink.begin(family.treeClass);
        p.beginTuple(2);
        p.beginTuple(2 * (to - from) - 1);
        for (int i = from; i < to; i++) {
            if (i > from) {
                if (family == Family.OO) {
                    p.string(bucketStringKeys[firstKeys[i]]);
                } else {
                    p.integer(bucketIntKeys[firstKeys[i]]);
                }
            }
            p.reference(childOids[i], childClass);
        }
        p.endTuple();
        p.reference(firstBucket, family.bucketClass);
        p.endTuple();
        sink.write(oid);
    }

    /** How many BTree nodes sit between the root and {@code children} buckets. */
    static long nodesAbove(long children, int maxNode) {
        long nodes = 0;
        while (children > maxNode) {
            children = groups(children, maxNode);
            nodes += children;
        }
        return nodes;
    }

    /**
     * Into how many nodes sequential splits cut {@code children}: half-full nodes until the rest fits
     * in one.
     */
    private static int groups(long children, int maxNode) {
        int half = maxNode / 2;
        return (int) (1 + (children - maxNode + half - 1) / half);
    }
}
