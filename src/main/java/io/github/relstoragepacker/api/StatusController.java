package io.github.relstoragepacker.api;

import io.github.relstoragepacker.ops.DaemonStatus;
import io.github.relstoragepacker.ops.StatusService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/status}: what the daemon is doing, the index, the garbage, the last pack. */
@RestController
class StatusController {

    private final StatusService status;

    StatusController(StatusService status) {
        this.status = status;
    }

    @GetMapping("/api/v1/status")
    DaemonStatus status() {
        return status.status();
    }
}
