package io.github.relstoragepacker.ops;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The recent past for the status page's charts, kept in {@code packer.garbage_sample} so that it
 * survives a restart and a failover: {@link GarbageSampler} writes one sample per statistics recount
 * on the leader, and prunes what is older than {@link #KEEP} or beyond {@link #MAX_ROWS} rows; any
 * instance reads it. Prometheus keeps the long history; this only spares a newcomer from needing one.
 */
@Component
public class GarbageHistory {

    static final Duration KEEP = Duration.ofDays(7);
    static final int MAX_ROWS = 50_000;

    /** At most this many points per chart: a day of 30 s samples is averaged into buckets. */
    public static final int POINTS = 240;

    /** Samples further apart than this have a gap between them (the daemon was down, or not leading). */
    public static final Duration GAP = Duration.ofMinutes(10);

    private final JdbcTemplate jdbc;

    GarbageHistory(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /**
     * One moment, or the average of a bucket of them.
     *
     * @param at when (a bucket's start)
     * @param pending garbage waiting: unreferenced objects and those unreachable at the last mark
     * @param pendingBytes their state bytes (the larger of the two sets': they overlap)
     * @param deletedPerSecond objects deleted per second since the previous sample
     * @param lagSeconds how far the index was behind, null if unknown
     */
    public record Point(
            Instant at,
            long pending,
            long pendingBytes,
            double deletedPerSecond,
            @Nullable Double lagSeconds) {}

    void record(Instant at, long pending, long pendingBytes, long deleted, @Nullable Double lagSeconds) {
        jdbc.update(
                "INSERT INTO packer.garbage_sample (at, pending, pending_bytes, deleted, lag_seconds)"
                        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (at) DO NOTHING",
                Timestamp.from(at),
                pending,
                pendingBytes,
                deleted,
                lagSeconds);
    }

    void prune(Instant before) {
        jdbc.update("DELETE FROM packer.garbage_sample WHERE at < ?", Timestamp.from(before));
        jdbc.update(
                "DELETE FROM packer.garbage_sample WHERE at <= (SELECT at FROM packer.garbage_sample"
                        + " ORDER BY at DESC OFFSET ? LIMIT 1)",
                MAX_ROWS);
    }

    /**
     * The points of the last {@code window}, oldest first, averaged into at most {@link #POINTS}
     * buckets; the deletion rate is a bucket's deletions over the time its samples cover. Empty when
     * the table cannot be read.
     */
    public List<Point> window(Duration window) {
        Instant from = Instant.now().minus(window);
        long bucketSeconds = Math.max(1, window.toSeconds() / POINTS);
        try {
            // a sample's span is the time since the one before it; one after a gap (a restart, a
            // failover) counts no rate, so the gap's downtime does not dilute it
            return jdbc.query(
                    "WITH s AS (SELECT at, pending, pending_bytes, deleted, lag_seconds,"
                            + " extract(epoch FROM at - lag(at) OVER (ORDER BY at)) AS span"
                            + " FROM packer.garbage_sample WHERE at >= ?)"
                            + " SELECT to_timestamp(floor(extract(epoch FROM at) / ?) * ?) AS bucket,"
                            + " round(avg(pending))::bigint, round(avg(pending_bytes))::bigint,"
                            + " coalesce(sum(deleted) FILTER (WHERE span <= ?) / nullif(sum(span) FILTER (WHERE span <= ?), 0), 0),"
                            + " avg(lag_seconds)"
                            + " FROM s WHERE at >= ? GROUP BY bucket ORDER BY bucket",
                    (rs, row) -> new Point(
                            rs.getTimestamp(1).toInstant(),
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getDouble(4),
                            rs.getObject(5) == null ? null : rs.getDouble(5)),
                    Timestamp.from(from.minusSeconds(bucketSeconds)),
                    bucketSeconds,
                    bucketSeconds,
                    GAP.toSeconds(),
                    GAP.toSeconds(),
                    Timestamp.from(from));
        } catch (DataAccessException e) {
            return List.of();
        }
    }
}
