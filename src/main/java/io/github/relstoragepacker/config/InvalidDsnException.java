package io.github.relstoragepacker.config;

/** A libpq connection string that cannot be read or translated; the message names keywords, never values. */
final class InvalidDsnException extends RuntimeException {

    InvalidDsnException(String message) {
        super(message);
    }
}
