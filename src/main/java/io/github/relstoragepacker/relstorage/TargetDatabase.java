package io.github.relstoragepacker.relstorage;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The RelStorage database this daemon serves, as last probed.
 *
 * <p>Probed once the application is ready, and again on demand until a probe succeeds, so a database
 * that is down at start-up delays nothing but is recognised as soon as it answers. Until then a probe
 * runs at most once per {@link #RETRY} and nobody waits for one under way: while the database is
 * down, health checks, scrapes and the status page answer at once with the last failure instead of
 * queueing behind connection attempts (each of which the pool makes last a second). What was found,
 * and every reason collection would be refused, is logged once in sentences naming the fix. A failing
 * probe is logged once per distinct cause (a health check probes every few seconds), naming the server,
 * database and role tried and what to check; its stack trace only at DEBUG.
 */
@Component
public class TargetDatabase {

    private static final Logger log = LoggerFactory.getLogger(TargetDatabase.class);

    /** How long a failed probe's answer stands before the next caller probes again. */
    static final Duration RETRY = Duration.ofSeconds(1);

    private final DatabaseProbe probe;
    private final ConnectionTarget target;
    private final ReentrantLock probing = new ReentrantLock();
    private volatile @Nullable RelStorageDatabase found;
    private volatile @Nullable String failure;
    private volatile long nextProbeNanos = System.nanoTime();

    TargetDatabase(DataSource dataSource) {
        this.probe = new DatabaseProbe(dataSource);
        this.target = ConnectionTarget.of(dataSource);
    }

    @EventListener(ApplicationReadyEvent.class)
    void probeAtStartup() {
        current();
    }

    /**
     * The probe result; while no probe has succeeded, probes now unless one failed less than {@link
     * #RETRY} ago or another thread is probing. Null while the database cannot be probed.
     */
    public @Nullable RelStorageDatabase current() {
        RelStorageDatabase result = found;
        if (result != null || System.nanoTime() - nextProbeNanos < 0 || !probing.tryLock()) {
            return result;
        }
        try {
            return probeOnce();
        } finally {
            nextProbeNanos = System.nanoTime() + RETRY.toNanos();
            probing.unlock();
        }
    }

    private @Nullable RelStorageDatabase probeOnce() {
        RelStorageDatabase result = found;
        if (result != null) {
            return result;
        }
        try {
            result = probe.probe();
        } catch (DataAccessException e) {
            String explained = target.explain(e);
            String reason = explained != null
                    ? explained
                    : String.valueOf(e.getMostSpecificCause().getMessage());
            if (!reason.equals(failure)) {
                log.error("Cannot probe the RelStorage database: {}", reason);
            }
            log.debug("Probe failure", e);
            failure = reason;
            return null;
        }
        found = result;
        if (failure != null) {
            log.info("The RelStorage database answers again (recovered)");
        }
        failure = null;
        report(result);
        return result;
    }

    /** Why the last probe failed, or null once one succeeded. */
    public @Nullable String failure() {
        String last = failure;
        return last == null && found == null ? "the first probe of the database has not finished yet" : last;
    }

    private static void report(RelStorageDatabase db) {
        log.info("Probed {}", db.summary());
        for (String problem : db.collectProblems()) {
            log.error(problem);
        }
        for (String warning : db.warnings()) {
            log.warn(warning);
        }
    }
}
