package io.github.relstoragepacker.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A shared blob directory ({@code shared-blob-dir true}) laid out as ZODB's {@code FilesystemHelper}
 * lays it out for RelStorage (facts §5): a {@code .layout} marker, RelStorage's {@code tmp/}, one
 * directory per oid and one {@code <tid>.blob} file per committed revision.
 *
 * @param root the blob directory
 * @param layout how oids map to directories
 */
public record BlobDirectory(Path root, Layout layout) {

    /** ZODB's two blob directory layouts. */
    public enum Layout {
        /** Eight levels, one per oid byte: oid 1 is {@code 0x00/0x00/0x00/0x00/0x00/0x00/0x00/0x01}. */
        BUSHY,
        /** One level: oid 1 is {@code 0x01}. */
        LAWN;

        /** The name {@code .layout} holds. */
        public String marker() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BlobDirectory {
        Objects.requireNonNull(root, "root must not be null");
        Objects.requireNonNull(layout, "layout must not be null");
    }

    /** Creates the directory as {@code FilesystemHelper.create()} does: the marker (no newline) and {@code tmp/}. */
    public static BlobDirectory create(Path root, Layout layout) throws IOException {
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve(".layout"), layout.marker(), StandardCharsets.US_ASCII);
        return new BlobDirectory(root, layout);
    }

    /** The directory holding every revision of one oid's blob. */
    public Path oidDirectory(long oid) {
        if (layout == Layout.LAWN) {
            return root.resolve(repr(oid));
        }
        Path dir = root;
        for (int shift = 56; shift >= 0; shift -= 8) {
            dir = dir.resolve("0x%02x".formatted(oid >>> shift & 0xff));
        }
        return dir;
    }

    /** The file of the blob revision committed by {@code tid}. */
    public Path blobFile(long oid, long tid) {
        return oidDirectory(oid).resolve(repr(tid) + ".blob");
    }

    /**
     * ZODB's {@code oid_repr}/{@code tid_repr}: {@code 0x}, then the hex digits without leading zeros,
     * padded to an even count ({@code 0x00} for 0).
     */
    public static String repr(long value) {
        String hex = Long.toHexString(value);
        return (hex.length() % 2 == 0 ? "0x" : "0x0") + hex;
    }
}
