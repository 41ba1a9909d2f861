package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.BlobDirectoryGuard;
import io.github.relstoragepacker.collect.BlobDirectoryVerdict;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code relstorage}: UP for a history-free RelStorage database we can read and collect; DOWN, with a
 * {@link RelStorageState state}, the reasons and their fixes, for anything else: unreachable,
 * refused (history-preserving, not RelStorage, unknown lock generation), a missing grant (known at the
 * first probe, not when the first deletion batch fails), or a blob directory that has not proved to be
 * this database's (blob removal on hold).
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
        RelStorageDatabase db = target.known();
        if (db == null) {
            return Health.down()
                    .withDetail("state", RelStorageState.UNREACHABLE.detail())
                    .withDetail("error", String.valueOf(target.failure()))
                    .build();
        }
        List<String> problems = db.collectProblems();
        RelStorageState state = state(db, problems);
        Health.Builder health = state == null ? Health.up() : Health.down().withDetail("state", state.detail());
        health.withDetail("database", db.database())
                .withDetail("kind", db.kind())
                .withDetail("summary", db.summary());
        if (db.generation() != null) {
            health.withDetail("generation", db.generation().description());
        }
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

    private @Nullable RelStorageState state(RelStorageDatabase db, List<String> problems) {
        if (db.kind() != RelStorageDatabase.Kind.HISTORY_FREE || db.generation() == null) {
            return RelStorageState.REFUSED;
        }
        if (!problems.isEmpty()) {
            return RelStorageState.MISSING_GRANT;
        }
        return blobs.onHold() ? RelStorageState.BLOB_REMOVAL_ON_HOLD : null;
    }
}
