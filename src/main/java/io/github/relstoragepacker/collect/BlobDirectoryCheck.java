package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.BlobRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Proves that the configured shared blob directory belongs to this database, before any file in it is
 * removed. A directory that fails is not trusted: no file in it is removed, and garbage that owns blob
 * files is kept, until an operator fixes the setting or the mount.
 *
 * <ol>
 *   <li>It must be a readable and writable directory with the {@code .layout} marker RelStorage writes
 *       into every shared blob directory it opens, naming bushy or lawn ({@link BlobDirectory#open}).
 *   <li>Up to {@value #SAMPLE} blob records (class {@code ZODB.blob.Blob}, data not in {@code
 *       blob_chunk}), spread over their zoid range, are read with their committed tid. RelStorage moves a
 *       blob's file into place as {@code <tid>.blob} before the commit that writes the record, and no
 *       one removes a current revision, so each of them has that file in its oid directory.
 *   <li>At least nine in ten of the sample must have it (one deleted or rewritten while the check looks
 *       may not). Another database's directory has directories of the same oids (every database
 *       allocates oids from 1) holding its own tids, and an empty or wrong mount has none: both fail.
 *   <li>Without any blob record in the database, a directory holding oid directories is another
 *       database's: it fails too. Without either, there is nothing to remove and nothing to lose.
 * </ol>
 *
 * The database part is one probe of the partial index {@code packer.object_blob} and of {@code
 * object_state}'s primary key per sampled record; the directory part, one file lookup per record.
 */
final class BlobDirectoryCheck {

    /** Blob records sampled at most. */
    static final int SAMPLE = 200;

    private final Clock clock;

    BlobDirectoryCheck(Clock clock) {
        this.clock = clock;
    }

    /** Checks {@code root} against the blob records of {@code database}, read on {@code c}. */
    BlobDirectoryVerdict check(Connection c, Path root, String database) throws SQLException {
        long started = System.nanoTime();
        Instant at = clock.instant();
        BlobDirectory directory;
        try {
            directory = BlobDirectory.open(root);
        } catch (IOException e) {
            return verdict(root, false, e.getMessage(), 0, 0, at, started);
        }
        List<long[]> sample = BlobRecords.sample(c, SAMPLE);
        try {
            if (sample.isEmpty()) {
                return directory.hasOidDirectory()
                        ? verdict(
                                root,
                                false,
                                ("database %s has no blob record whose data lives in a blob directory, but %s"
                                                + " holds oid directories: it is probably another database's blob"
                                                + " directory. Point packer.collector.blob-directory at the"
                                                + " blob-dir of this database's RelStorage configuration"
                                                + " (shared-blob-dir true), or unset it if its blobs are stored"
                                                + " in the database.")
                                        .formatted(database, root),
                                0,
                                0,
                                at,
                                started)
                        : verdict(
                                root,
                                true,
                                "database %s has no blob record yet, and %s holds no blob files"
                                        .formatted(database, root),
                                0,
                                0,
                                at,
                                started);
            }
            int found = 0;
            Path firstMissing = null;
            for (long[] record : sample) {
                Path file = directory.revisionFile(record[0], record[1]);
                if (Files.exists(file)) {
                    found++;
                } else if (firstMissing == null) {
                    firstMissing = file;
                }
            }
            if (found * 10L >= sample.size() * 9L) {
                return verdict(
                        root,
                        true,
                        "%d of %d blob records of database %s sampled have their current revision file in %s"
                                .formatted(found, sample.size(), database, root),
                        sample.size(),
                        found,
                        at,
                        started);
            }
            boolean empty = !directory.hasOidDirectory();
            return verdict(
                    root,
                    false,
                    ("only %d of %d blob records of database %s sampled have their current revision file in %s"
                                    + " (missing, e.g.: %s)%s. Nine in ten must: it is not this database's blob"
                                    + " directory. Point packer.collector.blob-directory at the blob-dir of this"
                                    + " database's RelStorage configuration (shared-blob-dir true), mounted as"
                                    + " Plone mounts it.")
                            .formatted(
                                    found,
                                    sample.size(),
                                    database,
                                    root,
                                    firstMissing,
                                    empty ? "; the directory holds no blob files at all: is the volume mounted?" : ""),
                    sample.size(),
                    found,
                    at,
                    started);
        } catch (IOException e) {
            return verdict(
                    root,
                    false,
                    "packer.collector.blob-directory " + root + " cannot be read: " + e.getMessage(),
                    sample.size(),
                    0,
                    at,
                    started);
        }
    }

    private static BlobDirectoryVerdict verdict(
            Path root, boolean trusted, String reason, int sampled, int found, Instant at, long started) {
        return new BlobDirectoryVerdict(
                root, trusted, reason, sampled, found, at, Duration.ofNanos(System.nanoTime() - started));
    }
}
