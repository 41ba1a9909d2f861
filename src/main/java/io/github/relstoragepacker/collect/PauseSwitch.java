package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * An operator's pause of the continuous collection (drains, cycle collections, blob housekeeping),
 * kept in {@code packer.pause}, so that it survives a restart and a failover: whichever instance
 * leads reads it. Explicit packs still run, and the poller keeps the index up to date.
 *
 * <p>Read at every batch boundary of a scheduled run, through a copy at most {@link #FRESH_MILLIS} old,
 * so a pause asked of any instance stops the leader's run within a batch and that time.
 */
@Component
public class PauseSwitch {

    /** How old the copy of the database's switch may be. */
    static final long FRESH_MILLIS = 500;

    private static final Logger log = LoggerFactory.getLogger(PauseSwitch.class);

    private final JdbcTemplate jdbc;
    private final TargetDatabase target;
    private volatile @Nullable Paused paused;
    private volatile long readAtNanos;
    private volatile boolean read;

    /** A pause: since when, and who asked for it. */
    public record Paused(Instant since, String by) {}

    PauseSwitch(DataSource dataSource, TargetDatabase target, MeterRegistry registry) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.target = target;
        Gauge.builder("packer.collector.paused", this, p -> p.paused() == null ? 0 : 1)
                .description("1 while an operator has paused the continuous collection")
                .register(registry);
    }

    /** Pauses (or keeps paused) on behalf of {@code by}. */
    public void pause(String by) {
        jdbc.update(
                "INSERT INTO packer.pause (paused_at, paused_by) VALUES (now(), ?)"
                        + " ON CONFLICT (singleton) DO UPDATE SET paused_by = excluded.paused_by",
                by);
        log.warn("Paused by {}: no continuous collection until resumed (explicit packs still run)", by);
        refresh();
    }

    public void resume() {
        jdbc.update("DELETE FROM packer.pause");
        log.info("Resumed by an operator");
        refresh();
    }

    /** The pause in force, or null; at most {@link #FRESH_MILLIS} old. Unknown (no schema yet): null. */
    public @Nullable Paused paused() {
        if (!read || System.nanoTime() - readAtNanos > FRESH_MILLIS * 1_000_000) {
            refresh();
        }
        return paused;
    }

    private void refresh() {
        if (target.known() == null) {
            // never probed successfully: no switch to read, and health and scrapes must not wait for the pool
            readAtNanos = System.nanoTime();
            return;
        }
        try {
            List<Paused> rows = jdbc.query(
                    "SELECT paused_at, paused_by FROM packer.pause",
                    (rs, row) -> new Paused(rs.getTimestamp(1).toInstant(), String.valueOf(rs.getString(2))));
            paused = rows.isEmpty() ? null : rows.get(0);
            read = true;
        } catch (DataAccessException e) {
            // no schema yet, or the database is gone: keep what was known
        }
        readAtNanos = System.nanoTime();
    }
}
