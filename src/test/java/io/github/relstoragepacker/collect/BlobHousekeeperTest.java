package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.relstorage.LockGeneration;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.github.relstoragepacker.testsupport.ZodbRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Housekeeping of a real shared blob directory, in both layouts, with blobs committed through
 * RelStorage's protocol into a real database: superseded revisions of live objects go once the grace
 * has passed since they were superseded; the current revision, newer revisions and uploads in flight
 * stay; directories without an object are counted and kept.
 */
class BlobHousekeeperTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    private static final long FAR_FUTURE = Long.MAX_VALUE;

    @TempDir
    Path root;

    @BeforeAll
    static void migrate() {
        IndexSchema.migrate(db.dataSource());
    }

    private io.github.relstoragepacker.testsupport.BlobDirectory files;
    private RelStorageWriter writer;

    private BlobHousekeeping housekeep(long cutoffTid, boolean dryRun) throws Exception {
        try (Connection c = db.connect()) {
            return new BlobHousekeeper(BlobDirectory.open(root)).run(c, cutoffTid, dryRun);
        }
    }

    private void create(BlobLayout layout) throws Exception {
        files = io.github.relstoragepacker.testsupport.BlobDirectory.create(root, layout);
        writer = new RelStorageWriter(db.dataSource(), LockGeneration.ADVISORY_LOCK, files);
    }

    private long commitBlob(long zoid, String data) throws Exception {
        return writer.commitBlob(zoid, ZodbRecords.blob(), data.getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void removesRevisionsSupersededBeforeTheCutoffAndNeverTheCurrentOne(BlobLayout layout) throws Exception {
        create(layout);
        long zoid = writer.newOid();
        long first = commitBlob(zoid, "one");
        long second = commitBlob(zoid, "two");
        long third = commitBlob(zoid, "three");

        // the cutoff falls after the second commit: only the first revision has been superseded long enough
        BlobHousekeeping partial = housekeep(second, false);

        assertThat(partial.staleFiles()).isEqualTo(1);
        assertThat(files.blobFile(zoid, first)).doesNotExist();
        assertThat(files.blobFile(zoid, second)).exists();
        assertThat(files.blobFile(zoid, third)).hasContent("three");

        BlobHousekeeping full = housekeep(FAR_FUTURE, false);

        assertThat(full.staleFiles()).isEqualTo(1);
        assertThat(full.staleBytes()).isEqualTo(3);
        assertThat(files.blobFile(zoid, second)).doesNotExist();
        assertThat(files.blobFile(zoid, third)).hasContent("three");
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void keepsARevisionNewerThanTheCommittedTidAndEverythingBesideAnUpload(BlobLayout layout) throws Exception {
        create(layout);
        long renamed = writer.newOid();
        long uploading = writer.newOid();
        long committed = commitBlob(renamed, "committed");
        long old = commitBlob(uploading, "old");
        long current = commitBlob(uploading, "current");
        // RelStorage renames the file into place before its row commits: a revision ahead of object_state
        Path ahead = Files.writeString(files.blobFile(renamed, committed + 1), "voting");
        Path upload = Files.writeString(files.oidDirectory(uploading).resolve("0x0400000000000000.tmp-"), "...");

        BlobHousekeeping result = housekeep(FAR_FUTURE, false);

        assertThat(result.staleFiles()).isZero();
        assertThat(ahead).exists();
        assertThat(files.blobFile(renamed, committed)).exists();
        assertThat(files.blobFile(uploading, old)).exists();
        assertThat(files.blobFile(uploading, current)).exists();
        assertThat(upload).exists();
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void reportsDirectoriesWithoutAnObjectAndKeepsThem(BlobLayout layout) throws Exception {
        create(layout);
        long live = writer.newOid();
        commitBlob(live, "live");
        long deletedByHand = writer.newOid();
        long inOutbox = writer.newOid();
        long newObject = (1L << 40) + 17;
        long deletedTid = commitBlob(deletedByHand, "gone");
        long outboxTid = commitBlob(inOutbox, "queued");
        writer.delete(deletedByHand, inOutbox);
        new JdbcTemplate(db.dataSource())
                .update("INSERT INTO packer.blob_outbox (zoid, tid) VALUES (?, ?)", inOutbox, outboxTid);
        // a new object's upload, before its first commit
        Path upload = Files.createDirectories(files.oidDirectory(newObject)).resolve("0x00.tmp-");
        Files.writeString(upload, "...");

        BlobHousekeeping result = housekeep(FAR_FUTURE, false);

        assertThat(result.directories()).isEqualTo(4);
        assertThat(result.orphanDirectories()).isEqualTo(1);
        assertThat(result.orphanExamples()).containsExactly(files.oidDirectory(deletedByHand));
        assertThat(result.summary()).contains("1 directories have no object");
        assertThat(files.blobFile(deletedByHand, deletedTid)).exists();
        assertThat(files.blobFile(inOutbox, outboxTid)).exists();
        assertThat(upload).exists();
        new JdbcTemplate(db.dataSource()).update("DELETE FROM packer.blob_outbox");
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void aDryRunCountsAndRemovesNothing(BlobLayout layout) throws Exception {
        create(layout);
        long zoid = writer.newOid();
        long first = commitBlob(zoid, "one");
        commitBlob(zoid, "two");

        BlobHousekeeping result = housekeep(FAR_FUTURE, true);

        assertThat(result.staleFiles()).isEqualTo(1);
        assertThat(result.summary()).startsWith("would remove 1 stale");
        assertThat(files.blobFile(zoid, first)).exists();
    }

    @ParameterizedTest
    @EnumSource(BlobLayout.class)
    void skipsWhatIsNotAnOidDirectory(BlobLayout layout) throws Exception {
        create(layout);
        Files.writeString(Files.createDirectories(root.resolve("tmp")).resolve("0x01.blob"), "RelStorage's");
        Files.createDirectories(root.resolve("lost+found"));

        assertThat(housekeep(FAR_FUTURE, false).directories()).isZero();
        assertThat(root.resolve("tmp/0x01.blob")).exists();
    }
}
