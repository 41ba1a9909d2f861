package io.github.relstoragepacker.collect;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * Failures that say nothing about the data and pass by themselves: the connection was lost or refused
 * (SQLSTATE class 08), the server is shutting down or restarting (57P01 to 57P03), too many connections
 * (53300), or the pool had none to give for a while. A batch that failed that way rolled back whole, so
 * trying again is always safe.
 */
final class TransientFailure {

    private static final Set<String> STATES = Set.of("57P01", "57P02", "57P03", "53300");

    private TransientFailure() {}

    static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException e && e.getSQLState() != null) {
                String state = e.getSQLState();
                if (state.startsWith("08") || STATES.contains(state)) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The innermost message, for one log line. */
    static String describe(Throwable failure) {
        Throwable inner = failure;
        while (inner.getCause() != null && inner.getCause() != inner) {
            inner = inner.getCause();
        }
        return String.valueOf(inner.getMessage());
    }
}
