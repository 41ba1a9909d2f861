package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code relstorage}: UP for a history-free RelStorage database we can read; DOWN, with the reasons
 * and their fixes, for anything else (unreachable, history-preserving, unknown lock generation,
 * missing grants). Problems that only forbid deleting are shown as details of an UP database.
 */
@Component("relstorage")
class RelStorageHealthIndicator implements HealthIndicator {

    private final TargetDatabase target;

    RelStorageHealthIndicator(TargetDatabase target) {
        this.target = target;
    }

    @Override
    public Health health() {
        RelStorageDatabase db = target.current();
        if (db == null) {
            return Health.down()
                    .withDetail("error", String.valueOf(target.failure()))
                    .build();
        }
        Health.Builder health = db.readable() ? Health.up() : Health.down();
        health.withDetail("database", db.database())
                .withDetail("kind", db.kind())
                .withDetail("summary", db.summary());
        if (db.generation() != null) {
            health.withDetail("generation", db.generation().description());
        }
        List<String> problems = db.collectProblems();
        if (!problems.isEmpty()) {
            health.withDetail("problems", problems);
        }
        return health.build();
    }
}
