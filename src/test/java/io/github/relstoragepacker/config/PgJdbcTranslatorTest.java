package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.Driver;

/** libpq keywords to PgJDBC, read back with PgJDBC's own URL parser. */
class PgJdbcTranslatorTest {

    @TempDir
    Path dir;

    private JdbcConnection translate(String dsn) {
        return PgJdbcTranslator.translate(LibpqDsn.parse(dsn), null);
    }

    private static Properties asPgJdbcReadsIt(JdbcConnection connection) {
        Properties parsed = Driver.parseURL(connection.url(), new Properties());
        assertThat(parsed).as("PgJDBC cannot parse " + connection.url()).isNotNull();
        return parsed;
    }

    @Test
    void translatesTheUsualKeywords() {
        JdbcConnection connection = translate("dbname='plone site' user=plone host=db port=5433 password='se cret'"
                + " sslmode=verify-full sslrootcert=/etc/ssl/root.crt sslcert=/c.crt sslkey=/c.key connect_timeout=10"
                + " options='-c search_path=zodb,public'");

        assertThat(connection.username()).isEqualTo("plone");
        assertThat(connection.password()).isEqualTo("se cret");
        assertThat(connection.url())
                .doesNotContain("se cret")
                .doesNotContain("se+cret")
                .doesNotContain("user=");
        Properties parsed = asPgJdbcReadsIt(connection);
        assertThat(parsed.getProperty("PGHOST")).isEqualTo("db");
        assertThat(parsed.getProperty("PGPORT")).isEqualTo("5433");
        assertThat(parsed.getProperty("PGDBNAME")).isEqualTo("plone site");
        assertThat(parsed.getProperty("sslmode")).isEqualTo("verify-full");
        assertThat(parsed.getProperty("sslrootcert")).isEqualTo("/etc/ssl/root.crt");
        assertThat(parsed.getProperty("sslcert")).isEqualTo("/c.crt");
        assertThat(parsed.getProperty("sslkey")).isEqualTo("/c.key");
        assertThat(parsed.getProperty("connectTimeout")).isEqualTo("10");
        assertThat(parsed.getProperty("options")).isEqualTo("-c search_path=zodb,public");
        assertThat(connection.warnings()).isEmpty();
    }

    @Test
    void severalHostsBecomeAMultiHostUrl() {
        JdbcConnection connection =
                translate("host=a,b,::1 port=5432,5433, dbname=plone user=plone target_session_attrs=read-write"
                        + " load_balance_hosts=random keepalives=1");

        assertThat(connection.url())
                .startsWith("jdbc:postgresql://a:5432,b:5433,[::1]:5432/plone?")
                .contains("targetServerType=primary", "loadBalanceHosts=true", "tcpKeepAlive=true");
        Properties parsed = asPgJdbcReadsIt(connection);
        assertThat(parsed.getProperty("PGHOST")).isEqualTo("a,b,[::1]");
        assertThat(parsed.getProperty("PGPORT")).isEqualTo("5432,5433,5432");
        assertThat(translate("host=a,b port=6000 user=u").url()).startsWith("jdbc:postgresql://a:6000,b:6000/u");
    }

    @Test
    void uriFormTranslatesToo() {
        JdbcConnection connection = translate("postgresql://plone:p%40ss@db:5432/plone?sslmode=require");

        assertThat(connection.url()).isEqualTo("jdbc:postgresql://db:5432/plone?sslmode=require");
        assertThat(connection.username()).isEqualTo("plone");
        assertThat(connection.password()).isEqualTo("p@ss");
    }

    @Test
    void secretDriverPropertiesStayOutOfTheUrl() {
        JdbcConnection connection = translate("dbname=plone user=plone sslkey=/k.p12 sslpassword=topsecret");

        assertThat(connection.url()).doesNotContain("topsecret");
        assertThat(connection.secretProperties()).containsEntry("sslpassword", "topsecret");
        assertThat(connection.toString()).doesNotContain("topsecret");
    }

