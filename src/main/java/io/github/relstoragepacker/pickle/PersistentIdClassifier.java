package io.github.relstoragepacker.pickle;

import io.github.relstoragepacker.pickle.PyValue.PyList;
import io.github.relstoragepacker.pickle.PyValue.Str;
import io.github.relstoragepacker.pickle.PyValue.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Sorts persistent ids the way {@code ZODB.serialize.referencesf} and RelStorage's pack read them.
 *
 * <p>Strong: a tuple {@code (oid, klass)} (oid = first item) or a bare oid (bytes or str). Skipped by
 * {@code referencesf}, so never strong: every list ({@code ['w', ...]}, {@code ['m', ...]}, {@code
 * ['n', ...]}, legacy {@code [oid]}); those are reported separately as weak or cross-database when
 * they have a known shape. Anything else makes {@code referencesf} or RelStorage's {@code u64} raise,
 * so it makes the record unreadable: a pid of another type, an empty tuple, an oid that is not bytes
 * or ASCII str, or an oid that is not exactly 8 bytes.
 */
final class PersistentIdClassifier {

    private final LongList strong = new LongList();
    private final LongList weak = new LongList();
    private final List<CrossDatabaseReference> crossDatabase = new ArrayList<>();

    void clear() {
        strong.clear();
        weak.clear();
        crossDatabase.clear();
    }

    /** Records one persistent id; returns why the record is unreadable, or null. */
    @Nullable
    String accept(PyValue pid) {
        if (pid instanceof Tuple tuple) {
            return tuple.items.length == 0
                    ? "persistent id is an empty tuple (IndexError)"
                    : acceptStrong(tuple.items[0]);
        }
        if (pid instanceof Str) {
            return acceptStrong(pid);
        }
        if (pid instanceof PyList list) {
            acceptList(list);
            return null;
        }
        return "persistent id is neither a tuple, bytes, str nor a list (AssertionError)";
    }

    private @Nullable String acceptStrong(PyValue oid) {
        if (!(oid instanceof Str s)) {
            return "persistent reference whose oid is not bytes or str (AssertionError)";
        }
        if (s.text && !s.isAscii()) {
            return "persistent reference whose oid is a non-ASCII str (UnicodeEncodeError)";
        }
        if (s.length != 8) {
            return "persistent reference whose oid has %d bytes; ZODB oids have 8".formatted(s.length);
        }
        strong.add(s.oid());
        return null;
    }

    private void acceptList(PyList list) {
        List<PyValue> items = list.items;
        if (items.size() == 1 && isOid(items.get(0))) {
            weak.add(((Str) items.get(0)).oid());
            return;
        }
        if (items.size() != 2 || !(items.get(0) instanceof Str kind) || !(items.get(1) instanceof Tuple args)) {
            return;
        }
        PyValue[] a = args.items;
        if (kind.is('w') && a.length == 1 && isOid(a[0])) {
            weak.add(((Str) a[0]).oid());
        } else if (kind.is('w') && a.length == 2 && isOid(a[0]) && a[1] instanceof Str db) {
            weak.add(((Str) a[0]).oid());
            crossDatabase.add(new CrossDatabaseReference(db.decode(), ((Str) a[0]).oid(), true));
        } else if ((kind.is('m') && a.length == 3 || kind.is('n') && a.length == 2)
                && a[0] instanceof Str db
                && isOid(a[1])) {
            crossDatabase.add(new CrossDatabaseReference(db.decode(), ((Str) a[1]).oid(), false));
        }
    }

    private static boolean isOid(PyValue value) {
        return value instanceof Str s && s.length == 8 && (!s.text || s.isAscii());
    }

    References result(@Nullable String className) {
        return new References(strong.toArray(), weak.toArray(), List.copyOf(crossDatabase), className);
    }
}
