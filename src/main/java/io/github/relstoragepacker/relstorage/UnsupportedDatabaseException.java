package io.github.relstoragepacker.relstorage;

/** The database cannot be collected; the message names what was found, what is supported and the fix. */
public final class UnsupportedDatabaseException extends RuntimeException {

    UnsupportedDatabaseException(String message) {
        super(message);
    }
}
