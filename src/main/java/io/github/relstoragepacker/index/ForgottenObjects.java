package io.github.relstoragepacker.index;

import io.github.relstoragepacker.relstorage.KeyProbes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The index's half of an object leaving {@code object_state}, for whatever removed it (a deletion
 * batch, zodbpack, a hand): the caller lists the objects in the temporary table {@code
 * packer_forgotten(zoid, since_tid, refs)} with the references the index had for them, and removes
 * their {@code packer.object} rows. {@link #drop} removes their edges and their entries in the
 * collection sets; a target left without any referrer becomes unreferenced since the latest {@code
 * since_tid} of the objects that referenced it: it became unreachable no later than they did.
 */
final class ForgottenObjects {

    static final String TABLE = "CREATE TEMP TABLE IF NOT EXISTS packer_forgotten"
            + " (zoid bigint PRIMARY KEY, since_tid bigint NOT NULL, refs bigint[]) ON COMMIT DELETE ROWS";

    private ForgottenObjects() {}

    /**
     * Forgets the objects of the journal {@code packer.deleted} among {@code zoids} whose index rows still
     * have the journal's state, and takes exactly those zoids out of the journal, in one transaction of
     * its own on {@code c} whose first statement does both: the journal rows of a batch that commits
     * meanwhile stay for the next call. Returns them by class.
     */
    static Map<String, ClassTotal> forgetJournal(Connection c, long[] zoids, LeaderLock leader) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        Map<String, ClassTotal> classes = new HashMap<>();
        try (Statement st = c.createStatement();
                PreparedStatement forget = c.prepareStatement("WITH j AS (DELETE FROM packer.deleted"
                        + " WHERE zoid = ANY (?) RETURNING zoid, tid, since_tid),"
                        + " gone AS (DELETE FROM packer.object o USING j WHERE o.zoid = j.zoid AND o.tid = j.tid"
                        + " RETURNING o.zoid, j.since_tid, o.refs, o.class_id, o.state_size),"
                        + " forgotten AS (INSERT INTO packer_forgotten SELECT zoid, since_tid, refs FROM gone)"
                        // by class id first: a few dozen probes of packer.class instead of one per object
                        + " SELECT COALESCE(NULLIF(k.name, ''), '(unknown)'), sum(g.n), sum(g.bytes) FROM"
                        + " (SELECT class_id, count(*) AS n, sum(state_size) AS bytes FROM gone GROUP BY class_id) g"
                        + " LEFT JOIN packer.class k ON k.id = g.class_id GROUP BY 1")) {
            leader.requireHeld(c);
            // losing this transaction loses nothing: the journal rows stay for the next call
            st.execute(TABLE + "; " + KeyProbes.SETTINGS + "SET LOCAL synchronous_commit = off");
            forget.setObject(1, zoids);
            try (ResultSet rs = forget.executeQuery()) {
                while (rs.next()) {
                    classes.put(rs.getString(1), new ClassTotal(rs.getLong(2), rs.getLong(3)));
                }
            }
            if (!classes.isEmpty()) {
                drop(st);
            }
            c.commit();
            return classes;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    static void drop(Statement st) throws SQLException {
        st.execute("DELETE FROM packer.ref r USING (SELECT unnest(refs) AS to_zoid, zoid AS from_zoid"
                + " FROM packer_forgotten) f WHERE r.to_zoid = f.to_zoid AND r.from_zoid = f.from_zoid");
        st.execute("WITH f AS (SELECT ARRAY(SELECT zoid FROM packer_forgotten) AS zoids),"
                + " a AS (DELETE FROM packer.unreferenced WHERE zoid = ANY ((SELECT zoids FROM f)::bigint[])),"
                + " b AS (DELETE FROM packer.unreachable WHERE zoid = ANY ((SELECT zoids FROM f)::bigint[]))"
                + " DELETE FROM packer.quarantine WHERE zoid = ANY ((SELECT zoids FROM f)::bigint[])");
        // Targets forgotten in the same transaction have no object row left; most targets of garbage are
        // garbage of the same batch, and a look at the small temporary table, first (the planner put the
        // probes of packer.ref before it), spares two probes of the index's tables (where their deleted
        // rows still have to be visited).
        st.execute("WITH t AS MATERIALIZED (SELECT r.to_zoid, max(f.since_tid) AS since_tid"
                + " FROM packer_forgotten f, unnest(f.refs) AS r(to_zoid) WHERE r.to_zoid <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM packer_forgotten x WHERE x.zoid = r.to_zoid) GROUP BY r.to_zoid)"
                + " INSERT INTO packer.unreferenced (zoid, since_tid) SELECT t.to_zoid, t.since_tid FROM t"
                + " WHERE EXISTS (SELECT 1 FROM packer.object o WHERE o.zoid = t.to_zoid)"
                + " AND NOT EXISTS (SELECT 1 FROM packer.ref r WHERE r.to_zoid = t.to_zoid)"
                + " ON CONFLICT (zoid) DO NOTHING");
    }
}
