package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.postgresql.Driver;

/**
 * Whatever awkward characters a password, user or database name holds, a connection string written
 * the way libpq documents (quoted and escaped, or percent-encoded in a URI) reads back to the same
 * keywords, and the JDBC URL PgJDBC parses names the same database and never holds the password.
 */
class DsnRoundTripPropertiesTest {

    record Connection(String host, String dbname, String user, String password) {}

    @Provide
    Arbitrary<Connection> connections() {
        Arbitrary<String> awkward = Arbitraries.strings()
                .withCharRange(' ', '~')
                .withChars('\t', '\n', 'é', 'ß', '€', '漢')
                .ofMinLength(1)
                .ofMaxLength(24);
        Arbitrary<String> host =
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
        return Combinators.combine(host, awkward, awkward, awkward).as(Connection::new);
    }

    @Property
    void keywordValueStringsReadBack(@ForAll("connections") Connection c) {
        String dsn = "host=%s dbname=%s   user = %s password=%s"
                .formatted(quote(c.host()), quote(c.dbname()), quote(c.user()), quote(c.password()));

        assertThat(LibpqDsn.parse(dsn)).isEqualTo(keywords(c));
    }

    @Property
    void urisReadBack(@ForAll("connections") Connection c) {
        String uri = "postgresql://%s:%s@%s/%s"
                .formatted(percent(c.user()), percent(c.password()), c.host(), percent(c.dbname()));

        assertThat(LibpqDsn.parse(uri)).isEqualTo(keywords(c));
    }

    @Property
    void pgJdbcReadsTheTranslationBack(@ForAll("connections") Connection c) {
        JdbcConnection connection = PgJdbcTranslator.translate(keywords(c), null);
        Properties parsed = Driver.parseURL(connection.url(), new Properties());

        assertThat(parsed).isNotNull();
        assertThat(parsed.getProperty("PGDBNAME")).isEqualTo(c.dbname());
        assertThat(parsed.getProperty("PGHOST")).isEqualTo(c.host());
        assertThat(parsed.getProperty("password")).isNull();
        assertThat(connection.username()).isEqualTo(c.user());
        assertThat(connection.password()).isEqualTo(c.password());
    }

    private static Map<String, String> keywords(Connection c) {
        Map<String, String> keywords = new LinkedHashMap<>();
        keywords.put("host", c.host());
        keywords.put("dbname", c.dbname());
        keywords.put("user", c.user());
        keywords.put("password", c.password());
        return keywords;
    }

    /** libpq's quoting: single quotes around, backslash before quote and backslash. */
    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String percent(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
