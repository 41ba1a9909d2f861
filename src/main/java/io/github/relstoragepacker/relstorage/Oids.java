package io.github.relstoragepacker.relstorage;

import java.util.Locale;

/**
 * ZODB object ids as people write them: decimal zoids ({@code 4711}) or hexadecimal oids ({@code
 * 0x1267}, as ZODB prints them, up to 16 digits). RelStorage stores an oid as the signed 64-bit
 * {@code zoid}, so oids above {@code 0x7fffffffffffffff} are negative zoids.
 */
public final class Oids {

    private Oids() {}

    /**
     * Parses {@code text} to a zoid.
     *
     * @throws IllegalArgumentException naming the input and the accepted forms
     */
    public static long parse(String text) {
        String s = text.strip();
        try {
            if (s.regionMatches(true, 0, "0x", 0, 2)) {
                String digits = s.substring(2);
                if (digits.isEmpty() || digits.length() > 16) {
                    throw new NumberFormatException();
                }
                return Long.parseUnsignedLong(digits, 16);
            }
            if (s.isEmpty() || s.length() > 20 || !s.chars().allMatch(ch -> ch == '-' || Character.isDigit(ch))) {
                throw new NumberFormatException();
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an oid: write it in decimal (4711) or as"
                    + " ZODB prints it in hexadecimal (0x1267), at most 64 bits");
        }
    }

    /** The hexadecimal form ZODB tools print, e.g. {@code 0x1267}. */
    public static String hex(long zoid) {
        return "0x" + Long.toHexString(zoid).toLowerCase(Locale.ROOT);
    }
}
