package io.github.relstoragepacker.api;

/** The database is one this daemon refuses to index (409): the message names why and the fix. */
final class DatabaseRefusedException extends RuntimeException {

    DatabaseRefusedException(String message) {
        super(message);
    }
}
