package io.github.relstoragepacker.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The opcodes the generator needs beyond those of {@code ZodbRecordsTest} equal CPython 3.11's C
 * pickler (the one zodbpickle forks) fed ZODB's persistent ids the way {@code ObjectWriter} does: one
 * pickler, protocol 3, {@code dump(klass)} then {@code dump(state)}.
 */
class ZodbPicklerTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String DOCUMENT = "plone.app.contenttypes.content.Document";

    private final ZodbPickler p = new ZodbPickler();

    @Test
    void bucketWithNextEqualsCpython() {
        p.beginRecord("BTrees.OOBTree.OOBucket");
        p.beginTuple(2);
        p.beginTuple(6);
        p.string("a");
        p.reference(0x1234, DOCUMENT);
        p.string("b");
        p.reference(7, DOCUMENT);
        p.string("c");
        p.reference(0x1234, DOCUMENT);
        p.endTuple();
        p.reference(0x99, "BTrees.OOBTree.OOBucket");
        p.endTuple();
        p.endRecord();

        assertThat(HEX.formatHex(p.toByteArray()))
                .isEqualTo("8003634254726565732e4f4f42547265650a4f4f4275636b65740a71002e80032858010000006171014308"
                        + "0000000000001234710263706c6f6e652e6170702e636f6e74656e7474797065732e636f6e74656e740a446f"
                        + "63756d656e740a71038671045158010000006271054308000000000000000771066803867107515801000000"
                        + "637108680268038671095174710a43080000000000000099710b680086710c5186710d2e");
    }

    @Test
    void scalarsContainersInlineObjectsAndWeakReferencesEqualCpython() {
        long[] ints = {
            0,
            255,
            256,
            65535,
            65536,
            -1,
            -129,
            (1L << 31) - 1,
            1L << 31,
            -(1L << 31),
            -(1L << 31) - 1,
            1L << 40,
            -(1L << 40),
            Long.MAX_VALUE,
            Long.MIN_VALUE
        };
        p.beginRecord(DOCUMENT);
        p.beginDict(12);
        p.string("ints");
        p.beginList(ints.length);
        for (long value : ints) {
            p.integer(value);
            p.endItem();
        }
        p.endList();
        p.endItem();
        p.string("flags");
        p.beginTuple(3);
        p.bool(true);
        p.bool(false);
        p.none();
        p.endTuple();
        p.endItem();
        p.string("empty");
        p.beginTuple(0);
        p.endTuple();
        p.endItem();
        p.string("one");
        p.beginList(1);
        p.reference(0x1234, DOCUMENT);
        p.endItem();
        p.endList();
        p.endItem();
        p.string("none");
        p.beginList(0);
        p.endList();
        p.endItem();
        p.string("long");
        p.beginTuple(4);
        for (int i = 1; i <= 4; i++) {
            p.integer(i);
        }
        p.endTuple();
        p.endItem();
        p.string("text");
        p.string("Grüße ☃");
        p.endItem();
        p.string("keyref");
        p.newObject("five.intid.keyreference.KeyReferenceToPersistent");
        p.beginDict(3);
        p.string("object");
        p.reference(0x1234, DOCUMENT);
        p.endItem();
        p.string("oid");
        p.oid(0x1234);
        p.endItem();
        p.string("dbname");
        p.string("main");
        p.endItem();
        p.endDict();
        p.build();
        p.endItem();
        p.string("creator");
        p.weakReference(5);
        p.endItem();
        p.string("again");
        p.weakReference(5);
        p.endItem();
        p.string("parent");
        p.reference(0x1234, DOCUMENT);
        p.endItem();
        p.string("nested");
        p.beginDict(1);
        p.string("x");
        p.beginDict(0);
        p.endDict();
        p.endItem();
        p.endDict();
        p.endItem();
        p.endDict();
        p.endRecord();

        assertThat(HEX.formatHex(p.toByteArray()))
                .isEqualTo("800363706c6f6e652e6170702e636f6e74656e7474797065732e636f6e74656e740a446f63756d656e740a"
                        + "71002e80037d7101285804000000696e747371025d7103284b004bff4d00014dffff4a000001004affffffff4a"
                        + "7fffffff4affffff7f8a0500000080004a000000808a05ffffff7fff8a060000000000018a060000000000ff8a"
                        + "08ffffffffffffff7f8a080000000000000080655805000000666c616773710488894e8771055805000000656d"
                        + "70747971062958030000006f6e6571075d7108430800000000000012347109680086710a516158040000006e6f"
                        + "6e65710b5d710c58040000006c6f6e67710d284b014b024b034b0474710e580400000074657874710f580b0000"
                        + "004772c3bcc39f6520e29883711058060000006b6579726566711163666976652e696e7469642e6b6579726566"
                        + "6572656e63650a4b65795265666572656e6365546f50657273697374656e740a7112298171137d711428580600"
                        + "00006f626a6563747115680968008671165158030000006f696471176809580600000064626e616d6571185804"
                        + "0000006d61696e71197562580700000063726561746f72711a5d711b28580100000077711c4308000000000000"
                        + "0005711d85711e65515805000000616761696e711f5d712028681c681d8571216551580600000070617265"
                        + "6e747122680968008671235158060000006e657374656471247d712558010000007871267d712773752e");
    }

    @Test
    void longListsAndDictsAreBatchedLikeCpython() throws Exception {
        p.beginRecord("persistent.list.PersistentList");
        p.beginDict(1);
        p.string("data");
        p.beginList(2000);
        for (int i = 0; i < 2000; i++) {
            p.integer(i);
            p.endItem();
        }
        p.endList();
        p.endItem();
        p.endDict();
        p.endRecord();
        assertThat(sha256()).isEqualTo("f90b26ffc7d7a6eb09011de0f95da377468761d8e0e278a1e5d2a0c4d0b519f1");

        p.beginRecord("persistent.mapping.PersistentMapping");
        p.beginDict(1);
        p.string("data");
        p.beginDict(2001);
        for (int i = 0; i < 2001; i++) {
            p.string("k" + i);
            p.integer(i);
            p.endItem();
        }
        p.endDict();
        p.endItem();
        p.endDict();
        p.endRecord();
        assertThat(sha256()).isEqualTo("0ea1f136e2540022235c30d587c0eff10b513300c03f23166c94966d74bd0709");
        assertThat(p.size()).isEqualTo(33966);
    }

    @Test
    void containersMustBeClosedWithTheDeclaredSize() {
        p.beginRecord(DOCUMENT);
        p.beginDict(2);
        p.string("a");
        p.none();
        p.endItem();

        assertThatThrownBy(p::endDict).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(p::endRecord).isInstanceOf(IllegalStateException.class);
    }

    private String sha256() throws Exception {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(p.toByteArray()));
    }
}
