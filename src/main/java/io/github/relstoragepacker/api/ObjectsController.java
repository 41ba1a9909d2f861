package io.github.relstoragepacker.api;

import io.github.relstoragepacker.index.ObjectInspector;
import io.github.relstoragepacker.relstorage.Oids;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Diagnostics for POSKeyErrors and bloat: one object, its path from the root, dangling references,
 * and where the bytes are. Oids in decimal or {@code 0x} hexadecimal.
 */
@RestController
@RequestMapping("/api/v1")
class ObjectsController {

    private final ObjectInspector inspector;

    ObjectsController(ObjectInspector inspector) {
        this.inspector = inspector;
    }

    /**
     * One object.
     *
     * @param oid hexadecimal oid
     * @param tidTime when its current state was committed
     */
    record ObjectView(String oid, Instant tidTime, ObjectInspector.ObjectInfo object) {}

    /**
     * A path answer.
     *
     * @param oid the object asked about
     * @param path the answer; {@code found} false with {@code complete} true means the root does not reach it
     */
    record PathView(String oid, ObjectInspector.Path path) {}

    @GetMapping("/objects/{oid}")
    ObjectView object(@PathVariable String oid, @RequestParam(defaultValue = "100") @Min(0) @Max(10_000) int referrers)
            throws SQLException {
        long zoid = Oids.parse(oid);
        ObjectInspector.ObjectInfo info = inspector.object(zoid, referrers).orElseThrow(() -> missing(zoid));
        return new ObjectView(Oids.hex(zoid), info.tidTime(), info);
    }

    @GetMapping("/objects/{oid}/path")
    PathView path(
            @PathVariable String oid, @RequestParam(defaultValue = "1000000") @Min(1) @Max(100_000_000) int maxVisited)
            throws SQLException {
        long zoid = Oids.parse(oid);
        ObjectInspector.Path path = inspector.path(zoid, maxVisited);
        if (path.searched() == 0) {
            throw missing(zoid);
        }
        return new PathView(Oids.hex(zoid), path);
    }

    @GetMapping("/dangling")
    ObjectInspector.DanglingReport dangling(@RequestParam(defaultValue = "100") @Min(1) @Max(10_000) int limit)
            throws SQLException {
        return inspector.dangling(limit);
    }

    @GetMapping("/stats/classes")
    List<ObjectInspector.ClassStats> classes(@RequestParam(defaultValue = "50") @Min(1) @Max(10_000) int limit)
            throws SQLException {
        return inspector.classes(limit);
    }

    @GetMapping("/stats/largest")
    List<ObjectInspector.Sized> largest(@RequestParam(defaultValue = "50") @Min(1) @Max(10_000) int limit)
            throws SQLException {
        return inspector.largest(limit);
    }

    private static NotFoundException missing(long zoid) {
        return new NotFoundException("object " + Oids.hex(zoid) + " (zoid " + zoid + ") is not in the index: it does"
                + " not exist, or was committed after the index's watermark (see GET /api/v1/status)");
    }
}
