package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.VerificationReport;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import java.security.Principal;
import java.sql.SQLException;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Pausing and resuming the background work, and the index's maintenance operations. */
@RestController
@RequestMapping("/api/v1")
class ControlController {

    static final String REBUILD_CONFIRMATION = "discard-index";
    private static final String FRACTION = "is out of range, use a fraction from 0.0001 to 1";
    private static final Logger log = LoggerFactory.getLogger(ControlController.class);

    private final CollectionLoop loop;
    private final IndexMaintainer index;

    ControlController(CollectionLoop loop, IndexMaintainer index) {
        this.loop = loop;
        this.index = index;
    }

    @PostMapping("/pause")
    Map<String, Object> pause(Principal principal) {
        log.info("Pause requested by {}", principal.getName());
        loop.pause(principal.getName());
        return Map.of("paused", true);
    }

    @PostMapping("/resume")
    Map<String, Object> resume(Principal principal) {
        log.info("Resume requested by {}", principal.getName());
        loop.resume();
        return Map.of("paused", false);
    }

    @PostMapping("/index/rebuild")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, Object> rebuild(@RequestParam(required = false) @Nullable String confirm, Principal principal)
            throws Exception {
        if (!REBUILD_CONFIRMATION.equals(confirm)) {
            throw new IllegalArgumentException("rebuilding throws the whole index away and reads every object again"
                    + " (garbage found so far restarts its grace period); to do it, pass confirm="
                    + REBUILD_CONFIRMATION);
        }
        log.warn("Index rebuild requested by {}", principal.getName());
        loop.rebuildIndex();
        return Map.of("rebuilding", true, "status", "/api/v1/status");
    }

    @PostMapping("/index/verify")
    VerificationReport verify(
            @RequestParam(defaultValue = "0.01")
                    @DecimalMin(value = "0.0001", message = FRACTION)
                    @DecimalMax(value = "1", message = FRACTION)
                    double fraction)
            throws SQLException {
        return index.verify(fraction);
    }
}
