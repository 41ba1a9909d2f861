package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;

/**
 * The pack jobs' rows in {@code packer.collection_run}: one inserted when a job is accepted, completed
 * when it ends, so that its outcome outlives the process; jobs of an instance that stopped without
 * ending them are ended {@code interrupted} by whichever instance leads next.
 */
final class PackJobRecords {

    private final JdbcTemplate jdbc;
    private final String instance;

    /** The records of the jobs of {@code instance} (a name unique to this process). */
    PackJobRecords(DataSource dataSource, String instance) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.instance = instance;
    }

    /** The job with {@code id} as recorded. */
    Optional<PackJob> find(long id) {
        return jdbc.query("SELECT * FROM packer.collection_run WHERE id = ?", PackJobRecords::recorded, id).stream()
                .findFirst();
    }

    /** The newest {@code limit} jobs as recorded, newest first. */
    List<PackJob> recent(int limit) {
        return jdbc.query(
                "SELECT * FROM packer.collection_run ORDER BY id DESC LIMIT ?", PackJobRecords::recorded, limit);
    }

    /** Records a job accepted now on this instance; returns its id. */
    long insert(PackRequest request, String requestedBy) {
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.update(
                c -> {
                    var st = c.prepareStatement(
                            "INSERT INTO packer.collection_run (kind, grace_seconds, dry_run, include_cycles,"
                                    + " requested_by, instance, object_tid_for_unknown_history)"
                                    + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            new String[] {"id"});
                    st.setString(1, request.kind().name());
                    st.setLong(2, request.grace().toSeconds());
                    st.setBoolean(3, request.dryRun());
                    st.setBoolean(4, request.includeCycles());
                    st.setString(5, requestedBy);
                    st.setString(6, instance);
                    st.setBoolean(7, request.objectTidForUnknownHistory());
                    return st;
                },
                key);
        return key.getKeyAs(Long.class);
    }

    /**
     * Records the end of job {@code id}: its {@code state} and {@code message}, what {@code result} says
     * (or, for a job that never got a result, what its {@code progress} counted).
     */
    void finish(long id, String state, CollectionProgress progress, @Nullable CollectionResult result, String message) {
        CollectionProgress.Snapshot p = progress.snapshot();
        CollectionProgress.Timings t = progress.timings();
        Map<String, ClassTotal> classes = result == null ? Map.of() : result.classes();
        jdbc.update(
                "UPDATE packer.collection_run SET finished_at = now(), outcome = ?, objects = ?, bytes = ?, blobs = ?,"
                        + " examined = ?, large_objects = ?, message = ?, class_names = ?, class_counts = ?,"
                        + " class_bytes = ?,"
                        + " candidates = ?, rate = ?, housekeeping = ?, index_seconds = ?, mark_seconds = ?,"
                        + " deletion_seconds = ?, housekeeping_seconds = ?, fence_hold_p99_ms = ? WHERE id = ?",
                state,
                result == null ? p.deleted() : result.objects(),
                result == null ? p.bytes() : result.bytes(),
                result == null ? p.blobFiles() : result.blobFiles(),
                p.examined(),
                result == null ? p.largeObjects() : result.largeObjects(),
                message,
                classes.keySet().toArray(String[]::new),
                classes.values().stream().map(ClassTotal::objects).toArray(Long[]::new),
                classes.values().stream().map(ClassTotal::bytes).toArray(Long[]::new),
                // a drain learns its cascade as it goes: once it ended, what it examined is what there was
                p.candidates() < 0 ? p.examined() : Math.max(p.candidates(), p.examined()),
                p.rate(),
                result == null ? "" : result.housekeeping(),
                t.indexSeconds(),
                t.markSeconds(),
                t.deletionSeconds(),
                t.housekeepingSeconds(),
                t.fenceHoldP99Millis(),
                id);
    }

    /** Ends the jobs left unfinished by another instance, whose process is gone; returns how many. */
    int forgetInterrupted() {
        return jdbc.update(
                "UPDATE packer.collection_run SET finished_at = now(), outcome = 'interrupted',"
                        + " message = 'the instance running it stopped before it ended; every batch it committed stays'"
                        + " WHERE finished_at IS NULL AND instance IS DISTINCT FROM ?",
                instance);
    }

    private static PackJob recorded(ResultSet rs, int row) throws SQLException {
        Timestamp finished = rs.getTimestamp("finished_at");
        String outcome = rs.getString("outcome");
        Map<String, ClassTotal> classes = new LinkedHashMap<>();
        Array names = rs.getArray("class_names");
        Array counts = rs.getArray("class_counts");
        Array bytes = rs.getArray("class_bytes");
        if (names != null && counts != null) {
            String[] n = (String[]) names.getArray();
            Long[] c = (Long[]) counts.getArray();
            Long[] b = bytes == null ? null : (Long[]) bytes.getArray();
            for (int i = 0; i < n.length; i++) {
                classes.put(n[i], new ClassTotal(c[i], b == null ? -1 : b[i]));
            }
        }
        return new PackJob(
                rs.getLong("id"),
                outcome == null ? "running" : outcome,
                new PackRequest(
                        Duration.ofSeconds(rs.getLong("grace_seconds")),
                        rs.getBoolean("dry_run"),
                        rs.getBoolean("include_cycles"),
                        rs.getBoolean("object_tid_for_unknown_history")),
                String.valueOf(rs.getString("requested_by")),
                rs.getTimestamp("started_at").toInstant(),
                finished == null ? null : finished.toInstant(),
                new PackJob.Progress(
                        finished == null ? "running elsewhere" : "finished",
                        rs.getObject("candidates") == null ? -1 : rs.getLong("candidates"),
                        rs.getLong("examined"),
                        rs.getLong("objects"),
                        rs.getLong("bytes"),
                        rs.getLong("large_objects"),
                        rs.getLong("blobs"),
                        rs.getDouble("rate"),
                        null),
                rs.getObject("index_seconds") == null
                        ? CollectionProgress.Timings.NONE
                        : new CollectionProgress.Timings(
                                rs.getDouble("index_seconds"),
                                rs.getDouble("mark_seconds"),
                                rs.getDouble("deletion_seconds"),
                                rs.getDouble("housekeeping_seconds"),
                                rs.getDouble("fence_hold_p99_ms")),
                String.valueOf(rs.getString("message") == null ? "" : rs.getString("message")),
                classes,
                String.valueOf(rs.getString("housekeeping") == null ? "" : rs.getString("housekeeping")));
    }
}
