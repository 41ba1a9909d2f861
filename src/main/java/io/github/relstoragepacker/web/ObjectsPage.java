package io.github.relstoragepacker.web;

import io.github.relstoragepacker.index.ObjectInspector;
import io.github.relstoragepacker.relstorage.Oids;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.SQLException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code GET /objects}: the API's object diagnostics as a page (one object by oid, decimal or {@code
 * 0x} hexadecimal: class, size, tid, referrers, path from the root) and the classes by state bytes,
 * read through the same {@link ObjectInspector} as {@code /api/v1/objects} and {@code /api/v1/stats}.
 */
@Controller
class ObjectsPage {

    static final int REFERRERS = 50;
    static final int CLASSES = 50;
    static final int MAX_VISITED = 1_000_000;

    private final ObjectInspector inspector;

    /**
     * One object on the path from the root.
     *
     * @param oid its oid, hexadecimal
     * @param className its class
     */
    record Step(String oid, String className) {}

    ObjectsPage(ObjectInspector inspector) {
        this.inspector = inspector;
    }

    @GetMapping("/objects")
    String page(@RequestParam(required = false) @Nullable String oid, Model model) throws SQLException {
        model.addAttribute("oid", oid == null ? "" : oid);
        model.addAttribute("classes", inspector.classes(CLASSES));
        if (oid == null || oid.isBlank()) {
            return "objects";
        }
        long zoid;
        try {
            zoid = Oids.parse(oid);
        } catch (IllegalArgumentException e) {
            model.addAttribute("error", e.getMessage());
            return "objects";
        }
        Optional<ObjectInspector.ObjectInfo> info = inspector.object(zoid, REFERRERS);
        if (info.isEmpty()) {
            model.addAttribute(
                    "error",
                    "object " + Oids.hex(zoid) + " is not in the index: it does not exist, or it was deleted;"
                            + " a POSKeyError for it means a referrer below still points at it");
            return "objects";
        }
        model.addAttribute("hex", Oids.hex(zoid));
        model.addAttribute("object", info.get());
        ObjectInspector.Path path = inspector.path(zoid, MAX_VISITED);
        model.addAttribute("path", path);
        model.addAttribute(
                "steps",
                path.steps().stream()
                        .map(s -> new Step(Oids.hex(s.zoid()), s.className()))
                        .toList());
        model.addAttribute("tid", Tids.hex(info.get().tid()));
        model.addAttribute(
                "referrers", info.get().referrers().stream().map(Oids::hex).toList());
        return "objects";
    }
}
