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
        // one relative path resolved once: a collection looks up the directory of every deleted object,
        // and formatting and resolving eight names each took ten times as long as the look itself
        char[] path = new char[8 * 5 - 1];
        int at = 0;
        for (int shift = 56; shift >= 0; shift -= 8) {
            if (at > 0) {
                path[at++] = '/';
            }
            int octet = (int) (oid >>> shift) & 0xff;
            path[at++] = '0';
            path[at++] = 'x';
            path[at++] = HEX[octet >>> 4];
            path[at++] = HEX[octet & 0xf];
        }
        return root.resolve(new String(path, 0, at));
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

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
