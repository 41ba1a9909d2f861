package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.index.IndexMaintainer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * {@code index}: UP when the index is caught up within {@code packer.health.max-lag}, or when this
 * instance is a standby (the active one does the work); OUT_OF_SERVICE while it builds or lags, with
 * the phase and the lag. Part of readiness, never of liveness: a slow database is no reason to
 * restart the pod.
 */
@Component("index")
class IndexHealthIndicator implements HealthIndicator {

    private final IndexMaintainer index;
    private final HealthProperties properties;

    IndexHealthIndicator(IndexMaintainer index, HealthProperties properties) {
        this.index = index;
        this.properties = properties;
    }

    @Override
    public Health health() {
        IndexMaintainer.Phase phase = index.phase();
        double lag = index.lagSeconds();
        Health.Builder health = switch (phase) {
            case STANDBY -> Health.up();
            case READY, CATCHING_UP ->
                !Double.isNaN(lag) && lag <= properties.maxLag().toSeconds()
                        ? Health.up()
                        : Health.status(Status.OUT_OF_SERVICE);
            default -> Health.status(Status.OUT_OF_SERVICE);
        };
        health.withDetail("phase", phase.label());
        if (!Double.isNaN(lag)) {
            health.withDetail("lagSeconds", Math.round(lag * 10) / 10.0);
        }
        if (index.lastFailure() != null) {
            health.withDetail("lastFailure", index.lastFailure());
        }
        return health.build();
    }
}
