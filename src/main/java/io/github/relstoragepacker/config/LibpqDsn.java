package io.github.relstoragepacker.config;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a libpq connection string (what RelStorage's {@code <postgresql> dsn} hands to psycopg) into
 * its keywords, in either of libpq's two forms:
 *
 * <ul>
 *   <li>keyword/value: {@code host=db dbname=plone password='it''s'}: white space around {@code =} is
 *       allowed; a value is either a run of non-space characters or single-quoted; in both, a
 *       backslash takes the next character literally ({@code \'}, {@code \\}); {@code ''} is empty;
 *   <li>URI: {@code postgresql://user:password@host1:5432,host2/dbname?sslmode=require} (or
 *       {@code postgres://}); every part is percent-decoded, {@code [..]} encloses an IPv6 address,
 *       several hosts become comma-separated {@code host} and {@code port} values as libpq makes
 *       them, and the query's {@code ssl=true} means {@code sslmode=require}.
 * </ul>
 *
 * A keyword given twice keeps its last value, as in libpq. Which keywords are meaningful is the
 * translator's business ({@link PgJdbcTranslator}); this class only splits.
 */
final class LibpqDsn {

    private LibpqDsn() {}

    /** The keywords of {@code dsn} in order of first appearance. */
    static Map<String, String> parse(String dsn) {
        String trimmed = dsn.strip();
        if (trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://")) {
            return parseUri(trimmed);
        }
        return parseKeywordValue(dsn);
    }

    private static Map<String, String> parseKeywordValue(String dsn) {
        Map<String, String> keywords = new LinkedHashMap<>();
        int i = 0;
        int n = dsn.length();
        while (true) {
            i = skipSpace(dsn, i);
            if (i >= n) {
                return keywords;
            }
            int start = i;
            while (i < n && dsn.charAt(i) != '=' && !Character.isWhitespace(dsn.charAt(i))) {
                i++;
            }
            String keyword = dsn.substring(start, i);
            i = skipSpace(dsn, i);
            if (i >= n || dsn.charAt(i) != '=') {
                throw new InvalidDsnException(
                        "missing \"=\" after \"%s\" (a dsn is keyword=value pairs separated by spaces)"
                                .formatted(keyword));
            }
            i = skipSpace(dsn, i + 1);
            StringBuilder value = new StringBuilder();
            if (i < n && dsn.charAt(i) == '\'') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidDsnException(
                                "the quoted value of \"%s\" has no closing quote".formatted(keyword));
                    }
                    char c = dsn.charAt(i++);
                    if (c == '\'') {
                        break;
                    }
                    if (c == '\\' && i < n) {
                        c = dsn.charAt(i++);
                    }
                    value.append(c);
                }
            } else {
                while (i < n && !Character.isWhitespace(dsn.charAt(i))) {
                    char c = dsn.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = dsn.charAt(i++);
                    }
                    value.append(c);
                }
            }
            keywords.put(keyword, value.toString());
        }
    }

    private static int skipSpace(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static Map<String, String> parseUri(String uri) {
        Map<String, String> keywords = new LinkedHashMap<>();
        String rest = uri.substring(uri.indexOf("://") + 3);
        int query = rest.indexOf('?');
        String queryPart = query < 0 ? null : rest.substring(query + 1);
        rest = query < 0 ? rest : rest.substring(0, query);

        int slash = rest.indexOf('/');
        int at = rest.indexOf('@');
        if (at >= 0 && (slash < 0 || at < slash)) {
            String userInfo = rest.substring(0, at);
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                keywords.put("user", decode(user, "user"));
            }
            if (colon >= 0) {
                keywords.put("password", decode(userInfo.substring(colon + 1), "password"));
            }
            rest = rest.substring(at + 1);
            slash = rest.indexOf('/');
        }
        String hostSpec = slash < 0 ? rest : rest.substring(0, slash);
        if (!hostSpec.isEmpty()) {
            hosts(hostSpec, keywords);
        }
        if (slash >= 0 && slash + 1 < rest.length()) {
            keywords.put("dbname", decode(rest.substring(slash + 1), "dbname"));
        }
        if (queryPart != null && !queryPart.isEmpty()) {
            for (String parameter : queryPart.split("&")) {
                int equals = parameter.indexOf('=');
                if (equals < 0) {
                    throw new InvalidDsnException(
                            "URI query parameter \"%s\" has no \"=\"".formatted(decode(parameter, "query")));
                }
                String keyword = decode(parameter.substring(0, equals), "query");
                String value = decode(parameter.substring(equals + 1), keyword);
                if (keyword.equals("ssl") && value.equals("true")) {
                    keywords.put("sslmode", "require");
                } else {
                    keywords.put(keyword, value);
                }
            }
        }
        return keywords;
    }

    private static void hosts(String hostSpec, Map<String, String> keywords) {
        List<String> hosts = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        for (String entry : hostSpec.split(",", -1)) {
            int portColon;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0 || (close + 1 < entry.length() && entry.charAt(close + 1) != ':')) {
                    throw new InvalidDsnException("an IPv6 host address in the URI is not enclosed in [...]");
                }
                hosts.add(decode(entry.substring(1, close), "host"));
                portColon = close + 1 < entry.length() ? close + 1 : -1;
            } else {
                portColon = entry.lastIndexOf(':');
                hosts.add(decode(portColon < 0 ? entry : entry.substring(0, portColon), "host"));
            }
            ports.add(portColon < 0 ? "" : decode(entry.substring(portColon + 1), "port"));
        }
        keywords.put("host", String.join(",", hosts));
        if (ports.stream().anyMatch(port -> !port.isEmpty())) {
            keywords.put("port", String.join(",", ports));
        }
    }

    /** Percent-decodes as libpq does: {@code %XX} only, {@code +} stays a plus, {@code %00} is refused. */
    private static String decode(String text, String part) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '%') {
                out.write(in[i]);
                continue;
            }
            int value = i + 2 < in.length ? Character.digit(in[i + 1], 16) << 4 | Character.digit(in[i + 2], 16) : -1;
            if (value < 0) {
                throw new InvalidDsnException("invalid percent-encoding in the URI's %s".formatted(part));
            }
            if (value == 0) {
                throw new InvalidDsnException("the URI's %s contains %%00, which libpq refuses".formatted(part));
            }
            out.write(value);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDsnException("the URI's %s is not percent-encoded UTF-8".formatted(part));
        }
    }
}
