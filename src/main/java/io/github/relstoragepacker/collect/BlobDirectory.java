package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.BlobLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RelStorage's shared blob directory ({@code shared-blob-dir true}, facts §5): the oid directories of
 * the {@code bushy} layout (eight levels, one per oid byte) or the {@code lawn} layout (one level), each
 * holding {@code <tid>.blob} revisions, in-flight {@code *.tmp-} uploads and a {@code .lock} file.
 *
 * <p>Removing a deleted object's files keeps everything that could belong to a commit after the
 * deletion: nothing is removed while an upload is in flight in the directory, and no revision newer
 * than the deleted state. A {@code zeocache} directory is a cache of blobs stored in the database and
 * is refused: the database is the truth there.
 */
final class BlobDirectory {

    private final Path root;
    private final BlobLayout layout;

    private BlobDirectory(Path root, BlobLayout layout) {
        this.root = root;
        this.layout = layout;
    }

    /** Opens {@code root}, failing with the cause and the fix when it is not a usable blob directory. */
    static BlobDirectory open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("packer.collector.blob-directory " + root + " is not a directory: mount the"
                    + " volume Plone's RelStorage uses as its blob-dir and point the property at it");
        }
        if (!Files.isWritable(root)) {
            throw new IOException("packer.collector.blob-directory " + root + " is not writable by this process:"
                    + " run with the group that owns the blob files (Kubernetes: fsGroup)");
        }
        Path marker = root.resolve(".layout");
        String name = Files.exists(marker)
                ? Files.readString(marker, StandardCharsets.US_ASCII).strip()
                : "bushy";
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bushy" -> new BlobDirectory(root, BlobLayout.BUSHY);
            case "lawn" -> new BlobDirectory(root, BlobLayout.LAWN);
            default ->
                throw new IOException("blob directory " + root + " has layout '" + name + "'; only RelStorage's"
                        + " shared blob directories (bushy, lawn) hold blobs to delete. A 'zeocache' directory is a cache"
                        + " of blobs stored in the database: unset packer.collector.blob-directory.");
        };
    }

    Path oidDirectory(long zoid) {
        return layout.oidDirectory(root, zoid);
    }

    /**
     * Removes the files of an object deleted at state {@code tid}; returns the number of blob files
     * removed. Empty directories are pruned up to (not including) the root.
     */
    int removeDeleted(long zoid, long tid) throws IOException {
        Path dir = oidDirectory(zoid);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(files::add);
        }
        if (files.stream().anyMatch(f -> f.getFileName().toString().contains(".tmp"))) {
            // an upload is in flight: a commit is re-creating this object; leave the directory to it
            return 0;
        }
        int removed = 0;
        boolean newerRevision = false;
        for (Path file : files) {
            String name = file.getFileName().toString();
            Long revision = revisionTid(name);
            if (revision == null) {
                continue;
            }
            if (Long.compareUnsigned(revision, tid) <= 0) {
                Files.deleteIfExists(file);
                removed++;
            } else {
                newerRevision = true;
            }
        }
        if (!newerRevision) {
            Files.deleteIfExists(dir.resolve(".lock"));
            prune(dir);
        }
        return removed;
    }

    /** The tid of a {@code 0x<hex>.blob} file name, or null for any other file. */
    static Long revisionTid(String name) {
        if (!name.startsWith("0x") || !name.endsWith(".blob")) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(name.substring(2, name.length() - ".blob".length()), 16);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void prune(Path dir) throws IOException {
        for (Path d = dir; d != null && !d.equals(root) && d.startsWith(root); d = d.getParent()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
                if (entries.iterator().hasNext()) {
                    return;
                }
            }
            Files.delete(d);
        }
    }
}
