package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** libpq's two connection string forms, as its documentation describes them. */
class LibpqDsnTest {

    @Test
    void readsKeywordValuePairs() {
        assertThat(LibpqDsn.parse("dbname=plone user=plone host=db port=5432 sslmode=require"))
                .containsExactly(
                        entry("dbname", "plone"),
                        entry("user", "plone"),
                        entry("host", "db"),
                        entry("port", "5432"),
                        entry("sslmode", "require"));
    }

    @Test
    void quotesAndBackslashesFollowLibpq() {
        assertThat(LibpqDsn.parse("password='se cret' user = 'o\\'brien' dbname='' options='-c a=b\\\\c'"))
                .containsExactly(
                        entry("password", "se cret"),
                        entry("user", "o'brien"),
                        entry("dbname", ""),
                        entry("options", "-c a=b\\c"));
        assertThat(LibpqDsn.parse("password=a\\ b\\'c")).containsExactly(entry("password", "a b'c"));
        assertThat(LibpqDsn.parse("password=it's")).containsExactly(entry("password", "it's"));
    }

    @Test
    void theLastOfARepeatedKeywordWins() {
        assertThat(LibpqDsn.parse("host=a host=b")).containsExactly(entry("host", "b"));
    }

    @Test
    void refusesMalformedStringsWithoutQuotingValues() {
        assertThatThrownBy(() -> LibpqDsn.parse("dbname=plone hunter2"))
                .isInstanceOf(InvalidDsnException.class)
                .hasMessage("missing \"=\" after \"hunter2\" (a dsn is keyword=value pairs separated by spaces)");
        assertThatThrownBy(() -> LibpqDsn.parse("password='hunter2"))
                .isInstanceOf(InvalidDsnException.class)
                .hasMessage("the quoted value of \"password\" has no closing quote");
    }

    @Test
    void readsUris() {
        assertThat(LibpqDsn.parse("postgresql://plone:s%40cret%3A@db.example.org:5433/plone%20site?sslmode=require"
                        + "&application_name=x"))
                .containsExactly(
                        entry("user", "plone"),
                        entry("password", "s@cret:"),
                        entry("host", "db.example.org"),
                        entry("port", "5433"),
                        entry("dbname", "plone site"),
                        entry("sslmode", "require"),
                        entry("application_name", "x"));
        assertThat(LibpqDsn.parse("postgres://db/plone?ssl=true"))
                .containsExactly(entry("host", "db"), entry("dbname", "plone"), entry("sslmode", "require"));
        assertThat(LibpqDsn.parse("postgresql://")).isEmpty();
        assertThat(LibpqDsn.parse("postgresql://a+b@")).containsExactly(entry("user", "a+b"));
    }

    @Test
    void readsSeveralHostsAndIpv6AddressesInUris() {
        assertThat(LibpqDsn.parse("postgresql://host1:123,[::1],host3:5432/db"))
                .containsExactly(entry("host", "host1,::1,host3"), entry("port", "123,,5432"), entry("dbname", "db"));
        assertThat(LibpqDsn.parse("postgresql://[2001:db8::1]:6543"))
                .containsExactly(entry("host", "2001:db8::1"), entry("port", "6543"));
        assertThat(LibpqDsn.parse("postgresql://%2Fvar%2Frun%2Fpostgresql/plone"))
                .containsExactly(entry("host", "/var/run/postgresql"), entry("dbname", "plone"));
    }

    @Test
    void refusesBrokenPercentEncoding() {
        assertThatThrownBy(() -> LibpqDsn.parse("postgresql://u:p%zz@h/db"))
                .isInstanceOf(InvalidDsnException.class)
                .hasMessage("invalid percent-encoding in the URI's password");
        assertThatThrownBy(() -> LibpqDsn.parse("postgresql://h/db%00"))
                .hasMessage("the URI's dbname contains %00, which libpq refuses");
        assertThatThrownBy(() -> LibpqDsn.parse("postgresql://h/db%ff"))
                .hasMessage("the URI's dbname is not percent-encoded UTF-8");
        assertThatThrownBy(() -> LibpqDsn.parse("postgresql://h/db?sslmode")).hasMessageContaining("has no \"=\"");
    }

    private static java.util.Map.Entry<String, String> entry(String key, String value) {
        return java.util.Map.entry(key, value);
    }
}
