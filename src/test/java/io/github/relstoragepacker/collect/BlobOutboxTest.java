package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A process killed after the deleting transaction committed and before the blob files were removed:
 * the outbox row committed with the deletion makes the next run remove them.
 */
class BlobOutboxTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @TempDir
    Path root;

    @Test
    void filesLeftBehindByACrashAreRemovedByTheNextRun() throws Exception {
        IndexSchema.migrate(db.dataSource());
        Files.writeString(root.resolve(".layout"), "bushy");
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(42));
        Files.writeString(oid.resolve("0x0344142294000000.blob"), "data");
        new JdbcTemplate(db.dataSource())
                .update("INSERT INTO packer.blob_outbox (zoid, tid) VALUES (42, ?)", 0x0344142294000000L);

        long removed;
        try (Connection c = db.connect()) {
            removed = new BlobOutbox(blobs, new CollectorMetrics(new SimpleMeterRegistry())).process(c);
        }

        assertThat(removed).isEqualTo(1);
        assertThat(root.resolve("0x00")).doesNotExist();
        assertThat(new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM packer.blob_outbox", Long.class))
                .isZero();
    }

    @Test
    void aDirectoryWithoutTheDeletedStatesFileIsKeptAndCounted() throws Exception {
        IndexSchema.migrate(db.dataSource());
        Files.writeString(root.resolve(".layout"), "lawn");
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(43));
        Path theirs = Files.writeString(oid.resolve("0x0344142299000000.blob"), "another database's");
        new JdbcTemplate(db.dataSource())
                .update("INSERT INTO packer.blob_outbox (zoid, tid) VALUES (43, ?)", 0x0344142294000000L);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        long removed;
        try (Connection c = db.connect()) {
            removed = new BlobOutbox(blobs, new CollectorMetrics(registry)).process(c);
        }

        assertThat(removed).isZero();
        assertThat(theirs).hasContent("another database's");
        assertThat(registry.get("packer.collector.kept.blob.directories")
                        .tag("reason", "not_ours")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM packer.blob_outbox", Long.class))
                .as("never tried again: nothing there will ever be this object's")
                .isZero();
    }
}
