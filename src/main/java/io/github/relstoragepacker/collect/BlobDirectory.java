package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.relstorage.BlobLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * RelStorage's shared blob directory ({@code shared-blob-dir true}, docs/relstorage.md §5): the oid directories of
 * the {@code bushy} layout (eight levels, one per oid byte) or the {@code lawn} layout (one level), each
 * holding {@code <tid>.blob} revisions, in-flight {@code *.tmp-} uploads and a {@code .lock} file.
 *
 * <p>Only files provably ours are removed: a deleted object's revisions only when the file of its
 * deleted state is there, a live object's superseded revisions only when the file of its current state
 * is there, since a directory of another database has directories of the same oids with other tids.
 * Removing a deleted object's files keeps everything that could belong to a commit after the
 * deletion: nothing is removed while an upload is in flight in the directory, and no revision newer
 * than the deleted state. A {@code zeocache} directory is a cache of blobs stored in the database and
 * is refused: the database is the truth there. {@link BlobDirectoryCheck} proves that the directory is
 * this database's before anything in it is removed.
 */
final class BlobDirectory {

    private final Path root;
    private final BlobLayout layout;

    private BlobDirectory(Path root, BlobLayout layout) {
        this.root = root;
        this.layout = layout;
    }

    /**
     * Opens {@code root}, failing with the cause and the fix when it is not a usable shared blob directory:
     * not a directory, not readable and writable by this process, without the {@code .layout} marker
     * RelStorage writes into every shared blob directory it opens, or a {@code zeocache}.
     */
    static BlobDirectory open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("packer.collector.blob-directory " + root + " is not a directory: mount the"
                    + " volume Plone's RelStorage uses as its blob-dir (shared-blob-dir true) and point the property"
                    + " at it");
        }
        if (!Files.isReadable(root) || !Files.isWritable(root)) {
            throw new IOException("packer.collector.blob-directory " + root + " cannot be read and written by this"
                    + " process: run with the group that owns the blob files (Kubernetes: fsGroup)");
        }
        Path marker = root.resolve(".layout");
        if (!Files.exists(marker)) {
            throw new IOException("packer.collector.blob-directory " + root + " has no .layout marker, which"
                    + " RelStorage writes into every shared blob directory it opens: this is not (or not yet) a blob"
                    + " directory of Plone's. Point the property at the blob-dir of Plone's RelStorage configuration"
                    + " (shared-blob-dir true), as Plone mounts it");
        }
        String name = Files.readString(marker, StandardCharsets.US_ASCII).strip();
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bushy" -> new BlobDirectory(root, BlobLayout.BUSHY);
            case "lawn" -> new BlobDirectory(root, BlobLayout.LAWN);
            default ->
                throw new IOException("blob directory " + root + " has layout '" + name + "'; only RelStorage's"
                        + " shared blob directories (bushy, lawn) hold blobs to delete. A 'zeocache' directory is a cache"
                        + " of blobs stored in the database: unset packer.collector.blob-directory.");
        };
    }

    Path root() {
        return root;
    }

    Path oidDirectory(long zoid) {
        return layout.oidDirectory(root, zoid);
    }

    /** The file RelStorage wrote for the revision of {@code zoid} committed by {@code tid}. */
    Path revisionFile(long zoid, long tid) {
        return oidDirectory(zoid).resolve(BlobLayout.blobFileName(tid));
    }

    /** Whether the directory holds at least one oid directory; stops at the first. */
    boolean hasOidDirectory() throws IOException {
        try {
            forEachOidDirectory((zoid, dir) -> {
                throw new FoundOne();
            });
            return false;
        } catch (FoundOne found) {
            return true;
        }
    }

    /** Ends a walk at its first oid directory. */
    private static final class FoundOne extends RuntimeException {
        FoundOne() {
            super(null, null, false, false);
        }
    }

    /** What a visit of the oid directories sees, one call per directory. */
    interface OidDirectoryVisitor {
        void visit(long zoid, Path directory) throws IOException;
    }

    /**
     * Calls {@code visitor} for every oid directory, in the layout's order, without holding the tree in
     * memory. RelStorage's {@code tmp/}, the marker and anything not named like an oid directory are
     * skipped.
     */
    void forEachOidDirectory(OidDirectoryVisitor visitor) throws IOException {
        int depth = layout == BlobLayout.BUSHY ? 8 : 1;
        Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), depth, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.equals(root) || oidByte(dir.getFileName().toString()) >= 0
                        ? FileVisitResult.CONTINUE
                        : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                // at the walk's depth limit, directories arrive here
                if (attrs.isDirectory() && root.relativize(file).getNameCount() == depth) {
                    Long zoid = zoidOf(root.relativize(file));
                    if (zoid != null) {
                        visitor.visit(zoid, file);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // a directory removed while we walk (a zodbpack removing a deleted object's files) is no error
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    /** The oid a directory path (relative to the root) stands for, or null if it is not an oid directory. */
    private @Nullable Long zoidOf(Path relative) {
        if (layout == BlobLayout.LAWN) {
            String name = relative.getFileName().toString();
            if (!name.startsWith("0x") || name.length() < 3 || name.length() > 18) {
                return null;
            }
            try {
                return Long.parseUnsignedLong(name.substring(2), 16);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long zoid = 0;
        for (Path part : relative) {
            int b = oidByte(part.toString());
            if (b < 0) {
                return null;
            }
            zoid = zoid << 8 | b;
        }
        return zoid;
    }

    /** The byte a bushy level's {@code 0xNN} names; any string for lawn's one level; -1 otherwise. */
    private int oidByte(String name) {
        if (layout == BlobLayout.LAWN) {
            return name.startsWith("0x") ? 0 : -1;
        }
        if (name.length() != 4 || !name.startsWith("0x")) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(2), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The revision files of a live object that no reader can need any more: older than its current
     * revision, the file of {@code committedTid} (the object's tid as committed in the database), and
     * superseded by a revision committed at or before {@code cutoffTid}. Nothing is selected while an
     * upload is in flight in the directory. Null when the current revision's file is absent: then nothing
     * in the directory is provably this object's (it may belong to another database's blob directory).
     */
    @Nullable
    List<Path> staleRevisions(Path dir, long committedTid, long cutoffTid) throws IOException {
        TreeMap<Long, Path> revisions = new TreeMap<>(Long::compareUnsigned);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                if (name.contains(".tmp")) {
                    return List.of();
                }
                Long revision = revisionTid(name);
                if (revision != null && Long.compareUnsigned(revision, committedTid) <= 0) {
                    revisions.put(revision, file);
                }
            }
        }
        if (!revisions.containsKey(committedTid)) {
            return null;
        }
        List<Path> stale = new ArrayList<>();
        Path previous = null;
        // each revision supersedes the one before it; the last one is the object's current blob
        for (Map.Entry<Long, Path> revision : revisions.entrySet()) {
            if (previous != null && Long.compareUnsigned(revision.getKey(), cutoffTid) <= 0) {
                stale.add(previous);
            }
            previous = revision.getValue();
        }
        return stale;
    }

    /** Why a deleted object's directory was left untouched. */
    enum Kept {
        /** The deleted state's own revision file is absent: nothing there is provably the object's. */
        NOT_OURS("not_ours"),
        /** An upload is in flight: a commit is re-creating the object. */
        UPLOADING("uploading");

        /** The metric tag. */
        final String reason;

        Kept(String reason) {
            this.reason = reason;
        }
    }

    /** What removing a deleted object's files did: {@code files} removed, or why the directory was kept. */
    record Removal(int files, @Nullable Kept kept) {
        static final Removal NONE = new Removal(0, null);
    }

    /**
     * Removes the files of an object deleted at state {@code tid}: its revisions up to {@code tid}, and the
     * directory once nothing newer is in it (empty parents are pruned up to, not including, the root).
     * Only what is provably the object's is touched: nothing at all unless the deleted state's own
     * revision file is there (otherwise the directory may be another database's, whose oids collide with
     * ours), and nothing while an upload is in flight (a commit re-creating the object).
     *
     * <p>That file, the proof, goes last, so a process that dies half-way leaves a directory the next
     * removal recognises: with the proof and some older revisions, or, once the proof went, empty, which
     * holds nothing of anyone's and is pruned.
     */
    Removal removeDeleted(long zoid, long tid) throws IOException {
        Path dir = oidDirectory(zoid);
        if (!Files.isDirectory(dir)) {
            return Removal.NONE;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(files::add);
        }
        if (files.isEmpty()) {
            prune(dir);
            return Removal.NONE;
        }
        if (files.stream().anyMatch(f -> f.getFileName().toString().contains(".tmp"))) {
            return new Removal(0, Kept.UPLOADING);
        }
        Path proof = dir.resolve(BlobLayout.blobFileName(tid));
        if (!files.contains(proof)) {
            return new Removal(0, Kept.NOT_OURS);
        }
        int removed = 0;
        boolean newerRevision = false;
        for (Path file : files) {
            Long revision = revisionTid(file.getFileName().toString());
            if (revision == null || file.equals(proof)) {
                continue;
            }
            if (Long.compareUnsigned(revision, tid) < 0) {
                Files.deleteIfExists(file);
                removed++;
            } else {
                newerRevision = true;
            }
        }
        if (!newerRevision) {
            Files.deleteIfExists(dir.resolve(".lock"));
        }
        Files.delete(proof);
        removed++;
        if (!newerRevision) {
            prune(dir);
        }
        return new Removal(removed, null);
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
