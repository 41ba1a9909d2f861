package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.BlobDirectoryGuard;
import io.github.relstoragepacker.collect.BlobDirectoryVerdict;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code relstorage}: UP for a history-free RelStorage database we can read; DOWN, with the reasons
 * and their fixes, for anything else (unreachable, history-preserving, unknown lock generation,
 * missing grants), and while the configured blob directory has not proved to be this database's
 * (blob removal on hold). Problems that only forbid deleting are shown as details of an UP database.
 */
@Component("relstorage")
class RelStorageHealthIndicator implements HealthIndicator {

    private final TargetDatabase target;
    private final BlobDirectoryGuard blobs;

    RelStorageHealthIndicator(TargetDatabase target, BlobDirectoryGuard blobs) {
        this.target = target;
        this.blobs = blobs;
    }

    @Override
    public Health health() {
        RelStorageDatabase db = target.current();
        if (db == null) {
            return Health.down()
                    .withDetail("error", String.valueOf(target.failure()))
                    .build();
        }
        Health.Builder health = db.readable() && !blobs.onHold() ? Health.up() : Health.down();
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
        BlobDirectoryVerdict verdict = blobs.last();
        if (verdict != null) {
            health.withDetail(
                    "blobDirectory", (verdict.trusted() ? "checked: " : "blob removal on hold: ") + verdict.reason());
        }
        return health.build();
    }
}
