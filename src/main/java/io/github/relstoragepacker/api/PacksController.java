package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.PackBusyException;
import io.github.relstoragepacker.collect.PackJob;
import io.github.relstoragepacker.collect.PackJobs;
import io.github.relstoragepacker.collect.PackRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.Range;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Packs as jobs: start one, follow it, cancel it, list the recent ones. */
@RestController
@RequestMapping(PacksController.PATH)
class PacksController {

    static final String PATH = "/api/v1/packs";
    private static final String DAYS = "is out of range, use a number of days from 0 to 36500";

    private final PackJobs jobs;

    PacksController(PackJobs jobs) {
        this.jobs = jobs;
    }

    /**
     * A pack request.
     *
     * @param days objects unreachable for longer than this many days go (zodbpack's --days); or
     * @param graceSeconds the same in seconds; give exactly one of the two
     * @param dryRun report what would go, delete nothing (default false)
     * @param includeCycles mark from the root and collect cycles too (default true)
     * @param unknownHistory how to judge garbage that was already garbage when the index was built:
     *     "build" (default: unreachable since the build) or "object-tid" (zodbpack's rule: its own
     *     tid older than the grace; a weaker guarantee)
     */
    record PackBody(
            @DecimalMin(value = "0", message = DAYS) @DecimalMax(value = "36500", message = DAYS) @Nullable
            Double days,

            @PositiveOrZero(message = "is out of range, use a number of seconds >= 0") @Nullable
            Long graceSeconds,

            @Nullable Boolean dryRun,
            @Nullable Boolean includeCycles,

            @Pattern(regexp = "build|object-tid", message = "is not accepted, use \"build\" or \"object-tid\"")
            @Nullable
            String unknownHistory) {

        PackRequest toRequest() {
            if ((days == null) == (graceSeconds == null)) {
                throw new IllegalArgumentException(
                        "give exactly one of \"days\" (zodbpack's --days) and \"graceSeconds\", e.g. {\"days\": 1}");
            }
            Duration grace = days != null ? PackRequest.graceOfDays(days) : Duration.ofSeconds(graceSeconds);
            return new PackRequest(
                    grace,
                    Boolean.TRUE.equals(dryRun),
                    includeCycles == null || includeCycles,
                    "object-tid".equals(unknownHistory));
        }
    }

    @PostMapping
    ResponseEntity<PackView> start(@Valid @RequestBody PackBody body, Principal principal) throws PackBusyException {
        PackJob job = jobs.submit(body.toRequest(), principal.getName());
        PackView view = PackView.of(job);
        return ResponseEntity.accepted().location(URI.create(view.url())).body(view);
    }

    @GetMapping
    List<PackView> recent(
            @RequestParam(defaultValue = "20") @Range(min = 1, max = 500, message = ApiErrors.INTEGER_RANGE)
                    int limit) {
        return jobs.recent(limit).stream().map(PackView::of).toList();
    }

    @GetMapping("/{id}")
    PackView one(@PathVariable long id) {
        return PackView.of(jobs.find(id).orElseThrow(() -> unknown(id)));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<PackView> cancel(@PathVariable long id) {
        boolean here = jobs.runsHere(id);
        PackJob job = jobs.cancel(id).orElseThrow(() -> unknown(id));
        if (!job.active()) {
            throw new IllegalStateException(
                    "pack job " + id + " already ended (" + job.state() + "); nothing to cancel");
        }
        if (!here) {
            throw new IllegalStateException("pack job " + id + " runs on another instance; cancel it through that one");
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(PackView.of(job));
    }

    private static NotFoundException unknown(long id) {
        return new NotFoundException("there is no pack job " + id + "; GET " + PATH + " lists the recent ones");
    }
}
