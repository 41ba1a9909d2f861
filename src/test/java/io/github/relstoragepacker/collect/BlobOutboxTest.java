package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
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
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(42));
        Files.writeString(oid.resolve("0x0344142294000000.blob"), "data");
        new JdbcTemplate(db.dataSource())
                .update("INSERT INTO packer.blob_outbox (zoid, tid) VALUES (42, ?)", 0x0344142294000000L);

        long removed;
        try (Connection c = db.connect()) {
            removed = new BlobOutbox(blobs).process(c);
        }

        assertThat(removed).isEqualTo(1);
        assertThat(root.resolve("0x00")).doesNotExist();
        assertThat(new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM packer.blob_outbox", Long.class))
                .isZero();
    }
}
