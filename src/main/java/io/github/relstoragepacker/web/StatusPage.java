package io.github.relstoragepacker.web;

import io.github.relstoragepacker.collect.PackJobs;
import io.github.relstoragepacker.ops.DaemonStatus;
import io.github.relstoragepacker.ops.GarbageHistory;
import io.github.relstoragepacker.ops.StatusService;
import io.github.relstoragepacker.relstorage.LockHolders;
import java.sql.SQLException;
import java.util.List;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** {@code GET /}: the status page. Reading it needs what reading the API needs. */
@Controller
class StatusPage {

    private final StatusService status;
    private final PackJobs packs;
    private final GarbageHistory history;

    StatusPage(StatusService status, PackJobs packs, GarbageHistory history) {
        this.status = status;
        this.packs = packs;
        this.history = history;
    }

    @GetMapping("/")
    String page(Model model) {
        DaemonStatus s = status.status();
        model.addAttribute("status", s);
        model.addAttribute("locks", locks());
        model.addAttribute("packs", recentPacks());
        model.addAttribute("chart", HistoryChart.of(history.points()));
        return "status";
    }

    private List<LockHolders.Holder> locks() {
        try {
            return status.locks();
        } catch (SQLException e) {
            return List.of();
        }
    }

    private List<io.github.relstoragepacker.collect.PackJob> recentPacks() {
        try {
            return packs.recent(5);
        } catch (DataAccessException e) {
            return List.of();
        }
    }
}
