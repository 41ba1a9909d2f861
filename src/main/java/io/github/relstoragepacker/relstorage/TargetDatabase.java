package io.github.relstoragepacker.relstorage;

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
 * that is down at start-up delays nothing but is recognised as soon as it answers. Health checks,
 * scrapes and the status page read what is {@linkplain #known known} and never probe: while the
 * database is down they answer at once with the last failure instead of queueing behind connection
 * attempts (each of which the pool makes last a second). What was found, and every reason collection
 * would be refused, is logged once in sentences naming the fix. A failing
 * probe is logged once per distinct cause (a health check probes every few seconds), naming the server,
 * database and role tried and what to check; its stack trace only at DEBUG.
 */
@Component
public class TargetDatabase {

    private static final Logger log = LoggerFactory.getLogger(TargetDatabase.class);

    private final DatabaseProbe probe;
    private final ConnectionTarget target;
    private volatile @Nullable RelStorageDatabase found;
    private volatile @Nullable String failure;

    TargetDatabase(DataSource dataSource) {
        this.probe = new DatabaseProbe(dataSource);
        this.target = ConnectionTarget.of(dataSource);
    }

    @EventListener(ApplicationReadyEvent.class)
    void probeAtStartup() {
        current();
    }

    /** The probe result, probing now if no probe has succeeded yet; null while the database cannot be probed. */
    public @Nullable RelStorageDatabase current() {
        RelStorageDatabase result = found;
        return result != null ? result : probeOnce();
    }

    /**
     * What the last successful probe found, or null, without probing: for health checks, scrapes and
     * status requests, which must answer at once while the database is down. The index maintainer's
     * steps probe again until the database answers.
     */
    public @Nullable RelStorageDatabase known() {
        return found;
    }

    private synchronized @Nullable RelStorageDatabase probeOnce() {
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
