package io.github.relstoragepacker.config;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a libpq connection string becomes for PgJDBC.
 *
 * @param url the JDBC URL; never contains a user name or password
 * @param username the role to log in as, or null when the connection string names none
 * @param password the password, or null when neither the string nor a password file gives one
 * @param secretProperties driver properties that are secrets (such as {@code sslpassword}), to be
 *     passed as data source properties rather than in the URL
 * @param notes what was looked up on the way, in sentences for an INFO log line
 * @param warnings what was ignored or adapted on the way, in sentences for a WARN log line
 */
record JdbcConnection(
        String url,
        @Nullable String username,
        @Nullable String password,
        Map<String, String> secretProperties,
        List<String> notes,
        List<String> warnings) {

    @Override
    public String toString() {
        return "JdbcConnection[url=%s, username=%s, password=%s, secretProperties=%s]"
                .formatted(url, username, password == null ? "none" : "(secret)", secretProperties.keySet());
    }
}
