package io.github.relstoragepacker.pickle;

import io.github.relstoragepacker.pickle.PickleMachine.Line;
import io.github.relstoragepacker.pickle.PyValue.Int;
import io.github.relstoragepacker.pickle.PyValue.Str;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The text arguments of protocol-0 opcodes, parsed with the rules of the C functions zodbpickle calls
 * ({@code strtol}, {@code PyLong_FromString}, {@code PyOS_string_to_double}, {@code
 * PyBytes_DecodeEscape}, raw-unicode-escape), so that text CPython rejects is rejected here too.
 * A line is the C string zodbpickle sees: it ends at the first NUL byte.
 */
final class TextArguments {

    /** CPython 3.11's default limit on the decimal digits of an int read from text. */
    private static final int MAX_DECIMAL_DIGITS = 4300;

    private TextArguments() {}

    /** INT: {@code strtol(s, &end, 0)}, falling back to {@code PyLong_FromString(s, NULL, 0)}. */
    static Int parseInt(Line line, PickleMachine m) throws UnreadableRecordException {
        byte[] d = m.data();
        int end = cStringEnd(d, line);
        int i = line.start();
        while (i < end && isSpace(d[i])) {
            i++;
        }
        boolean negative = false;
        if (i < end && (d[i] == '+' || d[i] == '-')) {
            negative = d[i++] == '-';
        }
        int radix = 10;
        if (end - i >= 3 && d[i] == '0' && (d[i + 1] | 0x20) == 'x' && Character.digit(d[i + 2], 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i < end && d[i] == '0') {
            radix = 8;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        while (i < end && Character.digit(d[i], radix) >= 0) {
            int digit = Character.digit(d[i], radix);
            overflow |= value > (Long.MAX_VALUE - digit) / radix;
            value = value * radix + digit;
            i++;
        }
        int stop = i == digitsStart ? line.start() : i;
        boolean atEnd = stop == end || d[stop] == '\n';
        if (!overflow && atEnd) {
            return Int.of(negative ? -value : value);
        }
        Int fallback = pyLongFromString(d, line.start(), end, 0);
        if (fallback == null) {
            throw m.error("could not convert string to int");
        }
        return fallback;
    }

    /** LONG: a trailing {@code L} before the newline ends the C string; then {@code PyLong_FromString(s, NULL, 0)}. */
    static Int parseLong(Line line, PickleMachine m) throws UnreadableRecordException {
        byte[] d = m.data();
        int end = cStringEnd(d, line);
        int lastData = line.start() + line.length() - 2;
        if (lastData < end && d[lastData] == 'L') {
            end = lastData;
        }
        Int value = pyLongFromString(d, line.start(), end, 0);
        if (value == null) {
            throw m.error("invalid literal for int() in LONG");
        }
        return value;
    }

    /** GET and PUT: {@code PyLong_FromString(s, NULL, 10)}, which must fit a Py_ssize_t. */
    static long parseIndex(Line line, PickleMachine m) throws UnreadableRecordException {
        Int value = pyLongFromString(m.data(), line.start(), cStringEnd(m.data(), line), 10);
        if (value == null) {
            throw m.error("memo key is not a decimal integer");
        }
        if (!value.exact) {
            throw m.error("memo key too large (OverflowError)");
        }
        return value.value;
    }

    /** FLOAT: {@code PyOS_string_to_double}: no leading space, then only the newline or the string's end. */
    static void checkFloat(Line line, PickleMachine m) throws UnreadableRecordException {
        byte[] d = m.data();
        int end = cStringEnd(d, line);
        int i = line.start();
        int start = i;
        if (i < end && (d[i] == '+' || d[i] == '-')) {
            i++;
        }
        int special = matchSpecial(d, i, end);
        boolean finite = special < 0;
        if (finite) {
            int mantissa = 0;
            while (i < end && isDigit(d[i])) {
                i++;
                mantissa++;
            }
            if (i < end && d[i] == '.') {
                i++;
                while (i < end && isDigit(d[i])) {
                    i++;
                    mantissa++;
                }
            }
            if (mantissa == 0) {
                throw m.error("could not convert string to float");
            }
            int beforeExponent = i;
            if (i < end && (d[i] | 0x20) == 'e') {
                int j = i + 1;
                if (j < end && (d[j] == '+' || d[j] == '-')) {
                    j++;
                }
                int exponentDigits = j;
                while (j < end && isDigit(d[j])) {
                    j++;
                }
                i = j > exponentDigits ? j : beforeExponent;
            }
        } else {
            i = special;
        }
        if (i != end && d[i] != '\n') {
            throw m.error("could not convert string to float");
        }
        if (finite
                && Double.isInfinite(Double.parseDouble(new String(d, start, i - start, StandardCharsets.US_ASCII)))) {
            throw m.error("float too large (OverflowError)");
        }
    }

    /** The index after {@code inf}, {@code infinity} or {@code nan} (any case), or -1. */
    private static int matchSpecial(byte[] d, int i, int end) {
        for (String word : new String[] {"infinity", "inf", "nan"}) {
            if (end - i >= word.length() && regionMatchesIgnoreCase(d, i, word)) {
                return i + word.length();
            }
        }
        return -1;
    }

    private static boolean regionMatchesIgnoreCase(byte[] d, int i, String word) {
        for (int k = 0; k < word.length(); k++) {
            if ((d[i + k] | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * STRING: a quoted Python 2 {@code repr}. Trailing bytes that are {@code <= ' '} as a signed C
     * char are stripped, the quotes must match, and the inside is decoded like a bytes literal.
     */
    static Str parseString(Line line, PickleMachine m) throws UnreadableRecordException {
        byte[] d = m.data();
        int start = line.start();
        int end = start + line.length();
        if (cStringEnd(d, line) != end) {
            throw m.error("STRING argument holds a NUL byte");
        }
        while (end > start && d[end - 1] <= ' ') {
            end--;
        }
        if (end - start < 2 || (d[start] != '\'' && d[start] != '"') || d[end - 1] != d[start]) {
            throw m.error("insecure string pickle");
        }
        return decodeEscapes(d, start + 1, end - 1, m);
    }

    private static Str decodeEscapes(byte[] d, int from, int to, PickleMachine m) throws UnreadableRecordException {
        byte[] out = new byte[to - from];
        int n = 0;
        int i = from;
        while (i < to) {
            byte c = d[i++];
            if (c != '\\') {
                out[n++] = c;
                continue;
            }
            if (i >= to) {
                throw m.error("Trailing \\ in string");
            }
            c = d[i++];
            switch (c) {
                case '\n' -> {}
                case '\\', '\'', '"' -> out[n++] = c;
                case 'b' -> out[n++] = '\b';
                case 'f' -> out[n++] = '\f';
                case 't' -> out[n++] = '\t';
                case 'n' -> out[n++] = '\n';
                case 'r' -> out[n++] = '\r';
                case 'v' -> out[n++] = 0x0b;
                case 'a' -> out[n++] = 0x07;
                case 'x' -> {
                    if (i + 1 >= to || Character.digit(d[i], 16) < 0 || Character.digit(d[i + 1], 16) < 0) {
                        throw m.error("invalid \\x escape in STRING");
                    }
                    out[n++] = (byte) (Character.digit(d[i], 16) * 16 + Character.digit(d[i + 1], 16));
                    i += 2;
                }
                default -> {
                    if (c >= '0' && c <= '7') {
                        int v = c - '0';
                        for (int k = 0; k < 2 && i < to && d[i] >= '0' && d[i] <= '7'; k++) {
                            v = v * 8 + d[i++] - '0';
                        }
                        out[n++] = (byte) v;
                    } else {
                        out[n++] = '\\';
                        out[n++] = c;
                    }
                }
            }
        }
        return new Str(out, 0, n, false);
    }

    /**
     * UNICODE: raw-unicode-escape of the line without its last byte. Only {@code \\u}/{@code \\U}
     * after an odd run of backslashes are escapes; other bytes are code points U+0000 to U+00FF. The
     * result keeps ASCII code points and marks every other one with a byte {@code >= 0x80}, which is
     * all an oid check ({@code str.encode('ascii')}) or a marker comparison needs.
     */
    static Str parseRawUnicodeEscape(Line line, PickleMachine m) throws UnreadableRecordException {
        byte[] d = m.data();
        int to = line.start() + line.length() - 1;
        byte[] out = new byte[to - line.start()];
        int n = 0;
        int i = line.start();
        while (i < to) {
            if (d[i] != '\\') {
                out[n++] = d[i++];
                continue;
            }
            int run = i;
            while (i < to && d[i] == '\\') {
                out[n++] = d[i++];
            }
            if (((i - run) & 1) == 0 || i >= to || (d[i] != 'u' && d[i] != 'U')) {
                continue;
            }
            n--;
            int count = d[i] == 'u' ? 4 : 8;
            i++;
            long cp = 0;
            for (int k = 0; k < count; k++, i++) {
                if (i >= to || Character.digit(d[i], 16) < 0) {
                    throw m.error("truncated \\uXXXX escape in UNICODE");
                }
                cp = cp * 16 + Character.digit(d[i], 16);
            }
            if (cp > 0x10FFFF) {
                throw m.error("\\Uxxxxxxxx out of range in UNICODE");
            }
            out[n++] = cp < 0x80 ? (byte) cp : (byte) 0x80;
        }
        return new Str(out, 0, n, true);
    }

    /**
     * {@code PyLong_FromString(s, NULL, base)} over {@code d[from, end)}: surrounding whitespace, a
     * sign, for base 0 the prefixes 0x/0o/0b and no leading zeros in decimal, single underscores
     * between digits, at most 4300 decimal digits. Returns null when Python would raise.
     */
    static Int pyLongFromString(byte[] d, int from, int end, int base) {
        int i = from;
        while (i < end && isSpace(d[i])) {
            i++;
        }
        boolean negative = false;
        if (i < end && (d[i] == '+' || d[i] == '-')) {
            negative = d[i++] == '-';
        }
        int radix = base == 0 ? 10 : base;
        boolean leadingZeroDecimal = false;
        if (base == 0 && i < end && d[i] == '0') {
            int p = i + 1 < end ? d[i + 1] | 0x20 : 0;
            if (p == 'x' || p == 'o' || p == 'b') {
                radix = p == 'x' ? 16 : p == 'o' ? 8 : 2;
                i += 2;
                if (i < end && d[i] == '_') {
                    i++;
                }
            } else {
                leadingZeroDecimal = true;
            }
        }
        StringBuilder digits = new StringBuilder();
        boolean lastUnderscore = true;
        while (i < end) {
            if (d[i] == '_' && !lastUnderscore) {
                lastUnderscore = true;
            } else if (Character.digit(d[i], radix) >= 0) {
                digits.append((char) d[i]);
                lastUnderscore = false;
            } else {
                break;
            }
            i++;
        }
        if (digits.isEmpty() || lastUnderscore) {
            return null;
        }
        while (i < end && isSpace(d[i])) {
            i++;
        }
        if (i != end) {
            return null;
        }
        if (leadingZeroDecimal && digits.chars().anyMatch(c -> c != '0')) {
            return null;
        }
        if (radix == 10 && digits.length() > MAX_DECIMAL_DIGITS) {
            return null;
        }
        BigInteger value = new BigInteger(digits.toString(), radix);
        if (negative) {
            value = value.negate();
        }
        return value.bitLength() < 64 ? Int.of(value.longValue()) : Int.BIG;
    }

    /** UTF-8 as CPython decodes it with {@code surrogatepass}: strict, but encoded surrogates allowed. */
    static boolean isUtf8SurrogatePass(byte[] d, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b = d[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xff;
            int extra;
            int lo = 0x80;
            int hi = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                extra = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                extra = 2;
                if (b == 0xe0) {
                    lo = 0xa0;
                }
            } else if (b >= 0xf0 && b <= 0xf4) {
                extra = 3;
                if (b == 0xf0) {
                    lo = 0x90;
                } else if (b == 0xf4) {
                    hi = 0x8f;
                }
            } else {
                return false;
            }
            if (end - i <= extra) {
                return false;
            }
            int second = d[i + 1] & 0xff;
            if (second < lo || second > hi) {
                return false;
            }
            for (int k = 2; k <= extra; k++) {
                if ((d[i + k] & 0xc0) != 0x80) {
                    return false;
                }
            }
            i += extra + 1;
        }
        return true;
    }

    /** Where the C string of a line ends: at its first NUL byte, else at the line's end. */
    private static int cStringEnd(byte[] d, Line line) {
        int end = line.start() + line.length();
        for (int i = line.start(); i < end; i++) {
            if (d[i] == 0) {
                return i;
            }
        }
        return end;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
