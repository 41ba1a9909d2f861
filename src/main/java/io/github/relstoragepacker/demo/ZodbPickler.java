package io.github.relstoragepacker.demo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes stored ZODB records byte for byte as ZODB 5.4+ on Python 3 does ({@code ObjectWriter}: protocol
 * 3, the class pickle then the state pickle, written by one pickler with one memo; docs/relstorage.md §4), so that
 * the state pickle may {@code BINGET} the class the first pickle stored.
 *
 * <p>A record is written front to back: {@link #beginRecord}, the state, {@link #endRecord}, then
 * {@link #toByteArray} or {@link #copyTo}. Containers are opened with their size, because CPython's
 * pickler chooses opcodes by size (a one-item dict ends with {@code SETITEM}, a longer one is batched
 * {@code MARK ... SETITEMS} per 1,000 items, a tuple of up to three uses {@code TUPLE1..3}); each list
 * item and dict entry is closed with {@link #endItem}. Tuple elements need no such call.
 *
 * <p>The memo is keyed by value: ZODB repeats a string, class or oid within one record by reusing the
 * same Python object (an interned key, the class, the child's {@code _p_oid}), which the pickler
 * memoizes by identity. Lists, dicts and tuples are memoized but never reused.
 *
 * <p>One instance writes one record at a time and is not thread-safe; reuse it from record to record
 * (the memo is cleared in constant time and oids are memoized without boxing).
 */
public final class ZodbPickler {

    private static final int BATCH_SIZE = 1000;
    private static final int TUPLE = 0;
    private static final int LIST = 1;
    private static final int DICT = 2;
    private static final byte KIND_STRING = 'X';
    private static final byte KIND_GLOBAL = 'c';
    private static final byte KIND_FOREIGN_OID = 'C';

    private byte[] buffer = new byte[4096];
    private int size;
    private int memoSize;
    private final LongMemo localOids = new LongMemo();
    private final ObjectMemo names = new ObjectMemo();
    private final Map<String, byte[]> globalLines = new HashMap<>();
    /** Open containers, three ints each: kind, declared size, items so far. */
    private int[] frames = new int[3 * 8];

    private int depth;

    /** Starts a record: forgets the previous one, writes the class pickle and opens the state pickle. */
    public void beginRecord(String className) {
        size = 0;
        memoSize = 0;
        depth = 0;
        localOids.clear();
        names.clear();
        proto();
        global(className);
        write('.');
        proto();
    }

    /** Ends the state pickle; the record is then {@link #toByteArray} until the next {@link #beginRecord}. */
    public void endRecord() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " container(s) still open");
        }
        write('.');
    }

    /** The length of the record written so far. */
    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    /** Copies the record into {@code target} from {@code offset} on, without an intermediate array. */
    public void copyTo(byte[] target, int offset) {
        System.arraycopy(buffer, 0, target, offset, size);
    }

    public void none() {
        write('N');
    }

    public void bool(boolean value) {
        write(value ? 0x88 : 0x89);
    }

    /** A Python int, in the shortest form CPython's pickler picks ({@code BININT1/2}, {@code BININT}, {@code LONG1}). */
    public void integer(long value) {
        if (value >= 0 && value <= 0xff) {
            write('K');
            write((int) value);
        } else if (value >= 0 && value <= 0xffff) {
            write('M');
            write((int) value);
            write((int) (value >>> 8));
        } else if (value == (int) value) {
            write('J');
            int32((int) value);
        } else {
            int bytes = 5;
            while (value >> (8 * bytes - 1) != 0 && value >> (8 * bytes - 1) != -1) {
                bytes++;
            }
            write(0x8a);
            write(bytes);
            for (int i = 0; i < bytes; i++) {
                write((int) (value >> (8 * i)));
            }
        }
    }

    /** A {@code str} ({@code BINUNICODE}, UTF-8), written once per record and then fetched from the memo. */
    public void string(String value) {
        if (fetch(names.get(KIND_STRING, value))) {
            return;
        }
        int length = value.length();
        ensure(5 + length);
        int start = size;
        buffer[size] = 'X';
        size += 5;
        int i = 0;
        while (i < length && value.charAt(i) < 0x80) {
            buffer[size++] = (byte) value.charAt(i++);
        }
        if (i < length) {
            size = start + 5;
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            writeBytes(utf8, 0, utf8.length);
        }
        int encoded = size - start - 5;
        for (int shift = 0, at = start + 1; shift < 32; shift += 8, at++) {
            buffer[at] = (byte) (encoded >>> shift);
        }
        names.put(KIND_STRING, value, memoize());
    }

    /** A class or function by its dotted name ({@code GLOBAL module\nname\n}). */
    public void global(String dottedName) {
        if (fetch(names.get(KIND_GLOBAL, dottedName))) {
            return;
        }
        byte[] line = globalLines.computeIfAbsent(dottedName, ZodbPickler::globalLine);
        writeBytes(line, 0, line.length);
        names.put(KIND_GLOBAL, dottedName, memoize());
    }

    /** An oid of this database as {@code SHORT_BINBYTES} of its 8 big-endian bytes. */
    public void oid(long oid) {
        if (!fetch(localOids.get(oid))) {
            oidBytes(oid);
            localOids.put(oid, memoize());
        }
    }

    /**
     * An oid of another database; memoized apart from this database's oids, since the same oid there
     * belongs to another object.
     */
    public void oid(String database, long oid) {
        if (database.isEmpty()) {
            oid(oid);
            return;
        }
        String key = database + ":" + oid;
        if (!fetch(names.get(KIND_FOREIGN_OID, key))) {
            oidBytes(oid);
            names.put(KIND_FOREIGN_OID, key, memoize());
        }
    }

    /** {@code BINPERSID}: the value just written is a persistent id, not data. */
    public void persistentId() {
        write('Q');
    }

    /** {@code (oid, klass)}: the strong reference ZODB writes for a persistent object. */
    public void reference(long oid, String className) {
        oid(oid);
        global(className);
        write(0x86);
        memoize();
        persistentId();
    }

    /** {@code ['w', (oid,)]}: a {@code persistent.wref.WeakRef}, which keeps nothing alive. */
    public void weakReference(long oid) {
        beginList(2);
        string("w");
        endItem();
        oid(oid);
        write(0x85);
        memoize();
        endItem();
        endList();
        persistentId();
    }

    /** {@code ['m', (database, oid, klass)]}: a reference into another database. */
    public void crossDatabaseReference(String database, long oid, String className) {
        beginList(2);
        string("m");
        endItem();
        string(database);
        oid(database, oid);
        global(className);
        write(0x87);
        memoize();
        endItem();
        endList();
        persistentId();
    }

    /**
     * An instance of a plain (non-persistent) class stored inline, as {@code copyreg.__reduce_ex__(2)}
     * pickles it: {@code GLOBAL}, empty args, {@code NEWOBJ}. Write its {@code __dict__} next, then
     * {@link #build}.
     */
    public void newObject(String className) {
        global(className);
        write(')');
        write(0x81);
        memoize();
    }

    /** {@code BUILD}: sets the state just written on the object below it. */
    public void build() {
        write('b');
    }

    /** Opens a tuple of {@code size} elements; close it with {@link #endTuple} after the last one. */
    public void beginTuple(int size) {
        push(TUPLE, size);
        if (size == 0) {
            write(')');
        } else if (size > 3) {
            write('(');
        }
    }

    public void endTuple() {
        int tupleSize = pop(TUPLE);
        if (tupleSize > 0) {
            write(tupleSize > 3 ? 't' : 0x84 + tupleSize);
            memoize();
        }
    }

    /** Opens a list of {@code size} items, each closed with {@link #endItem}. */
    public void beginList(int size) {
        push(LIST, size);
        write(']');
        memoize();
        if (size > 1) {
            write('(');
        }
    }

    public void endList() {
        int listSize = pop(LIST);
        if (listSize == 1) {
            write('a');
        } else if (listSize > 1 && listSize % BATCH_SIZE != 0) {
            write('e');
        }
    }

    /** Opens a dict of {@code size} entries, each written as key, value, {@link #endItem}. */
    public void beginDict(int size) {
        push(DICT, size);
        write('}');
        memoize();
        if (size > 1) {
            write('(');
        }
    }

    public void endDict() {
        int dictSize = pop(DICT);
        if (dictSize == 1) {
            write('s');
        } else if (dictSize > 1) {
            write('u');
        }
    }

    /** Closes one list item or dict entry, ending a batch after every 1,000 as CPython's pickler does. */
    public void endItem() {
        if (depth == 0 || frames[3 * depth - 3] == TUPLE) {
            throw new IllegalStateException("no list or dict is open");
        }
        int at = 3 * depth - 3;
        int count = ++frames[at + 2];
        if (count > frames[at + 1]) {
            throw new IllegalStateException("more items than the declared " + frames[at + 1]);
        }
        if (count % BATCH_SIZE == 0 && frames[at + 1] > 1) {
            if (frames[at] == LIST) {
                // batch_list_exact: APPENDS per full batch, a new MARK only if items remain
                write('e');
                if (count < frames[at + 1]) {
                    write('(');
                }
            } else {
                // batch_dict_exact: SETITEMS then always a new MARK, so a multiple of 1,000 ends with an
                // empty batch
                write('u');
                write('(');
            }
        }
    }

    private void push(int kind, int declared) {
        if (declared < 0) {
            throw new IllegalArgumentException("size must not be negative: " + declared);
        }
        if (3 * depth + 3 > frames.length) {
            frames = Arrays.copyOf(frames, frames.length * 2);
        }
        frames[3 * depth] = kind;
        frames[3 * depth + 1] = declared;
        frames[3 * depth + 2] = 0;
        depth++;
    }

    private int pop(int kind) {
        if (depth == 0 || frames[3 * depth - 3] != kind) {
            throw new IllegalStateException("no " + (kind == TUPLE ? "tuple" : kind == LIST ? "list" : "dict")
                    + " is the innermost open container");
        }
        int at = 3 * depth - 3;
        int declared = frames[at + 1];
        if (kind != TUPLE && frames[at + 2] != declared) {
            throw new IllegalStateException(frames[at + 2] + " items written, " + declared + " declared");
        }
        depth--;
        return declared;
    }

    private void proto() {
        write(0x80);
        write(3);
    }

    private void oidBytes(long oid) {
        ensure(10);
        buffer[size++] = 'C';
        buffer[size++] = 8;
        for (int shift = 56; shift >= 0; shift -= 8) {
            buffer[size++] = (byte) (oid >>> shift);
        }
    }

    /** Writes {@code BINGET} of a memo index and returns true, or returns false for "not memoized" (-1). */
    private boolean fetch(int index) {
        if (index < 0) {
            return false;
        }
        if (index < 256) {
            write('h');
            write(index);
        } else {
            write('j');
            int32(index);
        }
        return true;
    }

    /** {@code BINPUT} of the next memo index, which it returns. */
    private int memoize() {
        int index = memoSize++;
        if (index < 256) {
            write('q');
            write(index);
        } else {
            write('r');
            int32(index);
        }
        return index;
    }

    private void int32(int value) {
        ensure(4);
        for (int shift = 0; shift < 32; shift += 8) {
            buffer[size++] = (byte) (value >>> shift);
        }
    }

    private void write(int b) {
        if (size == buffer.length) {
            ensure(1);
        }
        buffer[size++] = (byte) b;
    }

    private void writeBytes(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buffer, size, length);
        size += length;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    private static byte[] globalLine(String dottedName) {
        int dot = dottedName.lastIndexOf('.');
        if (dot <= 0 || dot == dottedName.length() - 1) {
            throw new IllegalArgumentException("not a dotted module.name: " + dottedName);
        }
        return ("c" + dottedName.substring(0, dot) + "\n" + dottedName.substring(dot + 1) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Open addressing from oid to memo index. A slot counts only if its stamp is the current one, so
     * clearing for the next record is one increment.
     */
    private static final class LongMemo {

        private long[] keys = new long[256];
        private int[] values = new int[256];
        private int[] stamps = new int[256];
        private int stamp = 1;
        private int count;

        void clear() {
            count = 0;
            if (++stamp == 0) {
                Arrays.fill(stamps, 0);
                stamp = 1;
            }
        }

        int get(long key) {
            int mask = keys.length - 1;
            for (int slot = hash(key) & mask; stamps[slot] == stamp; slot = (slot + 1) & mask) {
                if (keys[slot] == key) {
                    return values[slot];
                }
            }
            return -1;
        }

        void put(long key, int value) {
            if (2 * (count + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int slot = hash(key) & mask;
            while (stamps[slot] == stamp) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = value;
            stamps[slot] = stamp;
            count++;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldValues = values;
            int[] oldStamps = stamps;
            int live = stamp;
            keys = new long[oldKeys.length * 2];
            values = new int[keys.length];
            stamps = new int[keys.length];
            stamp = 1;
            count = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldStamps[i] == live) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }

    /** Like {@link LongMemo}, for strings, class names and foreign oids, each kind apart from the others. */
    private static final class ObjectMemo {

        private @Nullable Object[] keys = new Object[256];
        private byte[] kinds = new byte[256];
        private int[] values = new int[256];
        private int[] stamps = new int[256];
        private int stamp = 1;
        private int count;

        void clear() {
            count = 0;
            if (++stamp == 0) {
                Arrays.fill(stamps, 0);
                stamp = 1;
            }
        }

        int get(byte kind, Object key) {
            int mask = keys.length - 1;
            for (int slot = hash(kind, key) & mask; stamps[slot] == stamp; slot = (slot + 1) & mask) {
                if (kinds[slot] == kind && key.equals(keys[slot])) {
                    return values[slot];
                }
            }
            return -1;
        }

        void put(byte kind, Object key, int value) {
            if (2 * (count + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int slot = hash(kind, key) & mask;
            while (stamps[slot] == stamp) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            kinds[slot] = kind;
            values[slot] = value;
            stamps[slot] = stamp;
            count++;
        }

        private void grow() {
            @Nullable Object[] oldKeys = keys;
            byte[] oldKinds = kinds;
            int[] oldValues = values;
            int[] oldStamps = stamps;
            int live = stamp;
            keys = new Object[oldKeys.length * 2];
            kinds = new byte[keys.length];
            values = new int[keys.length];
            stamps = new int[keys.length];
            stamp = 1;
            count = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldStamps[i] == live) {
                    put(oldKinds[i], Objects.requireNonNull(oldKeys[i]), oldValues[i]);
                }
            }
        }

        private static int hash(byte kind, Object key) {
            int h = key.hashCode() * 31 + kind;
            return h ^ (h >>> 16);
        }
    }
}
