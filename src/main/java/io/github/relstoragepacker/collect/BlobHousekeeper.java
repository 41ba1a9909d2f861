package io.github.relstoragepacker.collect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Housekeeping of RelStorage's shared blob directory, which RelStorage itself never does in
 * history-free mode (docs/relstorage.md §5): every commit of a blob adds a {@code <tid>.blob} file and keeps the
 * old ones.
 *
 * <p>One walk over the oid directories, in chunks of {@value #CHUNK}, each chunk looked up in {@code
 * object_state} with one query:
 *
 * <ol>
 *   <li><b>Stale revisions of live objects are removed.</b> With {@code T} the object's tid as committed
 *       when the chunk was read, a revision file goes when it is older than {@code T}'s own file, which
 *       must be there (the current blob is never touched; without it nothing in the directory is
 *       provably the object's, and the directory is counted and kept), and the revision that superseded
 *       it was committed before the cutoff (now minus the grace period). A commit racing the walk only ever
 *       adds a revision newer than {@code T} (tids grow under the commit lock, docs/relstorage.md §3), which is never
 *       touched; a directory with an upload in flight ({@code .tmp-}) is skipped. A reader whose snapshot
 *       predates the superseding commit may still open the old file: the grace period is what protects
 *       it, exactly as for deleted objects.
 *   <li><b>Directories without an object are reported, never removed.</b> RelStorage renames a new
 *       object's file into place before its row commits, so a directory whose object is missing may
 *       belong to a commit still in flight; and one the collector deleted is the outbox's to remove. What
 *       is left after both (objects deleted by hand or by a zodbpack whose file removal failed) is counted,
 *       with examples, for an operator to check.
 * </ol>
 *
 * Memory is bounded by one chunk; the directory tree is streamed.
 */
final class BlobHousekeeper {

    private static final int CHUNK = 1000;
    private static final int EXAMPLES = 10;

    private final BlobDirectory directory;

    BlobHousekeeper(BlobDirectory directory) {
        this.directory = directory;
    }

    /**
     * Walks the blob directory once; removes (or, for a dry run, counts) the stale revisions superseded at
     * or before {@code cutoffTid} and counts the directories without an object.
     */
    BlobHousekeeping run(Connection c, long cutoffTid, boolean dryRun) throws SQLException, IOException {
        Walk walk = new Walk(c, cutoffTid, dryRun);
        try {
            directory.forEachOidDirectory(walk::add);
        } catch (UncheckedSqlException e) {
            throw e.getCause();
        }
        walk.flush();
        return new BlobHousekeeping(
                walk.directories,
                walk.staleFiles,
                walk.staleBytes,
                walk.withoutCurrentRevision,
                walk.orphans,
                List.copyOf(walk.examples),
                dryRun);
    }

    /** The state of one walk: the pending chunk and the totals. */
    private final class Walk {
        private final Connection connection;
        private final long cutoffTid;
        private final boolean dryRun;
        private final Map<Long, Path> chunk = new LinkedHashMap<>();
        private long directories;
        private long staleFiles;
        private long staleBytes;
        private long withoutCurrentRevision;
        private long orphans;
        private final List<Path> examples = new ArrayList<>();

        Walk(Connection connection, long cutoffTid, boolean dryRun) {
            this.connection = connection;
            this.cutoffTid = cutoffTid;
            this.dryRun = dryRun;
        }

        void add(long zoid, Path dir) throws IOException {
            directories++;
            chunk.put(zoid, dir);
            if (chunk.size() >= CHUNK) {
                try {
                    flush();
                } catch (SQLException e) {
                    throw new UncheckedSqlException(e);
                }
            }
        }

        void flush() throws SQLException, IOException {
            if (chunk.isEmpty()) {
                return;
            }
            Long[] zoids = chunk.keySet().toArray(Long[]::new);
            Map<Long, Long> committed = new HashMap<>();
            Set<Long> outbox = new HashSet<>();
            try (PreparedStatement st = connection.prepareStatement("SELECT zoid, tid FROM object_state"
                    + " WHERE zoid = ANY(?) UNION ALL SELECT zoid, NULL FROM packer.blob_outbox WHERE zoid = ANY(?)")) {
                st.setArray(1, connection.createArrayOf("bigint", zoids));
                st.setArray(2, connection.createArrayOf("bigint", zoids));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        long tid = rs.getLong(2);
                        if (rs.wasNull()) {
                            outbox.add(rs.getLong(1));
                        } else {
                            committed.put(rs.getLong(1), tid);
                        }
                    }
                }
            }
            for (Map.Entry<Long, Path> entry : chunk.entrySet()) {
                try {
                    visit(entry.getKey(), entry.getValue(), committed.get(entry.getKey()), outbox);
                } catch (NoSuchFileException e) {
                    // removed since the walk saw it (a zodbpack removing a deleted object's directory)
                }
            }
            chunk.clear();
        }

        private void visit(long zoid, Path dir, @Nullable Long committedTid, Set<Long> outbox) throws IOException {
            if (committedTid != null) {
                removeStale(dir, committedTid);
            } else if (!outbox.contains(zoid) && !uploading(dir)) {
                orphans++;
                if (examples.size() < EXAMPLES) {
                    examples.add(dir);
                }
            }
        }

        private void removeStale(Path dir, long committedTid) throws IOException {
            List<Path> stale = directory.staleRevisions(dir, committedTid, cutoffTid);
            if (stale == null) {
                withoutCurrentRevision++;
                return;
            }
            for (Path file : stale) {
                long size = Files.size(file);
                if (!dryRun) {
                    Files.delete(file);
                }
                staleFiles++;
                staleBytes += size;
            }
        }

        private static boolean uploading(Path dir) throws IOException {
            try (var entries = Files.newDirectoryStream(dir, "*.tmp*")) {
                return entries.iterator().hasNext();
            }
        }
    }

    /** Carries a database failure out of the directory walk's callback. */
    private static final class UncheckedSqlException extends RuntimeException {
        UncheckedSqlException(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}
