package io.github.relstoragepacker.pickle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * The Python values a {@code noload} pass can leave on the stack. Under {@code noload} globals,
 * instances, reductions and extensions all become {@code None}, so the set of types is closed: None,
 * bool, int, float, bytes, str, tuple, list, dict, and for protocol 4/5 set, frozenset and bytearray.
 * Only what decides references or errors is kept: string contents (oids, {@code 'w'}/{@code 'm'}
 * markers), tuple and list items, small int values (list indices), and hashability.
 */
abstract sealed class PyValue {

    static final PyValue NONE = new Scalar(true);
    static final PyValue FLOAT = new Scalar(true);
    static final PyValue DICT = new Scalar(false);
    static final PyValue SET = new Scalar(false);
    static final PyValue FROZENSET = new Scalar(true);
    static final PyValue BYTEARRAY = new Scalar(false);

    abstract boolean hashable();

    /** None, float, and the containers whose contents never matter (dict, set, frozenset, bytearray). */
    static final class Scalar extends PyValue {
        private final boolean hashable;

        private Scalar(boolean hashable) {
            this.hashable = hashable;
        }

        @Override
        boolean hashable() {
            return hashable;
        }
    }

    /** An int or bool; {@code exact} is false when the value does not fit in a long. */
    static final class Int extends PyValue {
        private static final Int[] SMALL = new Int[261];

        static {
            for (int i = 0; i < SMALL.length; i++) {
                SMALL[i] = new Int(i - 5, true);
            }
        }

        static final Int BIG = new Int(Long.MAX_VALUE, false);

        final long value;
        final boolean exact;

        private Int(long value, boolean exact) {
            this.value = value;
            this.exact = exact;
        }

        static Int of(long value) {
            return value >= -5 && value < SMALL.length - 5 ? SMALL[(int) value + 5] : new Int(value, true);
        }

        @Override
        boolean hashable() {
            return true;
        }
    }

    /**
     * bytes or str, as a view of the record (or of a decoded copy). Python 2 strings ({@code U},
     * {@code T}, {@code S}) are kept as raw bytes; {@code text} marks Python 3 str ({@code X}, {@code
     * V}), which ZODB encodes to ASCII when used as an oid.
     */
    static final class Str extends PyValue {
        final byte[] data;
        final int offset;
        final int length;
        final boolean text;

        Str(byte[] data, int offset, int length, boolean text) {
            this.data = data;
            this.offset = offset;
            this.length = length;
            this.text = text;
        }

        @Override
        boolean hashable() {
            return true;
        }

        boolean isAscii() {
            for (int i = offset; i < offset + length; i++) {
                if (data[i] < 0) {
                    return false;
                }
            }
            return true;
        }

        boolean is(char c) {
            return length == 1 && data[offset] == c;
        }

        /** The 8 bytes of an oid as an unsigned 64-bit value; the caller checks the length. */
        long oid() {
            long v = 0;
            for (int i = offset; i < offset + 8; i++) {
                v = v << 8 | (data[i] & 0xff);
            }
            return v;
        }

        String decode() {
            return new String(data, offset, length, text ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        }
    }

    static final class Tuple extends PyValue {
        static final Tuple EMPTY = new Tuple(new PyValue[0]);

        final PyValue[] items;
        private final boolean hashable;

        Tuple(PyValue[] items) {
            this.items = items;
            boolean all = true;
            for (PyValue item : items) {
                all &= item.hashable();
            }
            this.hashable = all;
        }

        @Override
        boolean hashable() {
            return hashable;
        }
    }

    /** A real list: {@code APPENDS} under {@code noload} keeps its items (weak and cross-database pids are lists). */
    static final class PyList extends PyValue {
        final ArrayList<PyValue> items;

        PyList(ArrayList<PyValue> items) {
            this.items = items;
        }

        @Override
        boolean hashable() {
            return false;
        }
    }
}
