package io.github.relstoragepacker.ops;

import io.github.relstoragepacker.collect.BlobDirectoryGuard;
import io.github.relstoragepacker.collect.BlobDirectoryVerdict;
import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.collect.CollectionProgress;
import io.github.relstoragepacker.collect.CollectionSchedule;
import io.github.relstoragepacker.collect.CollectorProperties;
import io.github.relstoragepacker.collect.PackJob;
import io.github.relstoragepacker.collect.PackJobs;
import io.github.relstoragepacker.collect.PauseSwitch;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.index.IndexStatistics;
import io.github.relstoragepacker.relstorage.LockHolders;
import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.github.relstoragepacker.relstorage.Tids;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

/**
 * Assembles {@link DaemonStatus} from what each part already knows (the loop, the index maintainer,
 * the last recount, the probe), so a status request reads at most the newest pack job from the
 * database, however often it is asked.
 */
@Service
public class StatusService {

    private final IndexMaintainer index;
    private final IndexStatistics statistics;
    private final CollectionLoop loop;
    private final PauseSwitch pause;
    private final CollectionSchedule schedule;
    private final PackJobs packs;
    private final TargetDatabase target;
    private final CollectorProperties collector;
    private final BlobDirectoryGuard blobDirectory;
    private final DataSource dataSource;
    private final Clock clock;

    StatusService(
            IndexMaintainer index,
            IndexStatistics statistics,
            CollectionLoop loop,
            PauseSwitch pause,
            CollectionSchedule schedule,
            PackJobs packs,
            TargetDatabase target,
            CollectorProperties collector,
            BlobDirectoryGuard blobDirectory,
            DataSource dataSource,
            Clock clock) {
        this.clock = clock;
        this.blobDirectory = blobDirectory;
        this.index = index;
        this.statistics = statistics;
        this.loop = loop;
        this.pause = pause;
        this.schedule = schedule;
        this.packs = packs;
        this.target = target;
        this.collector = collector;
        this.dataSource = dataSource;
    }

    public DaemonStatus status() {
        IndexStatistics.Counts counts = statistics.latest();
        CollectionProgress progress = loop.current();
        CollectionProgress.Snapshot run = progress == null ? null : progress.snapshot();
        String reason = null;
        String phase;
        String hold = schedule.holdReason();
        PauseSwitch.Paused paused = pause.paused();
        if (paused != null) {
            phase = "paused";
            reason = "paused by " + paused.by() + " since " + paused.since().truncatedTo(ChronoUnit.SECONDS)
                    + "; POST /api/v1/resume restarts the continuous collection (explicit packs still run)";
        } else if (index.phase() == IndexMaintainer.Phase.WAITING_FOR_DATABASE) {
            phase = "waiting for database";
            reason = databaseProblem();
        } else if (index.phase() == IndexMaintainer.Phase.STANDBY) {
            phase = "standby";
            reason = "another instance holds the leader lock and does the work";
        } else if (index.phase() == IndexMaintainer.Phase.BUILDING) {
            phase = "building";
        } else if (run != null) {
            phase = run.step() == CollectionProgress.Step.MARKING ? "marking" : "draining";
        } else if (hold != null) {
            phase = "on hold";
            reason = hold;
        } else if (counts != null && counts.quarantined() > 0) {
            phase = "on hold";
            reason = counts.quarantined() + " object(s) cannot be read; see GET /api/v1/status and packer.quarantine";
        } else if (drainingNow()) {
            // a drain's batches last milliseconds, so a page almost never sees one under way: one that
            // deleted something within its interval means the drain keeps working
            phase = "draining";
        } else if (index.phase() == IndexMaintainer.Phase.CATCHING_UP) {
            phase = "catching up";
        } else {
            phase = "idle";
        }
        double lag = index.lagSeconds();
        CollectionSchedule.Finished last = schedule.lastRun();
        return new DaemonStatus(
                phase,
                reason,
                paused != null,
                index.active(),
                counts == null ? null : index(counts),
                Double.isNaN(lag) ? null : lag,
                run,
                last == null
                        ? null
                        : new DaemonStatus.LastRun(
                                last.result().kind().name().toLowerCase(Locale.ROOT),
                                last.result().outcome().name().toLowerCase(Locale.ROOT),
                                last.result().objects(),
                                last.result().bytes(),
                                last.at(),
                                last.result().message()),
                lastPack(),
                database());
    }

    private boolean drainingNow() {
        CollectionSchedule.Finished drain = schedule.lastDrain();
        return drain != null
                && drain.result().objects() > 0
                && drain.at().plus(collector.drainInterval().multipliedBy(2)).isAfter(clock.instant());
    }

    /** Who holds RelStorage's commit and pack locks and our leader lock now; empty if unknown. */
    public List<LockHolders.Holder> locks() throws SQLException {
        RelStorageDatabase db = target.known();
        if (db == null || db.generation() == null) {
            return List.of();
        }
        try (Connection c = dataSource.getConnection()) {
            return LockHolders.read(c, db.generation(), db.schema(), IndexMaintainer.LEADER_LOCK_KEY);
        }
    }

    private @Nullable PackJob lastPack() {
        try {
            List<PackJob> recent = packs.recent(1);
            return recent.isEmpty() ? null : recent.get(0);
        } catch (DataAccessException e) {
            // no index schema yet, or the database is gone: the rest of the status says which
            return null;
        }
    }

    private @Nullable String databaseProblem() {
        RelStorageDatabase db = target.known();
        if (db == null) {
            return "the database cannot be reached: " + target.failure();
        }
        return String.join(" ", db.readProblems());
    }

    private static DaemonStatus.Index index(IndexStatistics.Counts c) {
        return new DaemonStatus.Index(
                c.phase(),
                Tids.hex(c.watermark()),
                c.watermark() == 0 ? null : Tids.toInstant(c.watermark()),
                c.objects(),
                c.bytes(),
                c.unreferenced(),
                c.unreferencedBytes(),
                c.unreachable(),
                c.unreachableBytes(),
                c.quarantined(),
                c.countedAt());
    }

    private DaemonStatus.Database database() {
        RelStorageDatabase db = target.known();
        if (db == null) {
            return new DaemonStatus.Database(
                    false, "not reachable: " + target.failure(), null, "unknown", List.of(), List.of());
        }
        List<String> problems = new ArrayList<>(db.readProblems());
        db.collectProblems().stream().filter(p -> !problems.contains(p)).forEach(problems::add);
        BlobDirectoryVerdict verdict = blobDirectory.last();
        if (verdict != null && !verdict.trusted()) {
            problems.add("Blob removal is on hold: " + verdict.reason());
        }
        String blobs = db.blobsInDatabase()
                ? "database"
                : collector.blobDirectory() != null
                        ? "shared directory " + collector.blobDirectory()
                                + (verdict == null ? " (not checked yet)" : verdict.trusted() ? "" : " (on hold)")
                        : "none found";
        return new DaemonStatus.Database(
                true,
                db.summary(),
                db.generation() == null ? null : db.generation().description(),
                blobs,
                List.copyOf(problems),
                db.warnings());
    }
}
