package io.github.relstoragepacker.collect;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Which garbage is old enough to go: unreachable since at or before {@code cutoff}.
 *
 * <p>"Since" is only known from the moment the index watches. An object already unreferenced when the
 * index was built got the build's snapshot tid, and an object the first mark after the build found
 * unreachable got that mark's watermark (and {@code history_unknown}): for both, the real time is
 * unknown and earlier. By default they count from those tids, so a fresh index never shortens
 * anybody's grace. On explicit request ({@code objectTidForUnknownHistory}), such objects go when
 * their own state is older than the cutoff: zodbpack's rule for its {@code --days}, a weaker
 * guarantee, since an object written long ago may have been unlinked a minute before the build.
 * Objects whose loss of their last referrer the index saw always count from that moment.
 *
 * @param cutoff the newest "since" tid that may go
 * @param objectTidForUnknownHistory apply zodbpack's rule to objects of unknown history
 * @param buildSnapshotTid the build's snapshot tid ("since" of objects unreferenced at the build)
 */
record Eligibility(long cutoff, boolean objectTidForUnknownHistory, long buildSnapshotTid) {

    /**
     * The condition on garbage row {@code u} of {@code packer.unreferenced} (or, when {@code
     * unreachable}, of {@code packer.unreachable}), whose object row is {@code o}.
     */
    String sql(String u, String o, boolean unreachable) {
        if (!objectTidForUnknownHistory) {
            return u + ".since_tid <= ?";
        }
        String unknown = unreachable ? "(" + u + ".since_tid = ? OR " + u + ".history_unknown)" : u + ".since_tid = ?";
        return "(" + u + ".since_tid <= ? OR (" + unknown + " AND " + o + ".tid <= ?))";
    }

    /** Binds the parameters of {@link #sql} from {@code index}; returns the next parameter index. */
    int bind(PreparedStatement st, int index) throws SQLException {
        st.setLong(index++, cutoff);
        if (objectTidForUnknownHistory) {
            st.setLong(index++, buildSnapshotTid);
            st.setLong(index++, cutoff);
        }
        return index;
    }
}
