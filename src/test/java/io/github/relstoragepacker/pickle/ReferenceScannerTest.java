package io.github.relstoragepacker.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-built records: the forms Python 2 ZODB wrote, the reference forms of docs/relstorage.md §4, and the
 * {@code noload} corner cases that zodbpickle's C unpickler was observed to accept or reject (each
 * case below was run through {@code referencesf} on CPython 3.11 with zodbpickle 2.5).
 *
 * <p>Records are written as Latin-1 strings, one char per byte.
 */
class ReferenceScannerTest {

    private static final String MAPPING_CLASS = "\u0080\u0003cpersistent.mapping\nPersistentMapping\nq\u0000.";
    private static final String OID_1 = "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001";
    private static final String OID_2 = "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0002";
    private static final String OID_3 = "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0003";
    private static final String HIGH_OID = "\u0080\u00c0\u00ff\n.\u007f\u0000\u00fe";
    private static final long HIGH_OID_VALUE = 0x80c0ff0a2e7f00feL;

    private final ReferenceScanner scanner = new ReferenceScanner();

    @Test
    void readsTheVerifiedRootMappingOfFactsSection4() throws Exception {
        String state = "\u0080\u0003}q\u0001X\u0004\u0000\u0000\u0000dataq\u0002}q\u0003("
                + "X\u0001\u0000\u0000\u0000aq\u0004C\u0008" + OID_1 + "q\u0005c__main__\nItem\nq\u0006\u0086q\u0007Q"
                + "X\u0001\u0000\u0000\u0000bq\u0008C\u0008" + OID_2 + "q\tQ"
                + "X\u0006\u0000\u0000\u0000targetq\nC\u0008" + OID_3 + "q\u000bh\u0006\u0086q\u000cQ"
                + "us.";
        References refs = scanner.scan(bytes(MAPPING_CLASS + state));

        assertThat(refs.strong()).containsExactly(1, 2, 3);
        assertThat(refs.className()).isEqualTo("persistent.mapping.PersistentMapping");
    }

    @Test
    void statePickleMayGetWhatTheClassPickleMemoised() throws Exception {
        String state = "\u0080\u0003C\u0008" + OID_2 + "h\u0000\u0086Q.";

        assertThat(scanner.scan(bytes(MAPPING_CLASS + state)).strong()).containsExactly(2);
    }

    @Test
    void readsPython2Protocol1OidsAsRawBytesEvenAbove0x7f() throws Exception {
        String record = "cpersistent.mapping\nPersistentMapping\nq\u0001.}q\u0002(U\u0001aq\u0003(U\u0008" + HIGH_OID
                + "q\u0004cmod\nItem\nq\u0005tq\u0006QU\u0001bq\u0007(U\u0008" + OID_1 + "h\u0005tQu.";

        assertThat(scanner.scan(bytes(record)).strong()).containsExactly(HIGH_OID_VALUE, 1);
    }

    @Test
    void readsPython2Protocol2OidsInBinstrings() throws Exception {
        String record = "\u0080\u0002cmod\nThing\nq\u0001.\u0080\u0002]q\u0002(T\u0008\u0000\u0000\u0000" + HIGH_OID
                + "h\u0001\u0086QU\u0008" + OID_3 + "Qe.";

        assertThat(scanner.scan(bytes(record)).strong()).containsExactly(HIGH_OID_VALUE, 3);
    }

    @Test
    void weakAndCrossDatabaseReferencesAreNeverStrong() throws Exception {
        String state = "\u0080\u0003](]q\u0001(X\u0001\u0000\u0000\u0000wC\u0008" + OID_1 + "\u0085eQ"
                + "](X\u0001\u0000\u0000\u0000mX\u0007\u0000\u0000\u0000catalogC\u0008" + OID_2 + "h\u0000\u0087eQ"
                + "](X\u0001\u0000\u0000\u0000nX\u0007\u0000\u0000\u0000catalogC\u0008" + OID_3 + "\u0086eQ"
                + "](C\u0008" + OID_2 + "eQ"
                + "C\u0008" + OID_3 + "Qe.";
        References refs = scanner.scan(bytes(MAPPING_CLASS + state));

        assertThat(refs.strong()).containsExactly(3);
        assertThat(refs.weak()).containsExactly(1, 2);
        assertThat(refs.crossDatabase())
                .containsExactly(
                        new CrossDatabaseReference("catalog", 2, false),
                        new CrossDatabaseReference("catalog", 3, false));
    }

    @Test
    void textPersidIsTheBytesOfItsLine() throws Exception {
        assertThat(scanner.scan(bytes("N.PABCDEFGH\n.")).strong()).containsExactly(0x4142434445464748L);
    }

    @Test
    void inflatesZlibRecordsFirst() throws Exception {
        byte[] plain = bytes(MAPPING_CLASS + "\u0080\u0003C\u0008" + OID_2 + "h\u0000\u0086Q.");
        byte[] compressed = ZodbRecordFixtures.compressed(plain);

        assertThat(scanner.scan(compressed).strong()).containsExactly(2);
        byte[] truncated = java.util.Arrays.copyOf(compressed, compressed.length - 3);
        assertThatThrownBy(() -> scanner.scan(truncated)).isInstanceOf(UnreadableRecordException.class);
        assertThatThrownBy(() -> scanner.scan(bytes(".znot zlib"))).isInstanceOf(UnreadableRecordException.class);
    }

