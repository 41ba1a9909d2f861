package io.github.relstoragepacker.config;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates libpq connection keywords ({@link LibpqDsn}) into a PgJDBC connection. Every keyword is
 * accounted for, so that nothing an operator wrote is silently dropped:
 *
 * <ul>
 *   <li>mapped: {@code host}/{@code hostaddr} and {@code port} (lists become PgJDBC's multi-host
 *       URL), {@code dbname} (defaulting to the user, as in libpq), {@code user}, {@code password}
 *       (or, without one, the password file), {@code passfile}, the {@code ssl*} settings PgJDBC
 *       shares, {@code connect_timeout}, {@code options}, {@code keepalives},
 *       {@code target_session_attrs}, {@code load_balance_hosts}, {@code channel_binding},
 *       {@code gssencmode}, {@code krbsrvname};
 *   <li>ignored with a note, where they change nothing that matters here: {@code application_name},
 *       {@code fallback_application_name}, {@code client_encoding}, the keepalive timings,
 *       {@code tcp_user_timeout}, {@code sslcompression}, {@code sslsni};
 *   <li>refused, naming the keyword: anything else, including settings that would weaken or change
 *       security if dropped ({@code sslcrl}, {@code require_auth}, ...) and Unix-domain sockets.
 * </ul>
 *
 * User name and password never go into the URL, so the URL can be logged.
 */
final class PgJdbcTranslator {

    private static final int DEFAULT_PORT = 5432;
    private static final String SESSION_NAME = "sessions are named by"
            + " spring.datasource.hikari.data-source-properties.ApplicationName (relstorage-packer), just as"
            + " RelStorage names its own (RS: Load, RS: Store)";
    private static final String KEEPALIVE_TIMING =
            "under JDBC, TCP keepalive timing is the operating system's setting (keepalives=1 is honoured)";
    private static final Map<String, String> IGNORED = Map.of(
            "application_name", SESSION_NAME,
            "fallback_application_name", SESSION_NAME,
            "client_encoding", "the JDBC driver always talks UTF-8 with the server",
            "keepalives_idle", KEEPALIVE_TIMING,
            "keepalives_interval", KEEPALIVE_TIMING,
            "keepalives_count", KEEPALIVE_TIMING,
            "tcp_user_timeout", "connect_timeout and the connection pool's timeouts bound every wait",
            "sslcompression", "PostgreSQL 14 and later never compress TLS traffic",
            "sslsni", "PgJDBC sends the host name for SNI itself");
    /** Keywords passed through as URL parameters, with their PgJDBC names and the values libpq allows. */
    private static final Map<String, Parameter> PARAMETERS = Map.of(
            "sslmode", new Parameter("sslmode", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
            "sslrootcert", new Parameter("sslrootcert"),
            "sslcert", new Parameter("sslcert"),
            "sslkey", new Parameter("sslkey"),
            "connect_timeout", new Parameter("connectTimeout"),
            "options", new Parameter("options"),
            "krbsrvname", new Parameter("kerberosServerName"),
            "channel_binding", new Parameter("channelBinding", "disable", "prefer", "require"),
            "gssencmode", new Parameter("gssEncMode", "disable", "prefer", "require"),
            "sslnegotiation", new Parameter("sslNegotiation", "postgres", "direct"));

    private static final Set<String> HANDLED = Set.of(
            "host",
            "hostaddr",
            "port",
            "dbname",
            "user",
            "password",
            "passfile",
            "sslpassword",
            "keepalives",
            "target_session_attrs",
            "load_balance_hosts");
    private static final Map<String, String> REFUSED = Map.of(
            "service", "pg_service.conf is not read here: write the service's host, port, dbname and user into the dsn",
            "requiressl", "write sslmode=require instead",
            "sslcrl", "PgJDBC cannot check certificate revocation lists, and dropping the check would weaken TLS",
            "sslcrldir", "PgJDBC cannot check certificate revocation lists, and dropping the check would weaken TLS",
            "replication", "relstorage-packer needs an ordinary session, not a replication connection");

    private record Parameter(String jdbcName, String... allowed) {}

    private PgJdbcTranslator() {}

    /**
     * The JDBC connection for {@code keywords}.
     *
     * @param defaultPassFile the password file to read when the keywords carry neither a password nor
     *     {@code passfile} ({@code PGPASSFILE} or {@code ~/.pgpass}), or null for none
     * @throws InvalidDsnException naming the keyword that cannot be translated and why
     */
    static JdbcConnection translate(Map<String, String> keywords, @Nullable Path defaultPassFile) {
        List<String> notes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> urlParameters = new LinkedHashMap<>();
        Map<String, String> secrets = new LinkedHashMap<>();
        for (Map.Entry<String, String> keyword : keywords.entrySet()) {
            String name = keyword.getKey();
            String value = keyword.getValue();
            Parameter parameter = PARAMETERS.get(name);
            if (parameter != null) {
                urlParameters.put(parameter.jdbcName(), allowed(name, value, parameter.allowed()));
            } else if (IGNORED.containsKey(name)) {
                warnings.add("The dsn keyword %s is ignored: %s.".formatted(name, IGNORED.get(name)));
            } else if (!HANDLED.contains(name)) {
                throw new InvalidDsnException(
                        REFUSED.containsKey(name)
                                ? "the keyword \"%s\" is not supported: %s".formatted(name, REFUSED.get(name))
                                : ("the keyword \"%s\" is not supported: it is not a libpq keyword PgJDBC can honour"
                                                + " (supported: host, hostaddr, port, dbname, user, password, passfile,"
                                                + " sslmode, sslrootcert, sslcert, sslkey, sslpassword, connect_timeout,"
                                                + " options, keepalives, target_session_attrs, load_balance_hosts,"
                                                + " channel_binding, gssencmode, krbsrvname, sslnegotiation)")
                                        .formatted(name));
            }
        }
        if (keywords.containsKey("connect_timeout")
                && !keywords.get("connect_timeout").matches("\\d{1,9}")) {
            throw new InvalidDsnException("connect_timeout must be a whole number of seconds");
        }
        if (keywords.containsKey("keepalives")) {
            urlParameters.put(
                    "tcpKeepAlive",
                    String.valueOf(!allowed("keepalives", keywords.get("keepalives"), "0", "1")
                            .equals("0")));
        }
        String sessions = keywords.get("target_session_attrs");
        if (sessions != null) {
            switch (sessions) {
                case "any" -> urlParameters.put("targetServerType", "any");
                case "read-write", "primary" -> urlParameters.put("targetServerType", "primary");
                default ->
                    throw new InvalidDsnException(("target_session_attrs=%s is not supported: relstorage-packer"
                                    + " deletes garbage, so it needs the writable primary (use read-write, primary or any)")
                            .formatted(sessions));
            }
        }
        String balance = keywords.get("load_balance_hosts");
        if (balance != null) {
            urlParameters.put(
                    "loadBalanceHosts",
                    String.valueOf(allowed("load_balance_hosts", balance, "disable", "random")
                            .equals("random")));
        }
        if (keywords.containsKey("sslpassword")) {
            secrets.put("sslpassword", keywords.get("sslpassword"));
        }

        List<String> hosts = hosts(keywords, warnings);
        List<Integer> ports = ports(keywords.get("port"), hosts.size());
        String user = emptyToNull(keywords.get("user"));
        String database = emptyToNull(keywords.get("dbname"));
        if (database == null) {
            if (user == null) {
                throw new InvalidDsnException("the dsn names neither dbname nor user: libpq would use the name of the"
                        + " operating-system user running Plone, which is unknown here; add dbname=... and user=...");
            }
            database = user;
        }
        String password = keywords.get("password");
        if (password == null && user != null) {
            String passfile = keywords.get("passfile");
            Path file = passfile != null ? Path.of(passfile) : defaultPassFile;
            for (int i = 0; i < hosts.size() && password == null && file != null; i++) {
                password = PgPassFile.lookup(file, hosts.get(i), ports.get(i), database, user, notes, warnings);
            }
        }

        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            url.append(i == 0 ? "" : ",")
                    .append(host.contains(":") ? "[" + host + "]" : host)
                    .append(':')
                    .append(ports.get(i));
        }
        url.append('/').append(encode(database));
        String separator = "?";
        for (Map.Entry<String, String> parameter : urlParameters.entrySet()) {
            url.append(separator).append(parameter.getKey()).append('=').append(encode(parameter.getValue()));
            separator = "&";
        }
        return new JdbcConnection(
                url.toString(), user, password, Map.copyOf(secrets), List.copyOf(notes), List.copyOf(warnings));
    }

