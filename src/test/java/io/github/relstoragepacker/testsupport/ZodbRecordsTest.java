package io.github.relstoragepacker.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.pickle.CrossDatabaseReference;
import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.pickle.References;
import io.github.relstoragepacker.pickle.UnreadableRecordException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The records equal real ones byte for byte, and the project's scanner reads back what was put in.
 *
 * <p>Expected bytes come from {@code fixtures/zodb-records.jsonl} (real ZODB 6.3) where the fixture
 * file has such a record, otherwise from CPython 3.11's pickler fed ZODB's persistent ids the way
 * {@code ObjectWriter} does (one pickler, protocol 3, class then state).
 */
class ZodbRecordsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String MAPPING_CLASS =
            "80036370657273697374656e742e6d617070696e670a50657273697374656e744d617070696e670a71002e";

    private final ReferenceScanner scanner = new ReferenceScanner();

    @Test
    void emptyMappingEqualsZodbsEmptyRoot() {
        assertThat(hex(ZodbRecords.persistentMapping(Map.of())))
                .isEqualTo(MAPPING_CLASS + "80037d710158040000006461746171027d7103732e");
    }

    @Test
    void strongReferencesEqualZodbsRecords() {
        byte[] root = ZodbRecords.mapping()
                .strong("plist", 1, "persistent.list.PersistentList")
                .strong("pmap", 2)
                .strong("folder", 3, "fixturemodel.Folder")
                .build();
        byte[] secondRoot = ZodbRecords.mapping()
                .strong("items", 8, "persistent.list.PersistentList")
                .strong("tags", 9, "persistent.list.PersistentList")
                .strong("back", 10, "fixturemodel.Holder")
                .build();

        assertThat(hex(root))
                .isEqualTo(MAPPING_CLASS
                        + "80037d710158040000006461746171027d7103285805000000706c69737471044308000000000000000171"
                        + "056370657273697374656e742e6c6973740a50657273697374656e744c6973740a71068671075158040000"
                        + "00706d61707108430800000000000000027109680086710a515806000000666f6c646572710b4308000000"
                        + "0000000003710c63666978747572656d6f64656c0a466f6c6465720a710d86710e5175732e");
        assertThat(hex(secondRoot))
                .isEqualTo(MAPPING_CLASS
                        + "80037d710158040000006461746171027d71032858050000006974656d7371044308000000000000000871"
                        + "056370657273697374656e742e6c6973740a50657273697374656e744c6973740a71068671075158040000"
                        + "00746167737108430800000000000000097109680686710a5158040000006261636b710b43080000000000"
                        + "00000a710c63666978747572656d6f64656c0a486f6c6465720a710d86710e5175732e");
    }

    @Test
    void blobEqualsZodbsBlobRecord() {
        assertThat(hex(ZodbRecords.blob())).isEqualTo("8003635a4f44422e626c6f620a426c6f620a71002e80034e2e");
    }

    @Test
    void weakReferencesEqualCpythonsPickle() {
        byte[] record = ZodbRecords.mapping()
                .strong("child", 1)
                .weak("weak", 2)
                .weak("again", 1)
                .build();

        assertThat(hex(record))
                .isEqualTo(MAPPING_CLASS
                        + "80037d710158040000006461746171027d71032858050000006368696c647104430800000000000000017105"
                        + "68008671065158040000007765616b71075d710828580100000077710943080000000000000002710a8571"
                        + "0b65515805000000616761696e710c5d710d286809680585710e655175732e");
    }

    @Test
    void crossDatabaseReferencesEqualCpythonsPickle() {
        byte[] record = ZodbRecords.mapping()
                .strong("local", 3, "fixturemodel.Item")
                .crossDatabase("remote", "catalog", 3, "fixturemodel.Item")
                .crossDatabase("remote2", "catalog", 4, ZodbRecords.PERSISTENT_MAPPING)
                .build();

        assertThat(hex(record))
                .isEqualTo(MAPPING_CLASS
                        + "80037d710158040000006461746171027d71032858050000006c6f63616c71044308000000000000000371"
                        + "0563666978747572656d6f64656c0a4974656d0a710686710751580600000072656d6f746571085d710928"
                        + "58010000006d710a5807000000636174616c6f67710b43080000000000000003710c680687710d65515807"
                        + "00000072656d6f746532710e5d710f28680a680b4308000000000000000471106800877111655175732e");
    }

    @Test
    void thousandEntriesAreBatchedLikeCpython() throws Exception {
        Map<String, Long> children = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            children.put("k" + i, i + 1L);
        }

        byte[] record = ZodbRecords.persistentMapping(children);

        assertThat(HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(record)))
                .isEqualTo("b4ec4e82c24e6adf259732bcfa501910bd722c181b9b8daae9f99af81395f68d");
        assertThat(scanner.scan(record).strong()).hasSize(1000).startsWith(1, 2).endsWith(1000);
    }

    @Test
    void scannerReadsBackEveryReference() throws UnreadableRecordException {
        Map<String, Long> children = new LinkedHashMap<>();
        children.put("a", 1L);
        children.put("big", (1L << 32) + 1);
        children.put("again", 1L);

        References strong = scanner.scan(ZodbRecords.persistentMapping(children));
        References mixed = scanner.scan(ZodbRecords.mapping()
                .strong("kept", 5, "fixturemodel.Item")
                .weak("weak", 6)
                .crossDatabase("remote", "catalog", 7, "fixturemodel.Item")
                .build());
        References blob = scanner.scan(ZodbRecords.blob());

        assertThat(strong.strong()).containsExactly(1, (1L << 32) + 1, 1);
        assertThat(strong.className()).isEqualTo(ZodbRecords.PERSISTENT_MAPPING);
        assertThat(mixed.strong()).containsExactly(5);
        assertThat(mixed.weak()).containsExactly(6);
        assertThat(mixed.crossDatabase()).containsExactly(new CrossDatabaseReference("catalog", 7, false));
        assertThat(blob.strong()).isEmpty();
        assertThat(blob.className()).isEqualTo("ZODB.blob.Blob");
    }

    private static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
