package io.github.relstoragepacker.relstorage;

/**
 * One row of {@code object_state}: an object's current state and the tid that wrote it.
 *
 * @param zoid the object's oid
 * @param tid the transaction that wrote this state
 * @param state the pickle bytes; empty for a NULL state (which has no references)
 */
public record StoredObject(long zoid, long tid, byte[] state) {}
