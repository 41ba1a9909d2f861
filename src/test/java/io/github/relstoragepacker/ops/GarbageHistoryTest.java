package io.github.relstoragepacker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.index.IndexSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/** The status page's history in {@code packer.garbage_sample}: written, read back by window, pruned. */
class GarbageHistoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    GarbageHistory history;

    @BeforeEach
    void schema() {
        IndexSchema.migrate(db.dataSource());
        new JdbcTemplate(db.dataSource()).update("DELETE FROM packer.garbage_sample");
        history = new GarbageHistory(db.dataSource());
    }

    @Test
    void aNewInstanceReadsWhatAnEarlierOneWroteWithinTheWindowOnly() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        history.record(now.minus(Duration.ofHours(3)), 900, 9000, 0, 0.1);
        history.record(now.minusSeconds(60), 100, 1000, 0, 0.2);
        history.record(now.minusSeconds(30), 40, 400, 60, 0.3);

        List<GarbageHistory.Point> recent = new GarbageHistory(db.dataSource()).window(Duration.ofHours(2));

        assertThat(recent).extracting(GarbageHistory.Point::pending).containsExactly(100L, 40L);
        assertThat(recent).extracting(GarbageHistory.Point::pendingBytes).containsExactly(1000L, 400L);
        // 60 deleted over the 30 s since the sample before: 2 objects per second
        assertThat(recent.get(1).deletedPerSecond()).isEqualTo(2.0);
        assertThat(recent.get(0).deletedPerSecond()).isZero();
        assertThat(history.window(Duration.ofHours(24)))
                .extracting(GarbageHistory.Point::pending)
                .contains(900L);
    }

    @Test
    void aGapCountsNoRateAndADayIsAveragedIntoBuckets() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // 2,000 samples 30 s apart up to 5 hours ago, in one statement (one commit each would wait for
        // 2,000 flushes)
        new JdbcTemplate(db.dataSource())
                .update(
                        "INSERT INTO packer.garbage_sample (at, pending, pending_bytes, deleted)"
                                + " SELECT ?::timestamptz - g * interval '30 seconds', g, g, 30"
                                + " FROM generate_series(0, 1999) g",
                        java.sql.Timestamp.from(now.minus(Duration.ofHours(5))));
        // after 4 hours down: its 500 deletions are not spread over the gap
        history.record(now.minus(Duration.ofHours(1)), 10, 10, 500, null);

        List<GarbageHistory.Point> day = history.window(Duration.ofHours(24));

        assertThat(day).hasSizeBetween(GarbageHistory.POINTS / 2, GarbageHistory.POINTS + 1);
        assertThat(day.get(day.size() - 1).deletedPerSecond()).isZero();
        assertThat(day.get(day.size() - 2).deletedPerSecond()).isEqualTo(1.0);
    }

    @Test
    void pruningDropsWhatIsOlderThanTheLimitAndBoundsTheRows() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        history.record(now.minus(Duration.ofDays(8)), 1, 1, 0, null);
        history.record(now.minus(Duration.ofDays(6)), 2, 2, 0, null);
        history.prune(now.minus(GarbageHistory.KEEP));
        assertThat(rows()).isEqualTo(1);

        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        jdbc.update(
                "INSERT INTO packer.garbage_sample (at, pending, pending_bytes, deleted)"
                        + " SELECT now() - g * interval '1 second', g, g, 0 FROM generate_series(1, ?) g",
                GarbageHistory.MAX_ROWS + 10);
        history.prune(now.minus(GarbageHistory.KEEP));
        assertThat(rows()).isEqualTo(GarbageHistory.MAX_ROWS);
    }

    private long rows() {
        return new JdbcTemplate(db.dataSource())
                .queryForObject("SELECT count(*) FROM packer.garbage_sample", Long.class);
    }
}
