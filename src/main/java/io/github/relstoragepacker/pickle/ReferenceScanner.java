package io.github.relstoragepacker.pickle;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the persistent references out of a stored ZODB record ({@code object_state.state}), exactly
 * as ZODB's {@code referencesf} does for RelStorage's pack.
 *
 * <p>A record is two pickles written by one pickler: the class metadata, then the state. Like
 * {@code referencesf}, the scanner runs zodbpickle's {@code noload()} twice over one stream with one
 * memo (the state pickle may {@code BINGET} what the class pickle stored), collecting every
 * persistent id in order. Records starting with {@code .z} (zc.zlibstorage) are inflated first; a
 * NULL or empty state has no references, as RelStorage skips it.
 *
 * <p>Safety: a record that cannot be read completely raises {@link UnreadableRecordException}; the
 * scanner never answers "no references" for it. One instance is not thread-safe; it reuses its
 * buffers from record to record, so use one per thread.
 */
public final class ReferenceScanner {

    private final PersistentIdClassifier persistentIds = new PersistentIdClassifier();
    private final PickleMachine machine = new PickleMachine(persistentIds);
    private final Inflater inflater = new Inflater();

    /** The references of a record; null and empty records have none. */
    public References scan(byte @org.jspecify.annotations.Nullable [] record) throws UnreadableRecordException {
        if (record == null || record.length == 0) {
            return References.NONE;
        }
        byte[] pickle = isCompressed(record) ? inflate(record) : record;
        persistentIds.clear();
        machine.reset(pickle, 0, pickle.length);
        machine.noload(true);
        machine.noload(false);
        return persistentIds.result(machine.className());
    }

    private static boolean isCompressed(byte[] record) {
        return record.length >= 2 && record[0] == '.' && record[1] == 'z';
    }

    /**
     * {@code zlib.decompress(record[2:])}: the stream must be complete; bytes after its end are
     * ignored. Output is bounded by deflate's own maximum ratio, so no size limit is needed.
     */
    private byte[] inflate(byte[] record) throws UnreadableRecordException {
        inflater.reset();
        inflater.setInput(record, 2, record.length - 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, record.length * 4));
        byte[] chunk = new byte[8192];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new UnreadableRecordException(
                            "zlib-compressed record (.z) ends before its compressed stream does", 2, -1);
                }
                out.write(chunk, 0, n);
            }
        } catch (DataFormatException e) {
            throw new UnreadableRecordException("zlib-compressed record (.z) is corrupt", e);
        }
        if (out.size() == 0) {
            throw new UnreadableRecordException("zlib-compressed record (.z) holds no pickle", 2, -1);
        }
        return out.toByteArray();
    }
}
