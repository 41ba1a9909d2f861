package io.github.relstoragepacker.pickle;

import static io.github.relstoragepacker.pickle.Opcodes.*;

import io.github.relstoragepacker.pickle.PyValue.Int;
import io.github.relstoragepacker.pickle.PyValue.PyList;
import io.github.relstoragepacker.pickle.PyValue.Str;
import io.github.relstoragepacker.pickle.PyValue.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A pickle virtual machine with the semantics of zodbpickle's C {@code Unpickler.noload()}, the
 * function ZODB's {@code referencesf} runs twice over a record.
 *
 * <p>It mirrors that implementation opcode by opcode (stack, separate mark stack, memo shared by both
 * passes, the same stack-underflow and type rules), so it accepts exactly the records {@code
 * referencesf} accepts and reports every persistent id in the same order. Deliberate differences,
 * all towards reading more real data, never less: strings from {@code U}/{@code T}/{@code S} are raw
 * bytes (as ZODB 5 read Python 2 records, see the fixtures' README), and protocol 4 and 5 opcodes are
 * understood as CPython's unpickler understands them.
 *
 * <p>Termination and memory: every opcode consumes at least one byte, lengths are checked against
 * the bytes that remain before anything is allocated, and each value on the stack or in a container
 * was pushed by its own opcode, so time and memory are linear in the record's size.
 */
final class PickleMachine {

    private static final int HIGHEST_PROTOCOL = 5;
    private static final int DENSE_MEMO_LIMIT = 1 << 16;

    private final PersistentIdClassifier persistentIds;

    private byte[] data = new byte[0];
    private int pos;
    private int end;
    private int opStart;
    private int op;

    private PyValue[] stack = new PyValue[64];
    private int sp;
    private int[] marks = new int[16];
    private int markCount;

    private PyValue[] memo = new PyValue[64];
    private int memoHigh;
    private int memoCount;
    private @Nullable Map<Long, PyValue> sparseMemo;

    private @Nullable String firstGlobal;
    private boolean capturingGlobal;

    PickleMachine(PersistentIdClassifier persistentIds) {
        this.persistentIds = persistentIds;
    }

    /** Starts a new record: the memo is shared by the record's pickles, never between records. */
    void reset(byte[] record, int offset, int length) {
        data = record;
        pos = offset;
        end = offset + length;
        Arrays.fill(memo, 0, memoHigh, null);
        memoHigh = 0;
        memoCount = 0;
        sparseMemo = null;
        firstGlobal = null;
    }

    /** {@code module.name} of the first {@code GLOBAL} of the class pickle, or null. */
    @Nullable
    String className() {
        return firstGlobal;
    }

    /** Runs one {@code noload()}: a fresh stack and marks, up to and including the next STOP. */
    void noload(boolean classPickle) throws UnreadableRecordException {
        Arrays.fill(stack, 0, sp, null);
        sp = 0;
        markCount = 0;
        capturingGlobal = classPickle;
        while (true) {
            opStart = pos;
            if (pos >= end) {
                op = -1;
                throw error("the record ends before the pickle's STOP opcode");
            }
            op = data[pos++] & 0xff;
            if (op == STOP) {
                pop();
                return;
            }
            execute();
        }
    }

    private void execute() throws UnreadableRecordException {
        switch (op) {
            case MARK -> pushMark();
            case POP -> popOrUnmark();
            case POP_MARK -> truncate(marker());
            case DUP -> {
                requireItems(1);
                push(stack[sp - 1]);
            }
            case NONE, EXT1, EXT2, EXT4 -> {
                skip(op == EXT1 ? 1 : op == EXT2 ? 2 : op == EXT4 ? 4 : 0);
                push(PyValue.NONE);
            }
            case NEWTRUE -> push(Int.of(1));
            case NEWFALSE -> push(Int.of(0));
            case BININT -> push(Int.of(readInt32()));
            case BININT1 -> push(Int.of(readUnsigned(1)));
            case BININT2 -> push(Int.of(readUnsigned(2)));
            case LONG1 -> push(readLong(readUnsigned(1)));
            case LONG4 -> {
                int n = readInt32();
                if (n < 0) {
                    throw error("LONG pickle has negative byte count");
                }
                push(readLong(n));
            }
            case INT -> push(TextArguments.parseInt(textLine(2), this));
            case LONG -> push(TextArguments.parseLong(textLine(2), this));
            case FLOAT -> {
                TextArguments.checkFloat(textLine(2), this);
                push(PyValue.FLOAT);
            }
            case BINFLOAT -> {
                skip(8);
                push(PyValue.FLOAT);
            }
            case STRING -> push(TextArguments.parseString(textLine(2), this));
            case BINSTRING -> {
                int n = readInt32();
                if (n < 0) {
                    throw error("BINSTRING pickle has negative byte count");
                }
                push(readStr(n, false));
            }
            case SHORT_BINSTRING, SHORT_BINBYTES -> push(readStr(readUnsigned(1), false));
            case BINBYTES -> push(readStr(readLength(4), false));
            case BINBYTES8 -> push(readStr(readLength(8), false));
            case BYTEARRAY8 -> {
                skip(readLength(8));
                push(PyValue.BYTEARRAY);
            }
            case BINUNICODE -> push(readUtf8(readLength(4)));
            case SHORT_BINUNICODE -> push(readUtf8(readUnsigned(1)));
            case BINUNICODE8 -> push(readUtf8(readLength(8)));
            case UNICODE -> push(TextArguments.parseRawUnicodeEscape(textLine(1), this));
            case EMPTY_TUPLE -> push(Tuple.EMPTY);
            case TUPLE1, TUPLE2, TUPLE3 -> push(popTuple(op - TUPLE1 + 1));
            case TUPLE -> buildTuple();
            case EMPTY_LIST -> push(new PyList(new ArrayList<>()));
            case LIST -> buildList();
            case EMPTY_DICT -> push(PyValue.DICT);
            case DICT -> buildDict();
            case EMPTY_SET -> push(PyValue.SET);
            case FROZENSET -> buildFrozenSet();
            case APPEND -> append();
            case APPENDS -> appends();
            case SETITEM -> setItem();
            case SETITEMS -> setItems();
            case ADDITEMS -> addItems();
            case GET -> push(memoGet(TextArguments.parseIndex(textLine(2), this)));
            case BINGET -> push(memoGet(readUnsigned(1)));
            case LONG_BINGET -> push(memoGet(readUnsignedLong(4)));
            case PUT -> {
                Line line = textLine(2);
                requireItems(1);
                long index = TextArguments.parseIndex(line, this);
                if (index < 0) {
                    throw error("negative PUT argument");
                }
                memoPut(index);
            }
            case BINPUT -> memoPut(readUnsignedThenRequireItem(1));
            case LONG_BINPUT -> memoPut(readUnsignedThenRequireItem(4));
            case MEMOIZE -> {
                requireItems(1);
                memoPut(memoCount);
            }
            case GLOBAL -> {
                captureGlobal(readLine(), readLine());
                push(PyValue.NONE);
            }
            case STACK_GLOBAL -> stackGlobal();
            case INST -> {
                truncate(marker());
                readLine();
                readLine();
                push(PyValue.NONE);
            }
            case OBJ -> {
                int mark = marker();
                truncate(mark + 1);
            }
            case NEWOBJ -> {
                pop();
                pop();
                push(PyValue.NONE);
            }
            case NEWOBJ_EX -> {
                pop();
                pop();
                pop();
                push(PyValue.NONE);
            }
            case REDUCE -> {
                requireItems(2);
                truncate(sp - 2);
                push(PyValue.NONE);
            }
            case BUILD -> {
                requireItems(1);
                truncate(sp - 1);
            }
            case PERSID -> {
                Line line = textLine(2);
                persistentId(new Str(data, line.start, line.length - 1, false));
            }
            case BINPERSID -> {
                persistentId(pop());
            }
            case PROTO -> {
                int version = readUnsigned(1);
                if (version > HIGHEST_PROTOCOL) {
                    throw error("unsupported pickle protocol: " + version);
                }
            }
            case FRAME -> {
                if (readLength(8) > end - pos) {
                    throw error("pickle frame is longer than the rest of the record");
                }
            }
            case NEXT_BUFFER -> throw error("out-of-band buffers are not part of stored ZODB records");
            case READONLY_BUFFER -> {
                requireItems(1);
                if (!(stack[sp - 1] instanceof Str) && stack[sp - 1] != PyValue.BYTEARRAY) {
                    throw error("READONLY_BUFFER on an object without a buffer");
                }
            }
            default -> throw error("unknown opcode");
        }
    }

    /** persistent_load is {@code refs.append}: the pid is recorded and its result, None, pushed. */
    private void persistentId(PyValue pid) throws UnreadableRecordException {
        String problem = persistentIds.accept(pid);
        if (problem != null) {
            throw error(problem);
        }
        push(PyValue.NONE);
    }

    // ---- stack and marks (zodbpickle's Pdata and mark stack: marks are not items) ----

    private void push(PyValue value) {
        if (sp == stack.length) {
            stack = Arrays.copyOf(stack, sp * 2);
        }
        stack[sp++] = value;
    }

    /** Pdata_pop: an empty stack is "bad pickle data", whatever marks are open. */
    private PyValue pop() throws UnreadableRecordException {
        if (sp == 0) {
            throw error("bad pickle data: the stack is empty");
        }
        PyValue value = stack[--sp];
        stack[sp] = null;
        return value;
    }

    private void requireItems(int n) throws UnreadableRecordException {
        if (sp < n) {
            throw underflow();
        }
    }

    private void truncate(int height) {
        if (height < sp) {
            Arrays.fill(stack, Math.max(height, 0), sp, null);
            sp = Math.max(height, 0);
        }
    }

    private void pushMark() {
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, markCount * 2);
        }
        marks[markCount++] = sp;
    }

    private int marker() throws UnreadableRecordException {
        if (markCount == 0) {
            throw error("could not find MARK");
        }
        return marks[--markCount];
    }

    /** APPENDS and SETITEMS report a missing mark as a stack underflow, and a mark at height 0 too. */
    private int markerOfTarget() throws UnreadableRecordException {
        if (markCount == 0) {
            throw underflow();
        }
        int mark = marks[--markCount];
        if (mark <= 0 || mark > sp) {
            throw underflow();
        }
        return mark;
    }

    private void popOrUnmark() throws UnreadableRecordException {
        if (markCount > 0 && marks[markCount - 1] == sp) {
            markCount--;
        } else if (sp > 0) {
            truncate(sp - 1);
        } else {
            throw underflow();
        }
    }

    // ---- containers ----

    private Tuple popTuple(int n) throws UnreadableRecordException {
        PyValue[] items = new PyValue[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Tuple(items);
    }

    /** The items above a mark; a mark above the stack top (an item under it was popped) is an error. */
    private PyValue[] itemsSinceMark() throws UnreadableRecordException {
        int mark = marker();
        if (mark > sp) {
            throw error("the MARK lies above the top of the stack (SystemError in CPython)");
        }
        PyValue[] items = Arrays.copyOfRange(stack, mark, sp);
        truncate(mark);
        return items;
    }

    private void buildTuple() throws UnreadableRecordException {
        PyValue[] items = itemsSinceMark();
        push(items.length == 0 ? Tuple.EMPTY : new Tuple(items));
    }

    private void buildList() throws UnreadableRecordException {
        push(new PyList(new ArrayList<>(Arrays.asList(itemsSinceMark()))));
    }

    private void buildDict() throws UnreadableRecordException {
        int mark = marker();
        for (int k = mark + 1; k < sp; k += 2) {
            requireHashable(stack[k - 1]);
        }
        truncate(mark);
        push(PyValue.DICT);
    }

    private void buildFrozenSet() throws UnreadableRecordException {
        for (PyValue item : itemsSinceMark()) {
            requireHashable(item);
        }
        push(PyValue.FROZENSET);
    }

    private void append() throws UnreadableRecordException {
        requireItems(2);
        PyValue target = stack[sp - 2];
        if (target instanceof PyList list) {
            list.items.add(stack[sp - 1]);
        } else if (target != PyValue.NONE) {
            throw error("APPEND to an object that is not a list (AttributeError)");
        }
        truncate(sp - 1);
    }

    private void appends() throws UnreadableRecordException {
        int mark = markerOfTarget();
        if (mark == sp) {
            return;
        }
        PyValue target = stack[mark - 1];
        if (target instanceof PyList list) {
            list.items.addAll(Arrays.asList(stack).subList(mark, sp));
        } else if (target != PyValue.NONE) {
            throw error("APPENDS to an object that is not a list (AttributeError)");
        }
        truncate(mark);
    }

    private void setItem() throws UnreadableRecordException {
        requireItems(3);
        PyValue target = stack[sp - 3];
        if (target != PyValue.NONE) {
            store(target, stack[sp - 2], stack[sp - 1]);
        }
        truncate(sp - 2);
    }

    private void setItems() throws UnreadableRecordException {
        int mark = markerOfTarget();
        PyValue target = stack[mark - 1];
        if (target != PyValue.NONE && mark < sp) {
            if ((sp - mark) % 2 != 0) {
                throw error("odd number of items for SETITEMS");
            }
            for (int k = mark; k < sp; k += 2) {
                store(target, stack[k], stack[k + 1]);
            }
        }
        truncate(mark);
    }

    /** {@code target[key] = value} with Python's rules for the types a noload pass can produce. */
    private void store(PyValue target, PyValue key, PyValue value) throws UnreadableRecordException {
        if (target == PyValue.DICT) {
            requireHashable(key);
        } else if (target instanceof PyList list) {
            if (!(key instanceof Int index)) {
                throw error("list indices must be integers (TypeError)");
            }
            int size = list.items.size();
            if (!index.exact || index.value >= size || index.value < -size) {
                throw error("list assignment index out of range (IndexError)");
            }
            list.items.set((int) (index.value < 0 ? index.value + size : index.value), value);
        } else {
            throw error("item assignment to an object that does not support it (TypeError)");
        }
    }

    private void addItems() throws UnreadableRecordException {
        int mark = markerOfTarget();
        PyValue target = stack[mark - 1];
        if (target != PyValue.SET && mark < sp) {
            throw error("ADDITEMS to an object that is not a set (AttributeError)");
        }
        for (int k = mark; k < sp; k++) {
            requireHashable(stack[k]);
        }
        truncate(mark);
    }

    private void requireHashable(PyValue key) throws UnreadableRecordException {
        if (!key.hashable()) {
            throw error("unhashable dictionary key or set item (TypeError)");
        }
    }

    // ---- memo (one per record, shared by both pickles) ----

    private PyValue memoGet(long index) throws UnreadableRecordException {
        PyValue value =
                index >= 0 && index < memoHigh ? memo[(int) index] : sparseMemo == null ? null : sparseMemo.get(index);
        if (value == null) {
            throw error("memo key " + index + " was never stored (KeyError)");
        }
        return value;
    }

    private void memoPut(long index) {
        PyValue top = stack[sp - 1];
        if (index < DENSE_MEMO_LIMIT) {
            int i = (int) index;
            if (i >= memo.length) {
                memo = Arrays.copyOf(memo, Math.max(i + 1, memo.length * 2));
            }
            if (memo[i] == null) {
                memoCount++;
            }
            memo[i] = top;
            memoHigh = Math.max(memoHigh, i + 1);
        } else {
            if (sparseMemo == null) {
                sparseMemo = new HashMap<>();
            }
            if (sparseMemo.put(index, top) == null) {
                memoCount++;
            }
        }
    }

    private long readUnsignedThenRequireItem(int width) throws UnreadableRecordException {
        long index = readUnsignedLong(width);
        requireItems(1);
        return index;
    }

    // ---- globals ----

    private void captureGlobal(Line module, Line name) {
        if (capturingGlobal && firstGlobal == null) {
            firstGlobal = new String(data, module.start, Math.max(module.length - 1, 0), StandardCharsets.UTF_8)
                    + "."
                    + new String(data, name.start, Math.max(name.length - 1, 0), StandardCharsets.UTF_8);
        }
    }

    private void stackGlobal() throws UnreadableRecordException {
        PyValue name = pop();
        PyValue module = pop();
        if (!(name instanceof Str n && n.text) || !(module instanceof Str m && m.text)) {
            throw error("STACK_GLOBAL requires str");
        }
        if (capturingGlobal && firstGlobal == null) {
            firstGlobal = m.decode() + "." + n.decode();
        }
        push(PyValue.NONE);
    }

    // ---- reading ----

    /** A line of the record: {@code length} counts the newline when there is one. */
    record Line(int start, int length) {}

    /** _Unpickler_Readline: up to and including a newline, or whatever remains at the end. */
    private Line readLine() {
        int start = pos;
        while (pos < end && data[pos] != '\n') {
            pos++;
        }
        if (pos < end) {
            pos++;
        }
        return new Line(start, pos - start);
    }

    /** A text argument line; shorter than {@code minimum} bytes is "pickle data was truncated". */
    private Line textLine(int minimum) throws UnreadableRecordException {
        Line line = readLine();
        if (line.length < minimum) {
            throw error("pickle data was truncated");
        }
        return line;
    }

    byte[] data() {
        return data;
    }

    private void need(long n) throws UnreadableRecordException {
        if (n > end - pos) {
            throw error(
                    "the record ends inside the opcode's argument (%d bytes needed, %d left)".formatted(n, end - pos));
        }
    }

    private void skip(long n) throws UnreadableRecordException {
        need(n);
        pos += (int) n;
    }

    private int readUnsigned(int width) throws UnreadableRecordException {
        return (int) readUnsignedLong(width);
    }

    private long readUnsignedLong(int width) throws UnreadableRecordException {
        need(width);
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | (data[pos + i] & 0xff);
        }
        pos += width;
        return v;
    }

    private int readInt32() throws UnreadableRecordException {
        return (int) readUnsignedLong(4);
    }

    /** An unsigned little-endian length; one beyond what remains is a truncation, never an allocation. */
    private long readLength(int width) throws UnreadableRecordException {
        long n = readUnsignedLong(width);
        if (n < 0 || n > end - pos) {
            throw error("the record ends inside the opcode's argument (%s bytes claimed, %d left)"
                    .formatted(Long.toUnsignedString(n), end - pos));
        }
        return n;
    }

    private Str readStr(long n, boolean text) throws UnreadableRecordException {
        need(n);
        Str s = new Str(data, pos, (int) n, text);
        pos += (int) n;
        return s;
    }

    private Str readUtf8(long n) throws UnreadableRecordException {
        Str s = readStr(n, true);
        if (!TextArguments.isUtf8SurrogatePass(data, s.offset, s.length)) {
            throw error("string is not valid UTF-8 (UnicodeDecodeError)");
        }
        return s;
    }

    /** LONG1/LONG4: little-endian two's complement; exact when it fits in a long once sign bytes are dropped. */
    private Int readLong(long n) throws UnreadableRecordException {
        need(n);
        int start = pos;
        int significant = (int) n;
        pos += significant;
        if (significant == 0) {
            return Int.of(0);
        }
        boolean negative = data[start + significant - 1] < 0;
        while (significant > 1
                && data[start + significant - 1] == (negative ? -1 : 0)
                && (data[start + significant - 2] < 0) == negative) {
            significant--;
        }
        if (significant > 8) {
            return Int.BIG;
        }
        long v = negative ? -1L : 0L;
        for (int i = significant - 1; i >= 0; i--) {
            v = v << 8 | (data[start + i] & 0xff);
        }
        return Int.of(v);
    }

    // ---- errors ----

    UnreadableRecordException error(String reason) {
        return new UnreadableRecordException(reason, opStart, op);
    }

    private UnreadableRecordException underflow() {
        return error("unpickling stack underflow");
    }
}
