package io.github.relstoragepacker.web;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.collect.CollectionSchedule;
import io.github.relstoragepacker.collect.CollectorMetrics;
import io.github.relstoragepacker.collect.CollectorProperties;
import io.github.relstoragepacker.collect.PackJob;
import io.github.relstoragepacker.collect.PackJobs;
import io.github.relstoragepacker.ops.DaemonStatus;
import io.github.relstoragepacker.ops.GarbageHistory;
import io.github.relstoragepacker.ops.StatusService;
import io.github.relstoragepacker.relstorage.LockHolders;
import java.lang.reflect.RecordComponent;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code GET /}: the status page, and {@code GET /packs/{id}}: one pack. Reading them needs what
 * reading the API needs. Everything is rendered here, charts included, so the page works without
 * JavaScript (only "Pack now" needs it).
 */
@Controller
class StatusPage {

    /** The chart windows an operator may pick with {@code ?window=}. */
    static final Map<String, Duration> WINDOWS = Map.of("2h", Duration.ofHours(2), "24h", Duration.ofHours(24));

    private final StatusService status;
    private final PackJobs packs;
    private final GarbageHistory history;
    private final CollectionLoop loop;
    private final CollectionSchedule schedule;
    private final CollectorProperties collector;
    private final CollectorMetrics metrics;

    StatusPage(
            StatusService status,
            PackJobs packs,
            GarbageHistory history,
            CollectionLoop loop,
            CollectionSchedule schedule,
            CollectorProperties collector,
            CollectorMetrics metrics) {
        this.status = status;
        this.packs = packs;
        this.history = history;
        this.loop = loop;
        this.schedule = schedule;
        this.collector = collector;
        this.metrics = metrics;
    }

    @GetMapping("/")
    String page(@RequestParam(defaultValue = "2h") String window, Model model) {
        Duration span = WINDOWS.get(window);
        if (span == null) {
            throw new ResponseStatusException(
                    HttpStatus.BAD_REQUEST,
                    "window '" + window + "' is not one of " + WINDOWS.keySet() + "; use ?window=2h or ?window=24h");
        }
        DaemonStatus s = status.status();
        model.addAttribute("status", s);
        model.addAttribute("problems", problems(s));
        model.addAttribute("locks", locks());
        model.addAttribute("packs", recentPacks());
        model.addAttribute("window", window);
        model.addAttribute("charts", charts(span));
        model.addAttribute("loop", loop);
        model.addAttribute("schedule", schedule);
        model.addAttribute("settings", settings());
        model.addAttribute("totals", metrics.deletedSinceStart());
        return "status";
    }

    @GetMapping("/packs/{id}")
    String pack(@PathVariable long id, Model model) {
        PackJob job = packs.find(id)
                .orElseThrow(() -> new ResponseStatusException(
                        HttpStatus.NOT_FOUND, "pack " + id + " does not exist; the status page lists the recent ones"));
        model.addAttribute("pack", job);
        model.addAttribute("grace", human(job.request().grace()));
        return "pack";
    }

    private List<HistoryChart> charts(Duration span) {
        List<GarbageHistory.Point> points = history.window(span);
        Instant end = Instant.now();
        ZoneId zone = ZoneId.systemDefault();
        Duration gap = GarbageHistory.GAP.plus(span.dividedBy(GarbageHistory.POINTS));
        // the three charts share the samples and the time axis, each with its own scale
        interface Series {
            HistoryChart chart(
                    String id, String title, HistoryChart.Unit unit, ToDoubleFunction<GarbageHistory.Point> value);
        }
        Series series = (id, title, unit, value) ->
                HistoryChart.of(id, title, unit, points, p -> p.at().getEpochSecond(), value, end, span, gap, zone);
        return List.of(
                series.chart(
                        "chart-pending",
                        "Garbage pending (objects)",
                        HistoryChart.Unit.OBJECTS,
                        GarbageHistory.Point::pending),
                series.chart(
                        "chart-bytes",
                        "Garbage pending (state bytes)",
                        HistoryChart.Unit.BYTES,
                        GarbageHistory.Point::pendingBytes),
                series.chart(
                        "chart-rate",
                        "Deleted (objects/s)",
                        HistoryChart.Unit.PER_SECOND,
                        GarbageHistory.Point::deletedPerSecond));
    }

    /** The database's problems but the one the phase's reason already says. */
    private static List<String> problems(DaemonStatus s) {
        String reason = s.reason();
        return s.database().problems().stream()
                .filter(p -> reason == null || !reason.contains(p) && !p.contains(reason))
                .toList();
    }

    /** The collector's settings by their property names; it holds no secret. */
    private Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (RecordComponent c : CollectorProperties.class.getRecordComponents()) {
            try {
                Object value = c.getAccessor().invoke(collector);
                settings.put(
                        "packer.collector."
                                + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT),
                        value == null ? "unset" : value instanceof Duration d ? human(d) : String.valueOf(value));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return settings;
    }

    static String human(Duration d) {
        return d.toString().substring(2).replaceAll("(\\d[HMS])(?!$)", "$1 ").toLowerCase(Locale.ROOT);
    }

    private List<LockHolders.Holder> locks() {
        try {
            return status.locks();
        } catch (SQLException e) {
            return List.of();
        }
    }

    private List<PackJob> recentPacks() {
        try {
            return packs.recent(5);
        } catch (DataAccessException e) {
            return List.of();
        }
    }
}
