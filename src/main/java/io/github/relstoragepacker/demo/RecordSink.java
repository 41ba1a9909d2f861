package io.github.relstoragepacker.demo;

import java.io.IOException;
import java.sql.SQLException;
import java.util.function.LongConsumer;

/**
 * Hands out oids in increasing order from 0, as RelStorage's {@code zoid_seq} does, counts which are
 * reachable and which are garbage (reporting each garbage oid), and writes each record with the tid
 * of the current transaction.
 */
final class RecordSink {

    private final ZodbPickler pickler = new ZodbPickler();
    private final ObjectStateCopy copy;
    private final BlobWriter blobs;
    private final Transactions transactions;
    private final LongConsumer garbageSink;
    private long nextOid;
    private long reachable;
    private long garbage;
    private long bytes;

    RecordSink(ObjectStateCopy copy, BlobWriter blobs, Transactions transactions, LongConsumer garbageSink) {
        this.copy = copy;
        this.blobs = blobs;
        this.transactions = transactions;
        this.garbageSink = garbageSink;
    }

    /** The next oid, for an object that will be reachable from the root or not. */
    long allocate(boolean live) {
        long oid = nextOid++;
        if (live) {
            reachable++;
        } else {
            garbage++;
            garbageSink.accept(oid);
        }
        return oid;
    }

    /** Starts the record of an object of {@code className}; write its state, then {@link #write}. */
    ZodbPickler begin(String className) {
        pickler.beginRecord(className);
        return pickler;
    }

    /** Stores the record just pickled as the state of {@code oid} and returns its tid. */
    long write(long oid) throws SQLException {
        pickler.endRecord();
        long tid = transactions.next();
        copy.add(oid, tid, pickler);
        bytes += pickler.size();
        if (copy.batchFull()) {
            finishBatch();
        }
        return tid;
    }

    /** Writes the empty state of a {@code ZODB.blob.Blob} and stores its data. */
    void writeBlob(long oid) throws SQLException, IOException {
        begin(PloneClasses.BLOB).none();
        blobs.add(oid, write(oid), transactions);
    }

    /** Commits the rows sent so far, then the blob chunks that had to wait for them. */
    void finishBatch() throws SQLException {
        copy.endBatch();
        blobs.flush();
    }

    long allocated() {
        return nextOid;
    }

    long reachable() {
        return reachable;
    }

    long garbage() {
        return garbage;
    }

    long bytes() {
        return bytes;
    }

    long blobs() {
        return blobs.count();
    }
}
