package io.github.relstoragepacker.relstorage;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How ZODB's {@code FilesystemHelper} maps oids to directories in a shared blob directory (docs/relstorage.md §5),
 * and how it names revision files: {@code <tid_repr>.blob}.
 */
public enum BlobLayout {
    /** Eight levels, one per oid byte, most significant first: oid 1 is {@code 0x00/.../0x00/0x01}. */
    BUSHY,
    /** One level: oid 1 is {@code 0x01}. */
    LAWN;

    /** The name the {@code .layout} marker holds. */
    public String marker() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The directory holding every revision of one oid's blob. */
    public Path oidDirectory(Path root, long oid) {
        if (this == LAWN) {
            return root.resolve(repr(oid));
        }
        Path dir = root;
        for (int shift = 56; shift >= 0; shift -= 8) {
            dir = dir.resolve("0x%02x".formatted(oid >>> shift & 0xff));
        }
        return dir;
    }

    /** The name of the revision file committed by {@code tid}. */
    public static String blobFileName(long tid) {
        return repr(tid) + ".blob";
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
