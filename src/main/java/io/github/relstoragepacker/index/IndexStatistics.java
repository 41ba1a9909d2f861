package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.Tids;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Counts of what the index holds (objects, garbage pending, their bytes), recounted every {@code
 * statistics-interval} so that status requests and Prometheus scrapes cost nothing, whatever their
 * rate. Standby instances count too: the numbers come from the shared index, not from this process.
 * A build that finishes (here or on another instance) is counted within a second rather than at the
 * next interval: a look at {@code packer.progress} each second finds it, so the status and the gauges
 * never show a ready index as unknown.
 */
@Component
public class IndexStatistics {

    private static final Logger log = LoggerFactory.getLogger(IndexStatistics.class);

    private final DataSource dataSource;
    private final Duration interval;
    private volatile @Nullable Counts latest;
    private long nextRecountNanos;

    IndexStatistics(DataSource dataSource, IndexProperties properties, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.interval = properties.statisticsInterval();
        this.nextRecountNanos = System.nanoTime() + interval.toNanos();
        Gauge.builder("packer.index.objects", this, s -> value(s.latest, Counts::objects))
                .description("Objects in the index, as of the last recount")
                .baseUnit("objects")
                .register(registry);
        Gauge.builder("packer.garbage.pending", this, s -> value(s.latest, Counts::pending))
                .description("Garbage pending deletion in all: objects unreferenced or unreachable at the last mark")
                .baseUnit("objects")
                .register(registry);
        for (String kind : new String[] {"unreferenced", "unreachable"}) {
            boolean unreferenced = kind.equals("unreferenced");
            Gauge.builder(
                            "packer.garbage.objects",
                            this,
                            s -> value(s.latest, c -> unreferenced ? c.unreferenced() : c.unreachable()))
                    .description("Garbage pending deletion: objects without a strong referrer (unreferenced), or"
                            + " found unreachable from the root by the last mark (unreachable)")
                    .baseUnit("objects")
                    .tag("kind", kind)
                    .register(registry);
            Gauge.builder(
                            "packer.garbage.bytes",
                            this,
                            s -> value(s.latest, c -> unreferenced ? c.unreferencedBytes() : c.unreachableBytes()))
                    .description("State bytes of the garbage pending deletion")
                    .baseUnit("bytes")
                    .tag("kind", kind)
                    .register(registry);
        }
    }

    /**
     * The index as of one recount.
     *
     * @param phase empty, building or ready
     * @param watermark every transaction up to this tid is in the index
     * @param objects objects indexed
     * @param bytes their state bytes
     * @param unreferenced objects without a strong referrer (the root excepted)
     * @param unreachable objects the last mark found unreachable, still unreachable since
     * @param pending garbage waiting in all: objects in either set (the sets overlap)
     * @param quarantined objects whose state cannot be read and whose risk no operator accepted
     * @param countedAt when this recount ran
     */
    public record Counts(
            String phase,
            long watermark,
            long objects,
            long bytes,
            long unreferenced,
            long unreferencedBytes,
            long unreachable,
            long unreachableBytes,
            long pending,
            long quarantined,
            Instant countedAt) {

        /** The watermark's commit time, null before the first build planned one. */
        public @Nullable Instant watermarkTime() {
            return watermark == 0 ? null : Tids.toInstant(watermark);
        }
    }

    /** The last recount, or null if none succeeded yet (no index in this database yet). */
    public @Nullable Counts latest() {
        return latest;
    }

    @Scheduled(fixedDelay = 1, initialDelay = 1, timeUnit = TimeUnit.SECONDS)
    void scheduledRecount() {
        try {
            Counts last = latest;
            boolean due = System.nanoTime() - nextRecountNanos >= 0;
            if (due || (last == null || !"ready".equals(last.phase())) && readyNow()) {
                nextRecountNanos = System.nanoTime() + interval.toNanos();
                recount();
            }
        } catch (SQLException e) {
            log.debug("Index statistics not available: {}", e.getMessage());
        }
    }

