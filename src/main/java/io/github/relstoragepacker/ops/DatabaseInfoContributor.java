package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code info.relstorage}: the database's name, layout and RelStorage generation, as last probed. */
@Component
class DatabaseInfoContributor implements InfoContributor {

    private final TargetDatabase target;

    DatabaseInfoContributor(TargetDatabase target) {
        this.target = target;
    }

    @Override
    public void contribute(Info.Builder builder) {
        RelStorageDatabase db = target.known();
        Map<String, Object> details = new LinkedHashMap<>();
        if (db == null) {
            details.put("reachable", false);
        } else {
            details.put("reachable", true);
            details.put("database", db.database());
            details.put("kind", db.kind().name().toLowerCase().replace('_', '-'));
            details.put(
                    "generation",
                    db.generation() == null ? "unknown" : db.generation().description());
            details.put("blobsInDatabase", db.blobsInDatabase());
        }
        builder.withDetail("relstorage", details);
    }
}
