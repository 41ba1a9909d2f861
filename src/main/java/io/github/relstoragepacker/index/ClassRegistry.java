package io.github.relstoragepacker.index;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ids of class names in {@code packer.class}. A site has hundreds of classes, not millions, so each
 * is inserted once and cached; id 0 is "unknown" (an unreadable state).
 */
final class ClassRegistry {

    private final JdbcTemplate jdbc;
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();

    ClassRegistry(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    int idOf(@Nullable String className) {
        if (className == null || className.isEmpty()) {
            return 0;
        }
        return ids.computeIfAbsent(
                className,
                name -> jdbc.queryForObject(
                        "INSERT INTO packer.class (name) VALUES (?)"
                                + " ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                        Integer.class,
                        name));
    }
}
