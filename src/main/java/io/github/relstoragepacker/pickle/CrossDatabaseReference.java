package io.github.relstoragepacker.pickle;

/**
 * A persistent reference into another database of a ZODB multi-database ({@code ['m', (db, oid,
 * klass)]}, {@code ['n', (db, oid)]}, or the weak {@code ['w', (oid, db)]}). It never keeps an object
 * of this database alive.
 *
 * @param database the name of the other database, as the pickle spells it
 * @param oid the object's oid in that database
 * @param weak whether it is a {@code persistent.wref.WeakRef}
 */
public record CrossDatabaseReference(String database, long oid, boolean weak) {}
