package io.github.relstoragepacker.index;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The blob records the index knows (class {@code ZODB.blob.Blob}, found through the partial index
 * {@code packer.object_blob}), for the check of a shared blob directory.
 */
public final class BlobRecords {

    private BlobRecords() {}

    /**
     * Up to {@code size} blob records whose data is not in the database ({@code blob_chunk}), spread
     * evenly over their zoid range, as {zoid, committed tid} in zoid order.
     */
    public static List<long[]> sample(Connection c, int size) throws SQLException {
        String blob = "o.class_id = " + IndexSchema.BLOB_CLASS_ID;
        List<long[]> sample = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("WITH b AS (SELECT min(zoid) AS lo, max(zoid) AS hi"
                + " FROM packer.object o WHERE " + blob + ")"
                + " SELECT DISTINCT s.zoid, s.tid FROM b, generate_series(0, ? - 1) AS g(i)"
                + " CROSS JOIN LATERAL (SELECT o.zoid FROM packer.object o WHERE " + blob
                + " AND o.zoid >= b.lo + ((b.hi - b.lo)::numeric * g.i / ?)::bigint ORDER BY o.zoid LIMIT 1) p"
                + " JOIN object_state s ON s.zoid = p.zoid"
                + " WHERE NOT EXISTS (SELECT 1 FROM blob_chunk k WHERE k.zoid = s.zoid)"
                + " ORDER BY s.zoid")) {
            st.setInt(1, size);
            st.setInt(2, size);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    sample.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
        }
        return sample;
    }
}