    @Test
    void emptyAndNullStatesHaveNoReferences() throws Exception {
        assertThat(scanner.scan(null).strong()).isEmpty();
        assertThat(scanner.scan(new byte[0]).strong()).isEmpty();
    }

    @Test
    void brokenPickleNamesTheOffsetAndOpcode() {
        assertThatThrownBy(() -> scanner.scan(bytes("brokenpickle")))
                .isInstanceOfSatisfying(UnreadableRecordException.class, e -> {
                    assertThat(e.offset()).isZero();
                    assertThat(e.opcode()).isEqualTo('b');
                    assertThat(e.getMessage()).contains("stack underflow", "BUILD", "offset 0");
                });
    }

    /** Records zodbpickle's noload accepts, though ZODB never writes them. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "N(N.(t.", // leftovers of the first pickle are discarded
                "Nq\u0000.h\u0000.", // one memo for both pickles
                "N.N.garbage", // bytes after the second STOP are never read
                "](U\u0001wU\u0001x\u0085e.N.", // APPENDS keeps list items
                "}(e.N.", // APPENDS with nothing to append checks no type
                "N(Nu.N.", // SETITEMS on None: no odd-count check
                "(]oNa.N.", // OBJ keeps the item above the mark
                "\u0082\u0000.N.", // EXT1: no registry lookup
                "N(0N.N.", // POP takes the mark off first
                "I010\n.N.", // strtol: octal
                "I1_0\n.N.", // PyLong_FromString fallback
                "I\u0000\n.N.", // an empty C string is 0
                "L12L\n.N.",
                "L0x10L\n.N.",
                "F1.5\n.N.",
                "F-inf\n.N.",
                "S'a' b'\n.N.", // inner quotes are not checked
                "S'\\q\\x41'\n.N.", // unknown escapes are kept
                "Np010\n.N.",
                "(d.N.", // DICT over an empty mark
                "(NNNd.N.", // DICT drops an odd trailing item
                "X\u0003\u0000\u0000\u0000\u00ed\u00a0\u0080.N.", // surrogatepass
                "Vab\\\\u12\n.N.", // an even run of backslashes is no escape
                "\u0080\u0004\u008c\u0001a\u0094.N.", // protocol 4 is read, beyond zodbpickle 2.5
                "Nr\u00ff\u00ff\u00ff\u00ff.j\u00ff\u00ff\u00ff\u00ff.", // a huge memo key costs no memory here
            })
    void acceptsWhatNoloadAccepts(String record) throws Exception {
        assertThat(scanner.scan(bytes(record)).strong()).isEmpty();
    }

    /** Records {@code referencesf} rejects: each must be unreadable, never "no references". */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "NN.0.", // each pickle starts with an empty stack
                "N.", // the second pickle is missing
                "(.N.", // a mark is not an item
                ")Na.N.", // APPEND to a tuple
                "}(Ne.N.", // APPENDS to a dict
                "(e.N.", // APPENDS with its mark at the bottom
                "}(Nu.N.", // odd SETITEMS on a dict
                "](NNu.N.", // list index None
                "}(]Nu.N.", // unhashable key
                "Nb.N.", // BUILD leaves nothing for STOP
                "(o.N.",
                "NN(\u0086t.N.", // stale mark
                "(q\u0000.N.",
                "I08\n.N.",
                "Iabc\n.N.",
                "I\n.N.",
                "LL\n.N.",
                "L010L\n.N.",
                "F1e999\n.N.",
                "F 1\n.N.",
                "Sabc\n.N.",
                "S'\\x4'\n.N.",
                "S'a\\'\n.N.",
                "V\\u12\n.N.",
                "X\u0001\u0000\u0000\u0000\u00ff.N.",
                "T\u00ff\u00ff\u00ff\u00ff.N.",
                "\u008b\u00ff\u00ff\u00ff\u00ff.N.",
                "\u0080\u0006N.N.",
                "z.N.",
                "\u00ff.N.",
                "\u0097N.N.", // NEXT_BUFFER
                "g99\n.N.",
                "p-1\n.N.",
                "N.NQ.", // a None pid
                "N.)Q.", // an empty tuple pid
                "N.KaQ.", // an int pid
                "N.C\u0007abcdefgQ.", // a 7-byte oid
                "N.X\u0008\u0000\u0000\u0000\u00c3\u00a9bcdefgQ.", // a non-ASCII str oid
                "N.N\u0085Q.", // (None,) pid
            })
    void rejectsWhatReferencesfRejects(String record) {
        assertThatThrownBy(() -> scanner.scan(bytes(record))).isInstanceOf(UnreadableRecordException.class);
    }

    @Test
    void deepNestingNeedsNoRecursion() throws Exception {
        String nested = "N" + "\u0085".repeat(200_000) + ".N.";

        assertThat(scanner.scan(bytes(nested)).strong()).isEmpty();
    }

    @Test
    void scannerCanBeReusedAfterAnError() throws Exception {
        assertThatThrownBy(() -> scanner.scan(bytes("Nq\u0000.h\u0001.")))
                .isInstanceOf(UnreadableRecordException.class);
        assertThatThrownBy(() -> scanner.scan(bytes("N.h\u0000.")))
                .as("the memo of the previous record must be gone")
                .isInstanceOf(UnreadableRecordException.class);
        assertThat(scanner.scan(bytes("N.C\u0008" + OID_1 + "Q.")).strong()).containsExactly(1);
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }
}
