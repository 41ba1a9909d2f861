package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.testsupport.BlobDirectory;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.github.relstoragepacker.testsupport.ZodbRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The blob directory check against a real database and real directories: this database's directory
 * is trusted, anything else (another database's, an empty mount, no marker, stray oid directories
 * without any blob record) is not, and the reason names the directory, the database and the fix.
 */
class BlobDirectoryCheckTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @TempDir
    Path root;

    private final JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());

    @BeforeAll
    static void migrate() {
        IndexSchema.migrate(db.dataSource());
    }

    @BeforeEach
    void emptyDatabase() {
        jdbc.execute("TRUNCATE object_state, blob_chunk, packer.object");
    }

    private BlobDirectoryVerdict check() throws Exception {
        try (Connection c = db.connect()) {
            return new BlobDirectoryCheck(Clock.systemUTC()).check(c, root, db.name());
        }
    }

    /** Commits {@code count} blob records with their files in {@code files}, and indexes them; returns zoid to tid. */
    private Map<Long, Long> blobs(int count, BlobDirectory files) throws Exception {
        RelStorageWriter writer = new RelStorageWriter(db.dataSource(), LockGeneration.ADVISORY_LOCK, files);
        Map<Long, byte[]> states = new HashMap<>();
        Map<Long, byte[]> data = new HashMap<>();
        for (int i = 0; i < count; i++) {
            long zoid = writer.newOid();
            states.put(zoid, ZodbRecords.blob());
            data.put(zoid, ("blob " + i).getBytes(StandardCharsets.US_ASCII));
        }
        long tid = writer.commit(new HashMap<>(states), data);
        jdbc.update(
                "INSERT INTO packer.object (zoid, tid, state_size, class_id)"
                        + " SELECT zoid, tid, state_size, -1 FROM object_state WHERE tid = ?",
                tid);
        Map<Long, Long> committed = new HashMap<>();
        states.keySet().forEach(zoid -> committed.put(zoid, tid));
        return committed;
    }

    @Test
    void thisDatabasesDirectoryIsTrustedFromASpreadSample() throws Exception {
        BlobDirectory files = BlobDirectory.create(root, BlobLayout.BUSHY);
        blobs(500, files);

        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).as(verdict.reason()).isTrue();
        assertThat(verdict.sampled()).isEqualTo(BlobDirectoryCheck.SAMPLE);
        assertThat(verdict.found()).isEqualTo(BlobDirectoryCheck.SAMPLE);
    }

    @Test
    void nineInTenSampledRecordsMustHaveTheirFile() throws Exception {
        BlobDirectory files = BlobDirectory.create(root, BlobLayout.LAWN);
        List<Map.Entry<Long, Long>> records = new ArrayList<>(blobs(10, files).entrySet());
        Files.delete(files.blobFile(records.get(0).getKey(), records.get(0).getValue()));

        assertThat(check().trusted())
                .as("one record rewritten or deleted while the check looked")
                .isTrue();

        Files.delete(files.blobFile(records.get(1).getKey(), records.get(1).getValue()));
        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).isFalse();
        assertThat(verdict.found()).isEqualTo(8);
        assertThat(verdict.reason())
                .contains("only 8 of 10")
                .contains(db.name())
                .contains(root.toString())
                .contains("shared-blob-dir true");
    }

    @Test
    void anotherDatabasesDirectoryWithTheSameOidsIsNotTrusted() throws Exception {
        BlobDirectory ours = BlobDirectory.create(Files.createDirectory(root.resolve("ours")), BlobLayout.BUSHY);
        Map<Long, Long> records = blobs(20, ours);
        BlobDirectory theirs = BlobDirectory.create(Files.createDirectory(root.resolve("theirs")), BlobLayout.BUSHY);
        for (long zoid : records.keySet()) {
            Files.createDirectories(theirs.oidDirectory(zoid));
            Files.writeString(theirs.blobFile(zoid, records.get(zoid) - 1), "theirs");
        }
        root = theirs.root();

        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).isFalse();
        assertThat(verdict.found()).isZero();
        assertThat(verdict.reason()).contains("it is not this database's blob directory");
    }

    @Test
    void anEmptyDirectoryIsNotTrustedWhileTheDatabaseHasBlobRecords() throws Exception {
        blobs(3, BlobDirectory.create(Files.createDirectory(root.resolve("elsewhere")), BlobLayout.BUSHY));
        root = BlobDirectory.create(Files.createDirectory(root.resolve("mount")), BlobLayout.BUSHY)
                .root();

        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).isFalse();
        assertThat(verdict.reason()).contains("holds no blob files at all: is the volume mounted?");
    }

    @Test
    void aDirectoryWithoutLayoutMarkerOrThatIsMissingIsNotTrusted() throws Exception {
        BlobDirectory files = BlobDirectory.create(root, BlobLayout.BUSHY);
        blobs(3, files);
        Files.delete(root.resolve(".layout"));

        assertThat(check().reason()).contains("has no .layout marker");

        root = root.resolve("not-mounted");
        BlobDirectoryVerdict missing = check();

        assertThat(missing.trusted()).isFalse();
        assertThat(missing.reason()).contains("is not a directory");
    }

    @Test
    void withoutBlobRecordsOnlyADirectoryWithoutOidDirectoriesIsTrusted() throws Exception {
        BlobDirectory files = BlobDirectory.create(root, BlobLayout.BUSHY);

        assertThat(check().trusted()).as("a site without blobs yet").isTrue();

        Files.createDirectories(files.oidDirectory(7));
        Files.writeString(files.blobFile(7, 0x0344142294000000L), "whose?");
        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).isFalse();
        assertThat(verdict.reason()).contains("has no blob record").contains("another database's");
    }

    @Test
    void blobRecordsWhoseDataIsInTheDatabaseAreNotSampled() throws Exception {
        BlobDirectory.create(root, BlobLayout.BUSHY);
        RelStorageWriter writer = new RelStorageWriter(db.dataSource(), LockGeneration.ADVISORY_LOCK);
        long zoid = writer.newOid();
        writer.commitBlob(zoid, ZodbRecords.blob(), "in blob_chunk".getBytes(StandardCharsets.US_ASCII));
        jdbc.update(
                "INSERT INTO packer.object (zoid, tid, state_size, class_id)"
                        + " SELECT zoid, tid, state_size, -1 FROM object_state WHERE zoid = ?",
                zoid);

        BlobDirectoryVerdict verdict = check();

        assertThat(verdict.trusted()).isTrue();
        assertThat(verdict.sampled()).isZero();
    }
}
