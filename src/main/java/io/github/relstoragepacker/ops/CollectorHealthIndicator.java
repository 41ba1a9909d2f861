package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.collect.CollectionSchedule;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * {@code collector}: OUT_OF_SERVICE while collection is on hold (an unreadable object, a refused
 * database), with the reason and its fix; UP otherwise, paused or not (a pause is an operator's
 * choice, shown as a detail).
 */
@Component("collector")
class CollectorHealthIndicator implements HealthIndicator {

    private final CollectionLoop loop;
    private final CollectionSchedule schedule;

    CollectorHealthIndicator(CollectionLoop loop, CollectionSchedule schedule) {
        this.loop = loop;
        this.schedule = schedule;
    }

    @Override
    public Health health() {
        String hold = schedule.holdReason();
        Health.Builder health = hold == null ? Health.up() : Health.status(Status.OUT_OF_SERVICE);
        if (hold != null) {
            health.withDetail("onHold", hold);
        }
        return health.withDetail("paused", loop.paused()).build();
    }
}
