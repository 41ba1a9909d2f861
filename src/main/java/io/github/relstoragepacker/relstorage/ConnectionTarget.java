package io.github.relstoragepacker.relstorage;

import com.zaxxer.hikari.HikariDataSource;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;

/**
 * The server, database and role a data source connects to, so that a failed connection can be
 * explained by naming them (never the password) and what to check. The kind of failure is read from
 * the SQLState PostgreSQL and PgJDBC set (and the network exception below it), not from message text,
 * which depends on the server's language.
 *
 * @param host the host(s) of the JDBC URL, or "?" when the data source does not tell
 * @param port the port(s) of the JDBC URL
 * @param database the database of the JDBC URL
 * @param user the role, or "?" when none is configured
 */
public record ConnectionTarget(String host, String port, String database, String user) {

    /** The target of {@code dataSource}, as far as its configuration tells. */
    public static ConnectionTarget of(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource hikari && hikari.getJdbcUrl() != null) {
            return of(hikari.getJdbcUrl(), hikari.getUsername());
        }
        return new ConnectionTarget("?", "?", "?", "?");
    }

    /** The target of a PgJDBC URL and role. */
    public static ConnectionTarget of(String jdbcUrl, @Nullable String user) {
        Properties url = Driver.parseURL(jdbcUrl, null);
        if (url == null) {
            return new ConnectionTarget("?", "?", "?", user == null ? "?" : user);
        }
        String role = user != null && !user.isBlank() ? user : url.getProperty("user", "?");
        return new ConnectionTarget(
                url.getProperty("PGHOST", "localhost"),
                url.getProperty("PGPORT", "5432"),
                url.getProperty("PGDBNAME", "?"),
                role);
    }

    /**
     * A sentence naming the target, the cause and what to check, or null when {@code failure} is not a
     * failure to connect (a failing statement is the caller's to explain).
     */
    public @Nullable String explain(Throwable failure) {
        SQLException sql = sqlState(failure);
        if (sql == null) {
            return null;
        }
        String target = "PostgreSQL at %s:%s, database %s, user %s".formatted(host, port, database, user);
        return switch (sql.getSQLState()) {
            case "28P01" ->
                "Password authentication failed for %s: check spring.datasource.password (or PGPASSWORD,"
                                .formatted(target)
                        + " the password file, the dsn of packer.relstorage-config) for user " + user + ".";
            case "28000" ->
                ("%s refused the login: pg_hba.conf has no entry for this host, user and database,"
                                + " or role %s does not exist. Add a host line for it to pg_hba.conf (then SELECT"
                                + " pg_reload_conf()), or check spring.datasource.username.")
                        .formatted(target, user);
            case "3D000" ->
                ("Database %s does not exist on PostgreSQL at %s:%s: check the database name in"
                                + " spring.datasource.url (psql -l lists them).")
                        .formatted(database, host, port);
            case "53300" ->
                ("%s has no connection slot left (max_connections): close idle sessions or raise" + " max_connections.")
                        .formatted(target);
            case "57P03" -> "%s is starting up or shutting down: it is retried.".formatted(target);
            default -> network(sql, target);
        };
    }

    private static @Nullable String network(SQLException sql, String target) {
        if (!sql.getSQLState().startsWith("08")) {
            return null;
        }
        Throwable cause = sql.getCause();
        if (cause instanceof ConnectException) {
            return ("Connection refused by %s: is PostgreSQL running there, does its listen_addresses include"
                            + " that address, and does no firewall block the port? Check spring.datasource.url.")
                    .formatted(target);
        }
        if (cause instanceof SocketTimeoutException) {
            return ("No answer in time from %s: check the host name and port in spring.datasource.url, and that"
                            + " no firewall drops the packets.")
                    .formatted(target);
        }
        if (cause instanceof UnknownHostException) {
            return "Unknown host in %s: check the host name in spring.datasource.url.".formatted(target);
        }
        return "Cannot connect to %s (%s, SQLState %s): check spring.datasource.url and the network."
                .formatted(target, sql.getMessage(), sql.getSQLState());
    }

    // The pool and Spring wrap the driver's exception; the first one with a SQLState is the server's word.
    private static @Nullable SQLException sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql;
            }
        }
        return null;
    }
}
