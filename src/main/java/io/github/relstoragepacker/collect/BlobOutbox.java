package io.github.relstoragepacker.collect;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the blob files of deleted objects after the deleting transaction committed. The outbox row
 * was written in that transaction and goes only once the files are gone, so a crash between the
 * commit and the removal leaves the row for the next run: files are never lost before their object
 * is deleted, nor leaked after. Only files provably the object's are removed ({@link
 * BlobDirectory#removeDeleted}); a directory left untouched is counted by reason and logged.
 */
final class BlobOutbox {

    private static final Logger log = LoggerFactory.getLogger(BlobOutbox.class);

    private final BlobDirectory directory;
    private final CollectorMetrics metrics;

    BlobOutbox(BlobDirectory directory, CollectorMetrics metrics) {
        this.directory = directory;
        this.metrics = metrics;
    }

    /**
     * Adds those of {@code deleted} ({zoid, tid}, from the deletion journal) that have an oid directory to
     * the outbox, in {@code c}'s transaction. The others have no file to remove (a directory made later
     * belongs to a commit re-creating the object, which a removal must not touch anyway), and writing and
     * emptying their outbox rows cost a tenth of a pack's deletion on a Plone site, where few objects are
     * blobs.
     */
    void addWithDirectories(Connection c, List<long[]> deleted) throws SQLException {
        List<long[]> withDirectory = new ArrayList<>();
        for (long[] row : deleted) {
            if (Files.isDirectory(directory.oidDirectory(row[0]))) {
                withDirectory.add(row);
            }
        }
        add(c, withDirectory);
    }

    /**
     * Adds deleted objects, {zoid, tid}, in one statement; an object already there stays as it is. While
     * blob removal is on hold, every deleted object goes in: the directory cannot tell which have files.
     */
    static void add(Connection c, List<long[]> deleted) throws SQLException {
        if (deleted.isEmpty()) {
            return;
        }
        Long[] zoids = new Long[deleted.size()];
        Long[] tids = new Long[deleted.size()];
        for (int i = 0; i < zoids.length; i++) {
            zoids[i] = deleted.get(i)[0];
            tids[i] = deleted.get(i)[1];
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO packer.blob_outbox (zoid, tid)"
                + " SELECT * FROM unnest(?::bigint[], ?::bigint[]) ON CONFLICT DO NOTHING")) {
            st.setArray(1, c.createArrayOf("bigint", zoids));
            st.setArray(2, c.createArrayOf("bigint", tids));
            st.executeUpdate();
        }
    }

    /** Empties the outbox; returns the number of blob files removed. */
    long process(Connection c) throws SQLException, IOException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        long files = 0;
        try (PreparedStatement next =
                        c.prepareStatement("SELECT zoid, tid FROM packer.blob_outbox ORDER BY zoid LIMIT 5000");
                PreparedStatement done = c.prepareStatement("DELETE FROM packer.blob_outbox WHERE zoid = ANY (?)")) {
            while (true) {
                List<long[]> rows = new ArrayList<>();
                try (ResultSet rs = next.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
                    }
                }
                if (rows.isEmpty()) {
                    return files;
                }
                Long[] processed = new Long[rows.size()];
                for (int i = 0; i < processed.length; i++) {
                    long[] row = rows.get(i);
                    BlobDirectory.Removal removal = directory.removeDeleted(row[0], row[1]);
                    files += removal.files();
                    if (removal.kept() != null) {
                        kept(removal.kept(), row[0], row[1]);
                    }
                    processed[i] = row[0];
                }
                // one statement for the chunk, only after every one of its directories was dealt with
                done.setArray(1, c.createArrayOf("bigint", processed));
                done.executeUpdate();
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private void kept(BlobDirectory.Kept kept, long zoid, long tid) {
        metrics.keptBlobDirectory(kept.reason);
        log.warn(
                "Kept the blob directory {} of deleted object {}: {}",
                directory.oidDirectory(zoid),
                zoid,
                kept == BlobDirectory.Kept.NOT_OURS
                        ? "the deleted state's file "
                                + directory.revisionFile(zoid, tid).getFileName()
                                + " is absent, so nothing there is provably this object's"
                        : "an upload is in flight (a commit is re-creating the object)");
    }
}