    private static List<String> hosts(Map<String, String> keywords, List<String> warnings) {
        String hostaddr = emptyToNull(keywords.get("hostaddr"));
        String host = emptyToNull(keywords.get("host"));
        if (hostaddr != null && host != null) {
            warnings.add(("The dsn gives both host and hostaddr: the JDBC driver connects to hostaddr and, with"
                    + " sslmode=verify-full, checks the server certificate against hostaddr, not host."));
        }
        String list = hostaddr != null ? hostaddr : host;
        if (list == null) {
            warnings.add(
                    "The dsn names no host: connecting to localhost over TCP (libpq would use a Unix-domain socket).");
            return List.of("localhost");
        }
        List<String> hosts = new ArrayList<>();
        for (String entry : list.split(",", -1)) {
            String name = entry.strip();
            if (name.startsWith("/") || name.startsWith("@")) {
                throw new InvalidDsnException(("host %s is a Unix-domain socket, which the JDBC driver cannot use:"
                                + " give the server's TCP host name or address (localhost for this machine)")
                        .formatted(name));
            }
            if (name.isEmpty()) {
                warnings.add("An empty entry in the dsn's host list means localhost over TCP here (libpq would use a"
                        + " Unix-domain socket).");
                name = "localhost";
            }
            hosts.add(name);
        }
        return hosts;
    }

    private static List<Integer> ports(@Nullable String value, int hosts) {
        if (value == null || value.isEmpty()) {
            return Collections.nCopies(hosts, DEFAULT_PORT);
        }
        String[] entries = value.split(",", -1);
        if (entries.length != 1 && entries.length != hosts) {
            throw new InvalidDsnException("port lists %d ports for %d hosts; give one port, or one per host"
                    .formatted(entries.length, hosts));
        }
        List<Integer> ports = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            String entry = entries[entries.length == 1 ? 0 : i].strip();
            if (entry.isEmpty()) {
                ports.add(DEFAULT_PORT);
            } else if (entry.matches("\\d{1,5}") && Integer.parseInt(entry) > 0 && Integer.parseInt(entry) < 65536) {
                ports.add(Integer.parseInt(entry));
            } else {
                throw new InvalidDsnException("port \"%s\" is not a TCP port number".formatted(entry));
            }
        }
        return ports;
    }

    private static String allowed(String keyword, String value, String... allowed) {
        if (allowed.length > 0 && !Arrays.asList(allowed).contains(value)) {
            throw new InvalidDsnException(
                    "%s=%s is not valid; libpq allows %s".formatted(keyword, value, String.join(", ", allowed)));
        }
        return value;
    }

    private static @Nullable String emptyToNull(@Nullable String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** Encodes a URL part so that PgJDBC, which decodes with {@link java.net.URLDecoder}, reads it back exactly. */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