    @Test
    void defaultsFollowLibpqWhereTheyCanAndSayWhereTheyCannot() {
        JdbcConnection connection = translate("user=zope");

        assertThat(connection.url()).isEqualTo("jdbc:postgresql://localhost:5432/zope");
        assertThat(connection.password()).isNull();
        assertThat(connection.warnings()).singleElement().asString().contains("no host");
        assertThatThrownBy(() -> translate("host=db"))
                .isInstanceOf(InvalidDsnException.class)
                .hasMessageContaining("neither dbname nor user");
        assertThat(translate("dbname=plone").username()).isNull();
    }

    @Test
    void harmlessKeywordsAreIgnoredWithAWarningNamingThem() {
        JdbcConnection connection =
                translate("dbname=plone user=plone application_name=plone client_encoding=UTF8 keepalives_idle=60");

        assertThat(connection.url()).isEqualTo("jdbc:postgresql://localhost:5432/plone");
        assertThat(connection.warnings())
                .anySatisfy(w -> assertThat(w).contains("application_name is ignored"))
                .anySatisfy(w -> assertThat(w).contains("client_encoding is ignored"))
                .anySatisfy(w -> assertThat(w).contains("keepalives_idle is ignored"));
    }

    @Test
    void refusesWhatCannotBeHonouredNamingTheKeyword() {
        assertThatThrownBy(() -> translate("dbname=plone frobnicate=1"))
                .isInstanceOf(InvalidDsnException.class)
                .hasMessageStartingWith("the keyword \"frobnicate\" is not supported");
        assertThatThrownBy(() -> translate("dbname=plone sslcrl=/crl.pem"))
                .hasMessageContaining("\"sslcrl\"")
                .hasMessageContaining("revocation");
        assertThatThrownBy(() -> translate("service=plone")).hasMessageContaining("pg_service.conf");
        assertThatThrownBy(() -> translate("host=/var/run/postgresql dbname=plone"))
                .hasMessageContaining("host /var/run/postgresql is a Unix-domain socket");
        assertThatThrownBy(() -> translate("dbname=plone sslmode=required"))
                .hasMessageContaining("sslmode=required is not valid");
        assertThatThrownBy(() -> translate("dbname=plone port=54x32")).hasMessageContaining("port \"54x32\"");
        assertThatThrownBy(() -> translate("host=a,b,c port=1,2 dbname=plone"))
                .hasMessageContaining("2 ports for 3 hosts");
        assertThatThrownBy(() -> translate("dbname=plone target_session_attrs=standby"))
                .hasMessageContaining("writable primary");
        assertThatThrownBy(() -> translate("dbname=plone connect_timeout=soon"))
                .hasMessageContaining("connect_timeout");
    }

    @Test
    void aPrivatePasswordFileSuppliesAMissingPassword() throws IOException {
        Path passfile = dir.resolve("pgpass");
        Files.writeString(passfile, """
                # host:port:database:user:password
                other:5432:*:plone:wrong
                db:5432:plone:plone:pa\\:ss:word
                *:*:*:*:fallback
                """);
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));

        JdbcConnection connection =
                PgJdbcTranslator.translate(LibpqDsn.parse("host=db dbname=plone user=plone"), passfile);

        assertThat(connection.password()).isEqualTo("pa:ss:word");
        assertThat(connection.notes()).singleElement().asString().contains("line 3");
        assertThat(PgJdbcTranslator.translate(LibpqDsn.parse("host=x dbname=y user=z"), passfile)
                        .password())
                .isEqualTo("fallback");
        assertThat(PgJdbcTranslator.translate(
                                LibpqDsn.parse("host=db dbname=plone user=plone passfile=" + dir.resolve("none")),
                                passfile)
                        .password())
                .isNull();
        assertThat(PgJdbcTranslator.translate(
                                LibpqDsn.parse("host=db dbname=plone user=plone password=given"), passfile)
                        .password())
                .isEqualTo("given");
    }

    @Test
    void aPasswordFileOthersMayReadIsIgnoredAsLibpqIgnoresIt() throws IOException {
        Path passfile = dir.resolve("pgpass");
        Files.writeString(passfile, "*:*:*:*:leaked\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-r--r--"));

        JdbcConnection connection =
                PgJdbcTranslator.translate(LibpqDsn.parse("host=db dbname=plone user=plone"), passfile);

        assertThat(connection.password()).isNull();
        assertThat(connection.warnings()).singleElement().asString().contains("chmod 0600");
    }
}
