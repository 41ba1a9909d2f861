package io.github.relstoragepacker.collect;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the blob files of deleted objects after the deleting transaction committed. The outbox row
 * was written in that transaction and goes only once the files are gone, so a crash between the
 * commit and the removal leaves the row for the next run: files are never lost before their object
 * is deleted, nor leaked after.
 */
final class BlobOutbox {

    private final BlobDirectory directory;

    BlobOutbox(BlobDirectory directory) {
        this.directory = directory;
    }

    /** Empties the outbox; returns the number of blob files removed. */
    long process(Connection c) throws SQLException, IOException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        long files = 0;
        try (PreparedStatement next =
                        c.prepareStatement("SELECT zoid, tid FROM packer.blob_outbox ORDER BY zoid LIMIT 1000");
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
                Long[] removed = new Long[rows.size()];
                for (int i = 0; i < removed.length; i++) {
                    long[] row = rows.get(i);
                    files += directory.removeDeleted(row[0], row[1]);
                    removed[i] = row[0];
                }
                // one statement for the chunk, only after every one of its directories was dealt with
                done.setArray(1, c.createArrayOf("bigint", removed));
                done.executeUpdate();
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
