package io.github.relstoragepacker.index;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.relstorage.ObjectStateReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * Recomputes the index from {@code object_state} and reports every difference, from one snapshot of
 * both (the index lives in the same database): read through two sessions sharing an exported
 * snapshot, merged by zoid.
 *
 * <p>Checked: every object with a state tid up to the watermark is indexed, from that very state,
 * with the references the scanner reads now; no indexed object is missing from {@code object_state}
 * (until reconciled); {@code ref} is exactly the inverse of {@code object.refs}; {@code unreferenced}
 * holds exactly the indexed objects without a referrer, the root excepted. States newer than the
 * watermark are not yet due and are skipped. A sample checks the objects whose zoid hashes into the
 * given fraction; the table invariants are always checked whole.
 */
final class IndexVerifier {

    static final int MAX_LISTED = 1000;

    private static final String[][] INVARIANTS = {
        {
            "edge in ref without a matching object.refs entry",
            "SELECT to_zoid, from_zoid FROM packer.ref EXCEPT SELECT unnest(refs), zoid FROM packer.object"
        },
        {
            "object.refs entry without its edge in ref",
            "SELECT unnest(refs), zoid FROM packer.object EXCEPT SELECT to_zoid, from_zoid FROM packer.ref"
        },
        {
            "object without a referrer missing from unreferenced",
            "SELECT zoid, 0 FROM packer.object o WHERE zoid <> 0"
                    + " AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = o.zoid)"
                    + " AND NOT EXISTS (SELECT 1 FROM packer.unreferenced u WHERE u.zoid = o.zoid)"
        },
        {
            "unreferenced entry for an object that is referenced or not indexed",
            "SELECT zoid, 0 FROM packer.unreferenced u WHERE zoid = 0"
                    + " OR EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = u.zoid)"
                    + " OR NOT EXISTS (SELECT 1 FROM packer.object o WHERE o.zoid = u.zoid)"
        },
        {
            "unreachable object referenced from outside the unreachable set",
            "SELECT r.to_zoid, r.from_zoid FROM packer.ref r JOIN packer.unreachable u ON u.zoid = r.to_zoid"
                    + " WHERE NOT EXISTS (SELECT 1 FROM packer.unreachable v WHERE v.zoid = r.from_zoid)"
                    + " UNION ALL SELECT zoid, 0 FROM packer.unreachable WHERE zoid = 0"
        },
    };

    private final DataSource dataSource;
    private final String objectState;

    IndexVerifier(DataSource dataSource, String relstorageSchema) {
        this.dataSource = dataSource;
        this.objectState = ObjectStateReader.table(relstorageSchema);
    }

    /** Verifies the objects whose zoid hashes into {@code fraction} (1 = all) and the table invariants. */
    VerificationReport verify(double fraction) throws SQLException {
        List<String> differences = new ArrayList<>();
        long[] counts = new long[2];
        try (Connection index = dataSource.getConnection();
                Connection state = dataSource.getConnection()) {
            String snapshot = beginSnapshot(index, null);
            beginSnapshot(state, snapshot);
            long watermark = IndexState.read(index).watermark();
            for (String[] invariant : INVARIANTS) {
                try (Statement st = index.createStatement();
                        ResultSet rs = st.executeQuery(invariant[1])) {
                    while (rs.next()) {
                        note(differences, counts, invariant[0] + ": " + rs.getLong(1) + " <- " + rs.getLong(2));
                    }
                }
            }
            compareObjects(index, state, watermark, sample(fraction), differences, counts);
            index.rollback();
            state.rollback();
        }
        return new VerificationReport(counts[0], counts[1], List.copyOf(differences));
    }

    private void compareObjects(
            Connection index, Connection state, long watermark, String sample, List<String> out, long[] counts)
            throws SQLException {
        ReferenceScanner scanner = new ReferenceScanner();
        try (PreparedStatement is = index.prepareStatement(
                        "SELECT zoid, tid, refs FROM packer.object WHERE " + sample + " ORDER BY zoid");
                PreparedStatement ss = state.prepareStatement(
                        "SELECT zoid, tid, state FROM " + objectState + " WHERE " + sample + " ORDER BY zoid")) {
            is.setFetchSize(2000);
            ss.setFetchSize(2000);
            try (ResultSet ir = is.executeQuery();
                    ResultSet sr = ss.executeQuery()) {
                boolean hasIndex = ir.next();
                boolean hasState = sr.next();
                while (hasIndex || hasState) {
                    long iz = hasIndex ? ir.getLong(1) : Long.MAX_VALUE;
                    long sz = hasState ? sr.getLong(1) : Long.MAX_VALUE;
                    if (hasState && sz < iz) {
                        if (sr.getLong(2) <= watermark) {
                            note(out, counts, "object " + sz + " (tid " + sr.getLong(2) + ") is not indexed");
                        }
                        hasState = sr.next();
                    } else if (!hasState || iz < sz) {
                        note(out, counts, "indexed object " + iz + " is no longer in object_state");
                        hasIndex = ir.next();
                    } else {
                        counts[0]++;
                        compareOne(scanner, iz, ir, sr, watermark, out, counts);
                        hasIndex = ir.next();
                        hasState = sr.next();
                    }
                }
            }
        }
    }

    private static void compareOne(
            ReferenceScanner scanner,
            long zoid,
            ResultSet ir,
            ResultSet sr,
            long watermark,
            List<String> out,
            long[] counts)
            throws SQLException {
        long indexTid = ir.getLong(2);
        long stateTid = sr.getLong(2);
        if (stateTid > watermark) {
            return;
        }
        if (indexTid != stateTid) {
            note(out, counts, "object " + zoid + " indexed from tid " + indexTid + ", its state is from " + stateTid);
            return;
        }
        java.sql.Array array = ir.getArray(3);
        long[] indexed = array == null
                ? new long[0]
                : Arrays.stream((Long[]) array.getArray())
                        .mapToLong(Long::longValue)
                        .toArray();
        byte[] bytes = sr.getBytes(3);
        ScannedObject expected = ScannedObject.scan(
                scanner,
                new io.github.relstoragepacker.relstorage.StoredObject(
                        zoid, stateTid, bytes == null ? new byte[0] : bytes));
        if (expected.unreadable() == null && !Arrays.equals(indexed, expected.refs())) {
            note(
                    out,
                    counts,
                    "object " + zoid + " indexed with references " + Arrays.toString(indexed) + ", its state has "
                            + Arrays.toString(expected.refs()));
        }
    }

    private static String sample(double fraction) {
        if (fraction >= 1) {
            return "true";
        }
        return "abs(hashint8(zoid)::bigint) % 1000000 < " + Math.round(Math.max(fraction, 0) * 1_000_000);
    }

    private static String beginSnapshot(Connection c, String snapshot) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            if (snapshot != null) {
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "") + "'");
                return snapshot;
            }
            try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void note(List<String> out, long[] counts, String difference) {
        counts[1]++;
        if (out.size() < MAX_LISTED) {
            out.add(difference);
        }
    }
}
