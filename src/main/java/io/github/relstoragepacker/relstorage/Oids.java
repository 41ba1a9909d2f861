package io.github.relstoragepacker.relstorage;

import java.util.Locale;

/**
 * ZODB object ids as people write them: decimal zoids ({@code 4711}) or hexadecimal oids ({@code
 * 0x1267}, as ZODB prints them). RelStorage stores an oid as a PostgreSQL {@code BIGINT} zoid and
 * allocates them upwards from 0, so the one range accepted, in either form, is 0 to 2^63-1: a
 * negative zoid or a hexadecimal oid above {@code 0x7fffffffffffffff} names no object and is refused
 * rather than wrapped around.
 */
public final class Oids {

    /** The accepted forms and range, for error messages. */
    public static final String RANGE =
            "use a decimal zoid (4711) or a hexadecimal oid (0x1267) from 0 to 9223372036854775807 (0x7fffffffffffffff)";

    private Oids() {}

    /**
     * Parses {@code text} to a zoid.
     *
     * @throws IllegalArgumentException naming the input, the accepted forms and the range
     */
    public static long parse(String text) {
        String s = text.strip();
        boolean hex = s.regionMatches(true, 0, "0x", 0, 2);
        String digits = hex ? s.substring(2) : s;
        int radix = hex ? 16 : 10;
        if (digits.isEmpty() || !digits.chars().allMatch(ch -> ch < 128 && Character.digit(ch, radix) >= 0)) {
            throw new IllegalArgumentException("'" + text + "' is not an oid: " + RANGE);
        }
        try {
            // no sign is accepted above, so an overflow is the only way this can fail
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is out of range: " + RANGE);
        }
    }

    /** The hexadecimal form ZODB tools print, e.g. {@code 0x1267}. */
    public static String hex(long zoid) {
        return "0x" + Long.toHexString(zoid).toLowerCase(Locale.ROOT);
    }
}
