package io.github.relstoragepacker.relstorage;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Sessions outside the connection pool, for session-level advisory locks: a pooled connection
 * "closed" by its user goes back to the pool with its session, and its locks, still alive.
 */
public final class DedicatedSessions {

    private DedicatedSessions() {}

    /** A data source with the settings of {@code dataSource} whose connections are real sessions. */
    public static DataSource of(DataSource dataSource) {
        if (!(dataSource instanceof HikariDataSource hikari)) {
            return dataSource;
        }
        SimpleDriverDataSource direct = new SimpleDriverDataSource(new org.postgresql.Driver(), hikari.getJdbcUrl());
        Properties props = new Properties();
        props.putAll(hikari.getDataSourceProperties());
        if (hikari.getUsername() != null) {
            props.setProperty("user", hikari.getUsername());
        }
        if (hikari.getPassword() != null) {
            props.setProperty("password", hikari.getPassword());
        }
        direct.setConnectionProperties(props);
        return direct;
    }
}
