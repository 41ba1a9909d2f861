package io.github.relstoragepacker.relstorage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The moment by which a transaction holding RelStorage's commit lock must be done with its work, so
 * that a Plone commit queued behind it waits at most that long. Every statement under the lock is
 * {@linkplain #limit limited} to the time left ({@code SET LOCAL statement_timeout}): PostgreSQL cancels
 * one that would run past the moment, and one that would start after it is never sent. Both fail with
 * SQLSTATE 57014 ({@link #isExpiry}), and the caller rolls back. Only the COMMIT (or that ROLLBACK) may
 * end after the moment: a transaction cannot be half committed. A statement that would wait for a lock
 * for half of the time left fails sooner, with a lock timeout (55P03): under the commit lock nothing may
 * wait for anybody, so that is an error to report, not a batch to shrink.
 */
public final class HoldDeadline {

    /** SQLSTATE query_canceled: what PostgreSQL reports for a statement timeout. */
    static final String QUERY_CANCELED = "57014";

    /** No limit: for the same statements outside the commit lock. */
    public static final HoldDeadline NONE = new HoldDeadline(Long.MAX_VALUE, System::nanoTime);

    private final long deadlineNanos;
    private final LongSupplier ticker;

    private HoldDeadline(long deadlineNanos, LongSupplier ticker) {
        this.deadlineNanos = deadlineNanos;
        this.ticker = ticker;
    }

    /** A deadline {@code limit} from now, as {@code ticker} (nanoseconds, like {@link System#nanoTime}) counts. */
    public static HoldDeadline after(Duration limit, LongSupplier ticker) {
        return new HoldDeadline(ticker.getAsLong() + limit.toNanos(), ticker);
    }

    /** Nanoseconds left; negative once passed. */
    public long remainingNanos() {
        return this == NONE ? Long.MAX_VALUE : deadlineNanos - ticker.getAsLong();
    }

    /**
     * Gives the next statement of {@code transaction} only the time left, whole milliseconds rounded
     * down; fails without sending it when less than a millisecond is left. A {@code SET LOCAL} holds
     * for the rest of the transaction, so call this before every statement that may take time.
     */
    public void limit(Connection transaction) throws SQLException {
        if (this == NONE) {
            return;
        }
        long millis = remainingNanos() / 1_000_000;
        if (millis < 1) {
            throw new SQLException("the commit lock's hold limit has passed", QUERY_CANCELED);
        }
        try (Statement st = transaction.createStatement()) {
            st.execute("SET LOCAL statement_timeout = " + millis + "; SET LOCAL lock_timeout = "
                    + Math.max(1, millis / 2));
        }
    }

    /**
     * Runs {@code sql} through {@code st} limited to the time left, in one round trip with the limit
     * ({@code SET LOCAL} statements sent together with it); returns its result set. {@code sql} may itself
     * start with further {@code SET LOCAL} statements.
     */
    public ResultSet query(Statement st, String sql) throws SQLException {
        boolean result = st.execute(this == NONE ? sql : settings() + sql);
        while (!result && st.getUpdateCount() != -1) {
            result = st.getMoreResults();
        }
        if (!result) {
            throw new SQLException("no result set from: " + sql);
        }
        return st.getResultSet();
    }

    private String settings() throws SQLException {
        long millis = remainingNanos() / 1_000_000;
        if (millis < 1) {
            throw new SQLException("the commit lock's hold limit has passed", QUERY_CANCELED);
        }
        return "SET LOCAL statement_timeout = " + millis + "; SET LOCAL lock_timeout = " + Math.max(1, millis / 2)
                + "; ";
    }

    /** The failure of a wait under the commit lock that would have run past the deadline, as an expiry. */
    public static SQLException expired(String what) {
        return new SQLException("the commit lock's hold limit has passed: " + what, QUERY_CANCELED);
    }

    /** Whether {@code e} says a statement ran out of this kind of deadline. */
    public static boolean isExpiry(SQLException e) {
        return QUERY_CANCELED.equals(e.getSQLState());
    }
}
