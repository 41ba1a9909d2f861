package io.github.relstoragepacker.testsupport;

import io.github.relstoragepacker.relstorage.BlobLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A shared blob directory ({@code shared-blob-dir true}) laid out as ZODB's {@code FilesystemHelper}
 * lays it out for RelStorage (docs/relstorage.md §5): a {@code .layout} marker, RelStorage's {@code tmp/}, one
 * directory per oid and one {@code <tid>.blob} file per committed revision.
 *
 * @param root the blob directory
 * @param layout how oids map to directories
 */
public record BlobDirectory(Path root, BlobLayout layout) {

    public BlobDirectory {
        Objects.requireNonNull(root, "root must not be null");
        Objects.requireNonNull(layout, "layout must not be null");
    }

    /** Creates the directory as {@code FilesystemHelper.create()} does: the marker (no newline) and {@code tmp/}. */
    public static BlobDirectory create(Path root, BlobLayout layout) throws IOException {
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve(".layout"), layout.marker(), StandardCharsets.US_ASCII);
        return new BlobDirectory(root, layout);
    }

    /** The directory holding every revision of one oid's blob. */
    public Path oidDirectory(long oid) {
        return layout.oidDirectory(root, oid);
    }

    /** The same layout under another root (a copy of this directory). */
    public BlobDirectory withRoot(Path other) {
        return new BlobDirectory(other, layout);
    }

    /** The file of the blob revision committed by {@code tid}. */
    public Path blobFile(long oid, long tid) {
        return oidDirectory(oid).resolve(BlobLayout.blobFileName(tid));
    }
}
