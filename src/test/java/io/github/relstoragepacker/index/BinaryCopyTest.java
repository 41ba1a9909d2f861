package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Binary COPY as the index loads it, read back by PostgreSQL: buffers flushed mid-row, oversized fields. */
class BinaryCopyTest {

    @Test
    void rowsOfEveryLoadedTypeArriveAsSentWhateverTheirSize() throws Exception {
        long[] wide = LongStream.range(0, 40_000).map(i -> i * 3 - 7).toArray();
        try (IndexHarness h = new IndexHarness("binarycopy");
                Connection c = h.dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE copied (n bigint, i integer, a bigint[])");
            try (BinaryCopy copy = new BinaryCopy(c, "copied", "n, i, a")) {
                for (int n = 0; n < 30_000; n++) {
                    copy.row(3).int8(Long.MIN_VALUE + n).int4(-n).int8Array(new long[] {n, n + 1});
                }
                copy.row(3).int8(-1).int4(Integer.MAX_VALUE).int8Array(wide);
                copy.row(3).int8(-2).int4(0).int8Array(new long[0]);
                assertThat(copy.finish()).isEqualTo(30_002);
            }

            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*), min(n), min(i), sum(a[2] - a[1]) FROM copied" + " WHERE n < -2")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(30_000);
                assertThat(rs.getLong(2)).isEqualTo(Long.MIN_VALUE);
                assertThat(rs.getInt(3)).isEqualTo(-29_999);
                assertThat(rs.getLong(4)).isEqualTo(30_000);
            }
            try (ResultSet rs = st.executeQuery("SELECT i, a FROM copied WHERE n = -1")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(Integer.MAX_VALUE);
                Array array = rs.getArray(2);
                assertThat((Long[]) array.getArray())
                        .containsExactly(LongStream.of(wide).boxed().toArray(Long[]::new));
            }
            try (ResultSet rs = st.executeQuery("SELECT a IS NULL FROM copied WHERE n = -2")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("no references: NULL").isTrue();
            }
        }
    }
}
