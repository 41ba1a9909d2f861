package io.github.relstoragepacker.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one {@code <relstorage>} section that concern us, with RelStorage's defaults applied
 * where a key is absent (component.xml: {@code keep-history} true, {@code shared-blob-dir} false).
 *
 * @param file the file the section is in
 * @param section the section, as an operator would find it ({@code <relstorage> at line 3 of zodbpack.conf})
 * @param dsn the {@code <postgresql>} section's {@code dsn}; empty when absent, as in RelStorage
 * @param dsnLine the line of {@code dsn}, or of the {@code <postgresql>} header when it has none
 * @param keepHistory whether RelStorage keeps history (true when the key is absent)
 * @param keepHistoryGiven whether the file says so explicitly
 * @param keepHistoryLine the line of {@code keep-history}, or of the section header when absent
 * @param blobDir {@code blob-dir}, or null
 * @param blobDirLine the line of {@code blob-dir}, or 0
 * @param sharedBlobDir whether {@code blob-dir} is the shared blob directory itself (true) or a cache
 *     of blobs stored in the database (false, also when the key is absent)
 * @param sharedBlobDirGiven whether the file says so explicitly
 */
record RelStorageStorage(
        Path file,
        String section,
        String dsn,
        int dsnLine,
        boolean keepHistory,
        boolean keepHistoryGiven,
        int keepHistoryLine,
        @Nullable String blobDir,
        int blobDirLine,
        boolean sharedBlobDir,
        boolean sharedBlobDirGiven) {}
