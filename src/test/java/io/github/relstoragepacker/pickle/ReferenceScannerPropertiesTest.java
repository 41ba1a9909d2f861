package io.github.relstoragepacker.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.relstoragepacker.pickle.ZodbRecordFixtures.Fixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.jspecify.annotations.Nullable;

/**
 * Properties of {@link ReferenceScanner} over mutations of the fixture records and over random input,
 * proving what a table of known answers cannot: that a record cut anywhere is never read as complete,
 * that data bytes never turn into references while oid bytes always do, that no input makes the
 * scanner fail with anything but {@link UnreadableRecordException} or run away, and that its reused
 * buffers carry nothing from one record to the next.
 *
 * <p>The properties locate opcodes with {@link Opcode#walk}, a walker independent of the scanner that
 * knows only how long each protocol 0 to 3 opcode is.
 */
class ReferenceScannerPropertiesTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final List<Fixture> ALL = ZodbRecordFixtures.all();
    private static final List<Fixture> READABLE = ZodbRecordFixtures.readable();
    private static final List<Walked> PY3 = READABLE.stream()
            .filter(f -> f.source().equals("py3-zodb"))
            .map(f -> new Walked(f, Opcode.walk(f.bytes())))
            .toList();

    /** Bytes a mutation writes more often than chance would: opcodes, length extremes, newline. */
    private static final byte[] INTERESTING = bytes(
            0x00, 0x01, 0x08, 0x0a, 0x7f, 0x80, 0xff, '(', ')', '.', '0', '1', '2', 'B', 'C', 'F', 'I', 'J', 'K', 'L',
            'M', 'N', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'X', ']', 'a', 'b', 'c', 'd', 'e', 'g', 'h', 'i', 'j', 'l',
            'o', 'p', 'q', 'r', 's', 't', 'u', '}', 0x81, 0x82, 0x85, 0x86, 0x87, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
            0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98);

    /** Reused across tries, as the packer reuses one scanner per thread. */
    private final ReferenceScanner scanner = new ReferenceScanner();

    // ---- truncation ----

    @Property(tries = 3000)
    void everyStrictPrefixOfARecordIsUnreadable(@ForAll("truncations") Truncation truncation) {
        assertThatExceptionOfType(UnreadableRecordException.class).isThrownBy(() -> scanner.scan(truncation.prefix()));
    }

    /** Guards the truncation property: the walker may exclude only records that really have bytes after their final STOP. */
    @Example
    void onlyTheRecordWithTrailingBytesIsExcludedFromTruncation() {
        List<String> excluded = READABLE.stream()
                .filter(f -> f.bytes().length > 0 && !endsAtFinalStop(f.bytes()))
                .map(Fixture::name)
                .toList();
        assertThat(excluded).singleElement().asString().contains("trailing bytes");
    }

    @Provide
    Arbitrary<Truncation> truncations() {
        List<Fixture> cuttable = READABLE.stream()
                .filter(f -> f.bytes().length > 1 && endsAtFinalStop(f.bytes()))
                .toList();
        // The empty prefix is excluded: an empty state legitimately has no references.
        return Arbitraries.of(cuttable)
                .flatMap(f -> Arbitraries.integers()
                        .between(1, f.bytes().length - 1)
                        .map(length -> new Truncation(f, length)));
    }

    record Truncation(Fixture fixture, int length) {
        byte[] prefix() {
            return Arrays.copyOf(fixture.bytes(), length);
        }

        @Override
        public String toString() {
            return "%s cut to %d of %d bytes".formatted(fixture, length, fixture.bytes().length);
        }
    }

    /** Whether the record's readable bytes (for .z: the zlib stream and its pickles) end at its second STOP. */
    private static boolean endsAtFinalStop(byte[] record) {
        byte[] pickle = record;
        if (record.length >= 2 && record[0] == '.' && record[1] == 'z') {
            pickle = inflateCompletely(record);
            if (pickle == null) {
                return false;
            }
        }
        List<Opcode> ops = Opcode.walk(pickle);
        return ops.get(ops.size() - 1).end() == pickle.length;
    }

    /** The inflated pickle of a .z record, or null when its zlib stream ends before the record does. */
    private static byte[] inflateCompletely(byte[] record) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(record, 2, record.length - 2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                out.write(chunk, 0, inflater.inflate(chunk));
            }
            return inflater.getRemaining() == 0 ? out.toByteArray() : null;
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("a readable fixture holds a corrupt zlib stream", e);
        } finally {
            inflater.end();
        }
    }

    // ---- data strings ----

    @Property(tries = 1000)
    void overwritingDataStringsLeavesStrongReferencesUnchanged(@ForAll("dataStringOverwrites") Patched patched)
            throws UnreadableRecordException {
        assertThat(scanner.scan(patched.bytes()).strong())
                .containsExactly(patched.fixture().strong());
    }

    /**
     * Overwrites, in one to three distinct strings, a window of a BINUNICODE, BINBYTES or SHORT_BINBYTES payload
     * with other UTF-8 or other bytes of the same length. 8-byte payloads are left alone: they may be
     * oids.
     */
    @Provide
    Arbitrary<Patched> dataStringOverwrites() {
        List<Walked> withDataStrings =
                PY3.stream().filter(w -> !w.dataStrings().isEmpty()).toList();
        return Arbitraries.of(withDataStrings)
                .flatMap(w -> Arbitraries.of(w.dataStrings())
                        .list()
                        .uniqueElements()
                        .ofMinSize(1)
                        .ofMaxSize(Math.min(3, w.dataStrings().size()))
                        .flatMap(spans -> Combinators.combine(spans.stream()
                                        .map(span -> windowPatch(w.fixture().bytes(), span))
                                        .toList())
                                .as(patches -> new Patched(w.fixture(), patches))));
    }

    /** A window of at most 64 bytes of the payload; in text it starts and ends between characters. */
    private static Arbitrary<Patch> windowPatch(byte[] record, Opcode span) {
        int payloadEnd = span.payloadStart() + span.payloadLength();
        return Arbitraries.integers()
                .between(0, span.payloadLength() - 1)
                .flatMap(offset -> Arbitraries.integers()
                        .between(1, Math.min(64, span.payloadLength() - offset))
                        .flatMap(length -> {
                            int from = span.payloadStart() + offset;
                            int to = from + length;
                            if (span.opcode() != Opcodes.BINUNICODE) {
                                return Arbitraries.bytes()
                                        .array(byte[].class)
                                        .ofSize(to - from)
                                        .map(b -> new Patch(from, b));
                            }
                            int start = from;
                            while (isUtf8Continuation(record[start])) {
                                start--;
                            }
                            int stop = to;
                            while (stop < payloadEnd && isUtf8Continuation(record[stop])) {
                                stop++;
                            }
                            int at = start;
                            return utf8OfLength(stop - start).map(b -> new Patch(at, b));
                        }));
    }

    private static boolean isUtf8Continuation(byte b) {
        return (b & 0xc0) == 0x80;
    }

    /** Valid UTF-8 of exactly {@code n} bytes, 1 to 4 bytes a character, padded with '.' (STOP). */
    private static Arbitrary<byte[]> utf8OfLength(int n) {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0, 0x7f)),
                Tuple.of(1, Arbitraries.integers().between(0x80, 0x7ff)),
                Tuple.of(1, Arbitraries.integers().between(0x800, 0xffff).filter(c -> c < 0xd800 || c > 0xdfff)),
                Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10ffff)));
        return codePoint.list().ofMaxSize(n).map(codePoints -> {
            byte[] out = new byte[n];
            Arrays.fill(out, (byte) '.');
            int filled = 0;
            for (int cp : codePoints) {
                byte[] encoded = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
                if (filled + encoded.length <= n) {
                    System.arraycopy(encoded, 0, out, filled, encoded.length);
                    filled += encoded.length;
                }
            }
            return out;
        });
    }

    record Patch(int at, byte[] bytes) {
        @Override
        public String toString() {
            return at + ":" + HEX.formatHex(bytes);
        }
    }

    record Patched(Fixture fixture, List<Patch> patches) {
        byte[] bytes() {
            byte[] b = fixture.bytes().clone();
            for (Patch p : patches) {
                System.arraycopy(p.bytes(), 0, b, p.at(), p.bytes().length);
            }
            return b;
        }

        @Override
        public String toString() {
            return fixture + " patched at " + patches;
        }
    }

    // ---- oids ----

    @Property(tries = 1000)
    void rewritingAStrongOidChangesExactlyItsEntry(@ForAll("oidRewrites") OidRewrite rewrite)
            throws UnreadableRecordException {
        long[] expected = rewrite.fixture().strong().clone();
        expected[rewrite.entry()] = rewrite.newOid();
        assertThat(scanner.scan(rewrite.bytes()).strong()).containsExactly(expected);
    }

    @Provide
    Arbitrary<OidRewrite> oidRewrites() {
        List<StrongOid> oids =
                PY3.stream().flatMap(w -> w.strongOids().stream()).toList();
        return Combinators.combine(Arbitraries.of(oids), Arbitraries.longs()).as(OidRewrite::new);
    }

    /** The payload of a {@code C\x08} oid that is the {@code entry}-th strong reference of its record. */
    record StrongOid(Fixture fixture, int payloadStart, int entry) {}

    record OidRewrite(StrongOid oid, long newOid) {
        Fixture fixture() {
            return oid.fixture();
        }

        int entry() {
            return oid.entry();
        }

        byte[] bytes() {
            byte[] b = fixture().bytes().clone();
            for (int i = 0; i < 8; i++) {
                b[oid.payloadStart() + i] = (byte) (newOid >>> (56 - 8 * i));
            }
            return b;
        }

        @Override
        public String toString() {
            return "%s: oid at %d (strong entry %d) := %016x".formatted(fixture(), oid.payloadStart(), entry(), newOid);
        }
    }

    // ---- arbitrary input ----

    @Property(tries = 10000)
    void anyInputIsReadOrRejectedAsUnreadableAndQuickly(@ForAll("mutants") Input input) {
        // Preemptive, so that a scanner caught in a loop fails the try instead of hanging the build.
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            try {
                scanner.scan(input.bytes());
            } catch (UnreadableRecordException e) {
                assertThat(e.opcode()).isBetween(-1, 255);
                if (!input.isCompressed()) {
                    assertThat(e.offset()).isBetween(0, input.bytes().length);
                }
            }
        });
    }

    /** A memo index beyond 2**31-1 is not an int: reading it as one must not reach the memo array. */
    @Example
    void longBinputAndLongBingetOfHugeIndicesDoNotEscapeAsRuntimeExceptions() {
        for (String hex : List.of("4e7200000080", "4e72ffffffff", "4e6a00000080", "4e6affffffff")) {
            Input input = new Input("LONG_BINPUT/LONG_BINGET", HEX.parseHex(hex + "2e" + hex + "2e"));
            assertThatCode(() -> Outcome.of(scanner, input)).as(hex).doesNotThrowAnyException();
        }
    }

    /**
     * The outcome for a record is the same from a fresh scanner, from one that just scanned another
     * (possibly unreadable) record, and from one that just scanned this record.
     */
    @Property(tries = 3000)
    void scanningDependsOnlyOnTheRecord(
            @ForAll("mostlyReadable") Input previous, @ForAll("mostlyReadable") Input input) {
        Outcome fresh = assertTimeoutPreemptively(Duration.ofSeconds(4), () -> {
            Outcome first = Outcome.of(new ReferenceScanner(), input);
            Outcome.of(scanner, previous);
            assertThat(Outcome.of(scanner, input)).isEqualTo(first);
            assertThat(Outcome.of(scanner, input)).isEqualTo(first);
            return first;
        });
        Statistics.collect(fresh.error() == null ? "read" : "unreadable");
        // Most arbitrary bytes are unreadable; the property is about the records that are read.
        Statistics.coverage(coverage -> coverage.check("read").percentage(p -> p >= 20));
    }

    /** Fixtures as they are or with one small mutation, which mostly stay readable, and arbitrary mutants. */
    @Provide
    Arbitrary<Input> mostlyReadable() {
        Arbitrary<Input> lightlyMutated = Combinators.combine(Arbitraries.of(READABLE), byteMutation())
                .as((f, m) -> new Input("line " + f.line() + " mutated " + m, m.apply(f.bytes())));
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(READABLE).map(f -> new Input("line " + f.line(), f.bytes()))),
                Tuple.of(3, lightlyMutated),
                Tuple.of(2, mutants()));
    }

    /** What a scan returned, or with {@code error} set, why it rejected the record. */
    record Outcome(
            List<Long> strong,
            List<Long> weak,
            List<CrossDatabaseReference> crossDatabase,
            @Nullable String className,
            @Nullable String error) {
        static Outcome of(ReferenceScanner scanner, Input input) {
            try {
                References r = scanner.scan(input.bytes());
                return new Outcome(
                        Arrays.stream(r.strong()).boxed().toList(),
                        Arrays.stream(r.weak()).boxed().toList(),
                        r.crossDatabase(),
                        r.className(),
                        null);
            } catch (UnreadableRecordException e) {
                return new Outcome(List.of(), List.of(), List.of(), null, e.getMessage());
            }
        }
    }

    @Provide
    Arbitrary<Input> mutants() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, mutatedFixtures()),
                Tuple.of(2, recompressedMutatedPickles()),
                Tuple.of(
                        1,
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(256).map(b -> new Input("garbage", b))),
                Tuple.of(3, opcodeSoup()));
    }

    private static Arbitrary<Input> mutatedFixtures() {
        return Combinators.combine(Arbitraries.of(ALL), mutations())
                .as((f, m) -> new Input("line " + f.line() + " mutated " + m, apply(f.bytes(), m)));
    }

    /** Mutations of the inflated pickles of readable records, compressed again: reaches the pickle inside .z. */
    private static Arbitrary<Input> recompressedMutatedPickles() {
        return Combinators.combine(Arbitraries.of(READABLE), mutations()).as((f, m) -> {
            byte[] pickle = f.bytes();
            if (pickle.length >= 2 && pickle[0] == '.' && pickle[1] == 'z') {
                pickle = inflateCompletely(pickle);
            }
            return new Input(
                    "line " + f.line() + " inflated, mutated " + m + ", .z",
                    ZodbRecordFixtures.compressed(apply(pickle, m)));
        });
    }

    private static Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> at = Arbitraries.integers().greaterOrEqual(0);
        Arbitrary<Mutation> mutation = Arbitraries.oneOf(
                byteMutation(),
                Combinators.combine(at, someByte().list().ofMinSize(1).ofMaxSize(16))
                        .as((a, b) -> new Insert(a, unboxed(b))),
                Combinators.combine(at, Arbitraries.integers().between(1, 64)).as(Delete::new),
                Combinators.combine(at, Arbitraries.integers().between(1, 64)).as(Duplicate::new));
        return mutation.list().ofMinSize(1).ofMaxSize(6);
    }

    /** One byte flipped or overwritten: the record keeps its length and usually its structure. */
    private static Arbitrary<Mutation> byteMutation() {
        Arbitrary<Integer> at = Arbitraries.integers().greaterOrEqual(0);
        return Arbitraries.oneOf(
                Combinators.combine(at, Arbitraries.integers().between(0, 7)).as(Flip::new),
                Combinators.combine(at, someByte()).as(Overwrite::new));
    }

    private static Arbitrary<Byte> someByte() {
        return Arbitraries.oneOf(Arbitraries.of(boxed(INTERESTING)), Arbitraries.bytes());
    }

    /**
     * Opcodes with arguments of roughly the right shape, so that most of them get past their own
     * argument and reach the machine: two pickles, each often ended by STOP.
     */
    private static Arbitrary<Input> opcodeSoup() {
        Arbitrary<byte[]> pickle = Combinators.combine(
                        Arbitraries.of(new byte[0], bytes(0x80, 3), bytes(0x80, 4)),
                        opcodeWithArgument().list().ofMaxSize(40),
                        Arbitraries.frequency(Tuple.of(3, bytes('.')), Tuple.of(1, new byte[0])))
                .as((proto, ops, stop) -> {
                    List<byte[]> parts = new ArrayList<>();
                    parts.add(proto);
                    parts.addAll(ops);
                    parts.add(stop);
                    return concat(parts);
                });
        return Combinators.combine(pickle, pickle)
                .as((first, second) -> new Input("soup", concat(List.of(first, second))));
    }

    private static Arbitrary<byte[]> opcodeWithArgument() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.bytes().map(b -> bytes(b))),
                Tuple.of(
                        8,
                        Arbitraries.integers()
                                .between(0, 255)
                                .flatMap(op -> argument(op).map(arg -> concat(List.of(bytes(op), arg))))));
    }

    private static Arbitrary<byte[]> argument(int op) {
        return switch (op) {
            case 'F', 'I', 'L', 'P', 'S', 'V', 'g', 'p' -> line();
            case 'c', 'i' -> Combinators.combine(line(), line()).as((a, b) -> concat(List.of(a, b)));
            case 'K', 'h', 'q', 0x80, 0x82 -> littleEndian(1);
            case 'M', 0x83 -> littleEndian(2);
            case 'J', 'j', 'r', 0x84 -> littleEndian(4);
            case 'G' -> Arbitraries.bytes().array(byte[].class).ofSize(8);
            case 'U', 'C', 0x8a, 0x8c -> lengthPrefixed(1);
            case 'T', 'X', 'B', 0x8b -> lengthPrefixed(4);
            case 0x8d, 0x8e, 0x95, 0x96 -> lengthPrefixed(8);
            default -> Arbitraries.just(new byte[0]);
        };
    }

    private static Arbitrary<byte[]> line() {
        return Arbitraries.oneOf(
                        Arbitraries.strings().withChars("0123456789-+_ xL").ofMaxLength(12),
                        Arbitraries.strings().ascii().ofMaxLength(12),
                        Arbitraries.of("'abc'", "\"\\x41\\101\"", "0x1F", "01", "inf", "1e999", "\\u0041", "12345678"))
                .map(s -> (s + "\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A little-endian number, biased to the values that overflow a signed or narrower reading. */
    private static Arbitrary<byte[]> littleEndian(int width) {
        return Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.longs().between(0, 16)),
                        Tuple.of(2, Arbitraries.of(0x7fL, 0x80L, 0xffL, 0x7fffL, 0x8000L, 0xffffL)),
                        Tuple.of(2, Arbitraries.of(0x7fffffffL, 0x80000000L, 0xffffffffL, -1L, Long.MIN_VALUE)),
                        Tuple.of(3, Arbitraries.longs()))
                .map(v -> littleEndian(v, width));
    }

    /** A length field and up to 12 payload bytes; the length is usually right, sometimes absurd. */
    private static Arbitrary<byte[]> lengthPrefixed(int width) {
        return Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(12)
                .flatMap(payload -> Arbitraries.frequencyOf(
                                Tuple.of(6, Arbitraries.just(littleEndian(payload.length, width))),
                                Tuple.of(1, littleEndian(width)))
                        .map(length -> concat(List.of(length, payload))));
    }

    private static byte[] littleEndian(long v, int width) {
        byte[] b = new byte[width];
        for (int i = 0; i < width; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    record Input(String origin, byte[] bytes) {
        boolean isCompressed() {
            return bytes.length >= 2 && bytes[0] == '.' && bytes[1] == 'z';
        }

        @Override
        public String toString() {
            String hex = HEX.formatHex(bytes, 0, Math.min(bytes.length, 1024));
            return "%s, %d bytes: %s%s".formatted(origin, bytes.length, hex, bytes.length > 1024 ? "..." : "");
        }
    }

    // ---- mutations ----

    sealed interface Mutation {
        byte[] apply(byte[] in);
    }

    record Flip(int at, int bit) implements Mutation {
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            out[at % in.length] ^= (byte) (1 << bit);
            return out;
        }
    }

    record Overwrite(int at, byte value) implements Mutation {
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            out[at % in.length] = value;
            return out;
        }
    }

    record Insert(int at, byte[] bytes) implements Mutation {
        public byte[] apply(byte[] in) {
            int i = at % (in.length + 1);
            return concat(List.of(Arrays.copyOf(in, i), bytes, Arrays.copyOfRange(in, i, in.length)));
        }

        @Override
        public String toString() {
            return "Insert[" + at + ", " + HEX.formatHex(bytes) + "]";
        }
    }

    record Delete(int at, int length) implements Mutation {
        public byte[] apply(byte[] in) {
            int i = at % (in.length + 1);
            int j = Math.min(in.length, i + length);
            return concat(List.of(Arrays.copyOf(in, i), Arrays.copyOfRange(in, j, in.length)));
        }
    }

    /** Repeats a slice right after itself, e.g. an opcode with its argument. */
    record Duplicate(int at, int length) implements Mutation {
        public byte[] apply(byte[] in) {
            int i = at % (in.length + 1);
            int j = Math.min(in.length, i + length);
            return concat(
                    List.of(Arrays.copyOf(in, j), Arrays.copyOfRange(in, i, j), Arrays.copyOfRange(in, j, in.length)));
        }
    }

    private static byte[] apply(byte[] record, List<Mutation> mutations) {
        byte[] b = record;
        for (Mutation m : mutations) {
            b = m.apply(b);
        }
        return b;
    }

    // ---- opcode walker ----

    /** A fixture record with its opcodes. */
    record Walked(Fixture fixture, List<Opcode> ops) {

        /** BINUNICODE, BINBYTES and SHORT_BINBYTES payloads that cannot be oids. */
        List<Opcode> dataStrings() {
            return ops.stream()
                    .filter(op -> op.opcode() == Opcodes.BINUNICODE
                            || op.opcode() == Opcodes.BINBYTES
                            || op.opcode() == Opcodes.SHORT_BINBYTES)
                    .filter(op -> op.payloadLength() > 0 && op.payloadLength() != 8)
                    .toList();
        }

        /**
         * {@code C\x08} oids used as a reference, {@code oid BINPUT BINPERSID} or {@code oid BINPUT
         * (BINGET | GLOBAL BINPUT) TUPLE2 [BINPUT] BINPERSID}, whose value is in the record's strong
         * references exactly once, so that its entry is known without trusting the scanner.
         */
        List<StrongOid> strongOids() {
            List<StrongOid> found = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                Opcode op = ops.get(i);
                if (op.opcode() != Opcodes.SHORT_BINBYTES || op.payloadLength() != 8 || !isReference(i)) {
                    continue;
                }
                long oid = bigEndian(fixture.bytes(), op.payloadStart());
                long[] strong = fixture.strong();
                List<Integer> entries = new ArrayList<>();
                for (int k = 0; k < strong.length; k++) {
                    if (strong[k] == oid) {
                        entries.add(k);
                    }
                }
                if (entries.size() == 1) {
                    found.add(new StrongOid(fixture, op.payloadStart(), entries.get(0)));
                }
            }
            return found;
        }

        private boolean isReference(int oid) {
            int i = oid + 1;
            if (!is(i++, Opcodes.BINPUT)) {
                return false;
            }
            if (is(i, Opcodes.BINPERSID)) {
                return true;
            }
            if (is(i, Opcodes.BINGET)) {
                i++;
            } else if (is(i, Opcodes.GLOBAL) && is(i + 1, Opcodes.BINPUT)) {
                i += 2;
            } else {
                return false;
            }
            if (!is(i++, Opcodes.TUPLE2)) {
                return false;
            }
            if (is(i, Opcodes.BINPUT)) {
                i++;
            }
            return is(i, Opcodes.BINPERSID);
        }

        private boolean is(int i, int opcode) {
            return i < ops.size() && ops.get(i).opcode() == opcode;
        }
    }

    /**
     * One opcode of a record: {@code payload} is the string a length-prefixed opcode carries. Only for
     * records {@code referencesf} accepts; anything else is a broken fixture and fails loudly.
     */
    record Opcode(int opcode, int payloadStart, int payloadLength, int end) {

        /** The opcodes of both pickles, up to and including the second STOP. */
        static List<Opcode> walk(byte[] d) {
            List<Opcode> ops = new ArrayList<>();
            int pos = 0;
            int stops = 0;
            while (stops < 2) {
                int op = d[pos] & 0xff;
                int arg = pos + 1;
                Opcode o = switch (op) {
                    case '(',
                            ')',
                            '.',
                            '0',
                            '1',
                            '2',
                            'N',
                            'Q',
                            'R',
                            ']',
                            'a',
                            'b',
                            'd',
                            'e',
                            'l',
                            'o',
                            's',
                            't',
                            'u',
                            '}',
                            0x81,
                            0x85,
                            0x86,
                            0x87,
                            0x88,
                            0x89 -> new Opcode(op, arg, 0, arg);
                    case 'F', 'I', 'L', 'P', 'S', 'V', 'g', 'p' -> new Opcode(op, arg, 0, afterLine(d, arg));
                    case 'c', 'i' -> new Opcode(op, arg, 0, afterLine(d, afterLine(d, arg)));
                    case 'K', 'h', 'q', 0x80, 0x82 -> new Opcode(op, arg, 0, arg + 1);
                    case 'M', 0x83 -> new Opcode(op, arg, 0, arg + 2);
                    case 'J', 'j', 'r', 0x84 -> new Opcode(op, arg, 0, arg + 4);
                    case 'G' -> new Opcode(op, arg, 0, arg + 8);
                    case 'U', 'C', 0x8a -> prefixed(op, d, arg, 1);
                    case 'T', 'X', 'B', 0x8b -> prefixed(op, d, arg, 4);
                    default ->
                        throw new IllegalArgumentException(
                                "opcode 0x%02x at %d is not one ZODB writes".formatted(op, pos));
                };
                ops.add(o);
                pos = o.end();
                if (op == '.') {
                    stops++;
                }
            }
            return ops;
        }

        private static int afterLine(byte[] d, int from) {
            int i = from;
            while (d[i] != '\n') {
                i++;
            }
            return i + 1;
        }

        private static Opcode prefixed(int op, byte[] d, int arg, int width) {
            int length = 0;
            for (int i = width - 1; i >= 0; i--) {
                length = length << 8 | (d[arg + i] & 0xff);
            }
            return new Opcode(op, arg + width, length, arg + width + length);
        }
    }

    // ---- bytes ----

    private static long bigEndian(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static Byte[] boxed(byte[] b) {
        Byte[] out = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }

    private static byte[] unboxed(List<Byte> list) {
        byte[] out = new byte[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
