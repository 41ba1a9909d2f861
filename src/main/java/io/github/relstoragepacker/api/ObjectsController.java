package io.github.relstoragepacker.api;

import io.github.relstoragepacker.index.ObjectInspector;
import io.github.relstoragepacker.relstorage.Oids;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.hibernate.validator.constraints.Range;
import org.jspecify.annotations.Nullable;
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
    record ObjectView(String oid, Instant tidTime, ObjectDetail object) {}

    /**
     * One object's index entry, with its tid in hexadecimal like every tid the API shows.
     *
     * @param zoid its zoid
     * @param className its class, from the pickle's first global
     * @param size its state's bytes
     * @param tid the transaction that wrote its current state, hexadecimal ({@code 0x...})
     * @param references the zoids its state references strongly
     * @param referrers zoids referencing it strongly, at most the limit asked for
     * @param referrerCount how many there are in all
     * @param reachability root, referenced, unreferenced or unreachable (since the last mark)
     * @param garbageSince for unreferenced and unreachable objects, since when
     * @param quarantine why its state cannot be read, if it cannot
     */
    record ObjectDetail(
            long zoid,
            String className,
            long size,
            String tid,
            List<Long> references,
            List<Long> referrers,
            long referrerCount,
            String reachability,
            @Nullable Instant garbageSince,
            @Nullable String quarantine) {

        static ObjectDetail of(ObjectInspector.ObjectInfo o) {
            return new ObjectDetail(
                    o.zoid(),
                    o.className(),
                    o.size(),
                    Tids.hex(o.tid()),
                    o.references(),
                    o.referrers(),
                    o.referrerCount(),
                    o.reachability(),
                    o.garbageSince(),
                    o.quarantine());
        }
    }

    /**
     * One of the largest objects.
     *
     * @param zoid its zoid
     * @param className its class
     * @param size its state's bytes
     * @param tid the transaction that wrote it, hexadecimal ({@code 0x...})
     */
    record SizedView(long zoid, String className, long size, String tid) {}

    /**
     * A path answer.
     *
     * @param oid the object asked about
     * @param path the answer; {@code found} false with {@code complete} true means the root does not reach it
     */
    record PathView(String oid, ObjectInspector.Path path) {}

    @GetMapping("/objects/{oid}")
    ObjectView object(
            @PathVariable String oid,
            @RequestParam(defaultValue = "100") @Range(min = 0, max = 10_000, message = ApiErrors.INTEGER_RANGE)
                    int referrers)
            throws SQLException {
        long zoid = oid(oid);
        ObjectInspector.ObjectInfo info = inspector.object(zoid, referrers).orElseThrow(() -> missing(zoid));
        return new ObjectView(Oids.hex(zoid), info.tidTime(), ObjectDetail.of(info));
    }

    @GetMapping("/objects/{oid}/path")
    PathView path(
            @PathVariable String oid,
            @RequestParam(defaultValue = "1000000")
                    @Range(min = 1, max = 100_000_000, message = ApiErrors.INTEGER_RANGE)
                    int maxVisited)
            throws SQLException {
        long zoid = oid(oid);
        ObjectInspector.Path path = inspector.path(zoid, maxVisited);
        if (path.searched() == 0) {
            throw missing(zoid);
        }
        return new PathView(Oids.hex(zoid), path);
    }

    @GetMapping("/dangling")
    ObjectInspector.DanglingReport dangling(
            @RequestParam(defaultValue = "100") @Range(min = 1, max = 10_000, message = ApiErrors.INTEGER_RANGE)
                    int limit)
            throws SQLException {
        return inspector.dangling(limit);
    }

    @GetMapping("/stats/classes")
    List<ObjectInspector.ClassStats> classes(
            @RequestParam(defaultValue = "50") @Range(min = 1, max = 10_000, message = ApiErrors.INTEGER_RANGE)
                    int limit)
            throws SQLException {
        return inspector.classes(limit);
    }

    @GetMapping("/stats/largest")
    List<SizedView> largest(
            @RequestParam(defaultValue = "50") @Range(min = 1, max = 10_000, message = ApiErrors.INTEGER_RANGE)
                    int limit)
            throws SQLException {
        return inspector.largest(limit).stream()
                .map(o -> new SizedView(o.zoid(), o.className(), o.size(), Tids.hex(o.tid())))
                .toList();
    }

    /** Every oid in a path goes through {@link Oids}: one syntax and one range for the whole API. */
    private static long oid(String text) {
        try {
            return Oids.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("oid: " + e.getMessage(), e);
        }
    }

    private static NotFoundException missing(long zoid) {
        return new NotFoundException("object " + Oids.hex(zoid) + " (zoid " + zoid + ") is not in the index: it does"
                + " not exist, or was committed after the index's watermark (see GET /api/v1/status)");
    }
}
