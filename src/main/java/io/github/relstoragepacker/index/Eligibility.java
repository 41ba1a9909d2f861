package io.github.relstoragepacker.index;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Which garbage is old enough to go: unreachable since at or before {@code cutoff}.
 *
 * <p>"Since" is only known from the moment the index watches. An object already unreferenced when the
 * index was built got the build's time (the wall clock when it read its snapshot, as a tid), and an
 * object the first mark after the build found unreachable got that mark's watermark, or the build's
 * time if later (and {@code history_unknown}): for both, the real time is unknown and earlier. By default they count from those tids, so a fresh index never shortens
 * anybody's grace. On explicit request ({@code objectTidForUnknownHistory}), such objects go when
 * their own state is older than the cutoff: zodbpack's rule for its {@code --days}, a weaker
 * guarantee, since an object written long ago may have been unlinked a minute before the build.
 * Objects whose loss of their last referrer the index saw always count from that moment.
 *
 * @param cutoff the newest "since" tid that may go
 * @param objectTidForUnknownHistory apply zodbpack's rule to objects of unknown history
 * @param buildSinceTid the build's time as a tid ("since" of objects unreferenced at the build)
 * @param blobHold whether blob removal is on hold (the collector's blob directory guard): garbage owning blob
 *     files in the shared blob directory is then kept, whatever its age
 */
public record Eligibility(long cutoff, boolean objectTidForUnknownHistory, long buildSinceTid, boolean blobHold) {

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

    /**
     * While blob removal is on hold, the condition (to append with its {@code AND}) that keeps garbage row
     * {@code u} whose object row {@code o} is a blob record with its data outside the database; an empty
     * string otherwise. Such objects reference nothing, so keeping them keeps no other garbage.
     */
    String notHeld(String u, String o) {
        return blobHold
                ? " AND NOT (" + o + ".class_id = " + IndexSchema.BLOB_CLASS_ID
                        + " AND NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = " + u + ".zoid))"
                : "";
    }

    /** {@link #notHeld} for the object {@code zoid} names (an SQL expression), whatever its rows. */
    String notHeldZoid(String zoid) {
        return blobHold
                ? " AND NOT EXISTS (SELECT 1 FROM packer.object h WHERE h.zoid = " + zoid + " AND h.class_id = "
                        + IndexSchema.BLOB_CLASS_ID + " AND NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = "
                        + zoid + "))"
                : "";
    }

    /** Whether {@link #sql} or {@link #notHeld} reads the object row {@code o}. */
    boolean readsObject() {
        return objectTidForUnknownHistory || blobHold;
    }

    /** Binds the parameters of {@link #sql} from {@code index}; returns the next parameter index. */
    int bind(PreparedStatement st, int index) throws SQLException {
        st.setLong(index++, cutoff);
        if (objectTidForUnknownHistory) {
            st.setLong(index++, buildSinceTid);
            st.setLong(index++, cutoff);
        }
        return index;
    }
}
