package io.github.relstoragepacker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One copy of the database under benchmark, as seen from outside: its objects and its blob files.
 *
 * @param jdbcUrl where it is
 * @param blobDirectory its shared blob directory, null when blobs live in the database
 */
record PackedCopy(String jdbcUrl, @Nullable Path blobDirectory) {

    long objects() throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM object_state")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The blob files, relative to the blob directory; empty without one. */
    Set<String> blobFiles() throws IOException {
        Set<String> files = new TreeSet<>();
        if (blobDirectory == null) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(blobDirectory)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".blob"))
                    .forEach(p -> files.add(blobDirectory.relativize(p).toString()));
        }
        return files;
    }

    /**
     * The zoids present in one copy and not in the other, both ways, in one merge of the two sorted
     * streams: {@code [0]} only here, {@code [1]} only there, at most {@code limit} of each (with the
     * counts in {@code counts}).
     */
    List<List<Long>> difference(PackedCopy other, int limit, long[] counts) throws SQLException {
        try (Connection a = DriverManager.getConnection(jdbcUrl);
                Connection b = DriverManager.getConnection(other.jdbcUrl)) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            try (Statement sa = a.createStatement();
                    Statement sb = b.createStatement()) {
                sa.setFetchSize(50_000);
                sb.setFetchSize(50_000);
                try (ResultSet ra = sa.executeQuery("SELECT zoid FROM object_state ORDER BY zoid");
                        ResultSet rb = sb.executeQuery("SELECT zoid FROM object_state ORDER BY zoid")) {
                    List<Long> onlyHere = new java.util.ArrayList<>();
                    List<Long> onlyThere = new java.util.ArrayList<>();
                    boolean hasA = ra.next();
                    boolean hasB = rb.next();
                    while (hasA || hasB) {
                        long za = hasA ? ra.getLong(1) : Long.MAX_VALUE;
                        long zb = hasB ? rb.getLong(1) : Long.MAX_VALUE;
                        if (hasA && (!hasB || za < zb)) {
                            add(onlyHere, za, limit, counts, 0);
                            hasA = ra.next();
                        } else if (hasB && (!hasA || zb < za)) {
                            add(onlyThere, zb, limit, counts, 1);
                            hasB = rb.next();
                        } else {
                            hasA = ra.next();
                            hasB = rb.next();
                        }
                    }
                    return List.of(onlyHere, onlyThere);
                }
            }
        }
    }

    private static void add(List<Long> list, long zoid, int limit, long[] counts, int side) {
        counts[side]++;
        if (list.size() < limit) {
            list.add(zoid);
        }
    }
}
