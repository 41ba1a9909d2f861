package io.github.relstoragepacker.collect;

import java.nio.file.Path;
import java.util.List;

/**
 * What one housekeeping walk of the shared blob directory found ({@link BlobHousekeeper}).
 *
 * @param directories oid directories visited
 * @param staleFiles revision files of live objects removed (for a dry run: that would be removed)
 * @param staleBytes their size
 * @param withoutCurrentRevision directories of live objects without their current revision's file, left
 *     untouched: nothing in them is provably the object's
 * @param orphanDirectories directories whose object is in neither {@code object_state} nor the outbox,
 *     with no upload in flight; reported, never removed
 * @param orphanExamples up to ten of them
 * @param dryRun whether nothing was removed
 */
public record BlobHousekeeping(
        long directories,
        long staleFiles,
        long staleBytes,
        long withoutCurrentRevision,
        long orphanDirectories,
        List<Path> orphanExamples,
        boolean dryRun) {

    /** One line for the log and the pack command's summary. */
    public String summary() {
        return ("%s %,d stale blob revision files (%,d bytes) of live objects in %,d oid directories;%s"
                        + " %,d directories have no object%s")
                .formatted(
                        dryRun ? "would remove" : "removed",
                        staleFiles,
                        staleBytes,
                        directories,
                        withoutCurrentRevision == 0
                                ? ""
                                : " kept %,d directories of live objects whose current revision file is absent;"
                                        .formatted(withoutCurrentRevision),
                        orphanDirectories,
                        orphanDirectories == 0
                                ? ""
                                : " (kept: check them, e.g. " + orphanExamples.get(0)
                                        + "; an object deleted outside the packer leaves such directories)");
    }
}