    private boolean readyNow() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return IndexState.read(c).phase() == IndexState.Phase.READY;
        }
    }

    /** Counts now, and keeps the result for {@link #latest}. */
    public Counts recount() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            // one snapshot, so that the counts add up with each other
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                Counts counts = count(st);
                c.commit();
                latest = counts;
                return counts;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * What the index takes on disk against what RelStorage's own pre-pack keeps for the same references:
     * its {@code object_ref} (one row per distinct edge) and {@code object_refs_added} (one per object),
     * rebuilt with RelStorage's DDL in the scratch schema {@code packer_footprint}, dropped afterwards.
     *
     * @param objects objects in the index
     * @param ours bytes of the tables of schema {@code packer}, their indexes and TOAST included
     * @param relStorage bytes of RelStorage's two tables for the same references
     */
    public record Footprint(long objects, long ours, long relStorage) {}

    /** Measures the {@link Footprint}, in a few seconds per million objects. */
    public Footprint footprint() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS packer_footprint CASCADE; CREATE SCHEMA packer_footprint;"
                    + " CREATE TABLE packer_footprint.object_ref (zoid bigint NOT NULL, to_zoid bigint NOT NULL,"
                    + " tid bigint NOT NULL, PRIMARY KEY (zoid, to_zoid));"
                    + " CREATE TABLE packer_footprint.object_refs_added (zoid bigint NOT NULL PRIMARY KEY,"
                    + " tid bigint NOT NULL);"
                    + " INSERT INTO packer_footprint.object_ref SELECT r.from_zoid, r.to_zoid, o.tid"
                    + " FROM packer.ref r JOIN packer.object o ON o.zoid = r.from_zoid;"
                    + " INSERT INTO packer_footprint.object_refs_added SELECT zoid, tid FROM packer.object;");
            try {
                long[] sizes = longs(
                        st,
                        "SELECT (SELECT count(*) FROM packer.object), (SELECT sum(pg_total_relation_size(c.oid))"
                                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE n.nspname = 'packer' AND c.relkind = 'r'),"
                                + " pg_total_relation_size('packer_footprint.object_ref')"
                                + " + pg_total_relation_size('packer_footprint.object_refs_added')");
                return new Footprint(sizes[0], sizes[1], sizes[2]);
            } finally {
                st.execute("DROP SCHEMA packer_footprint CASCADE");
            }
        }
    }

    private static Counts count(Statement st) throws SQLException {
        String phase;
        long watermark;
        try (ResultSet rs = st.executeQuery("SELECT phase, watermark FROM packer.progress")) {
            rs.next();
            phase = rs.getString(1).toLowerCase(Locale.ROOT);
            watermark = rs.getLong(2);
        }
        long[] all = longs(st, "SELECT count(*), COALESCE(sum(state_size), 0) FROM packer.object");
        long[] unreferenced = longs(
                st,
                "SELECT count(*), COALESCE(sum(o.state_size), 0) FROM packer.unreferenced u"
                        + " JOIN packer.object o USING (zoid)");
        long[] unreachable = longs(
                st,
                "SELECT count(*), COALESCE(sum(o.state_size), 0) FROM packer.unreachable u"
                        + " JOIN packer.object o USING (zoid)");
        long[] pending = longs(
                st,
                "SELECT count(*) FROM (SELECT zoid FROM packer.unreferenced UNION SELECT zoid FROM packer.unreachable) g");
        long[] quarantined = longs(st, "SELECT count(*) FROM packer.quarantine WHERE accepted_at IS NULL");
        return new Counts(
                phase,
                watermark,
                all[0],
                all[1],
                unreferenced[0],
                unreferenced[1],
                unreachable[0],
                unreachable[1],
                pending[0],
                quarantined[0],
                Instant.now());
    }

    private static long[] longs(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long[] values = new long[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = rs.getLong(i + 1);
            }
            return values;
        }
    }

    private static double value(@Nullable Counts counts, java.util.function.ToLongFunction<Counts> field) {
        return counts == null ? Double.NaN : field.applyAsLong(counts);
    }
}
