package io.github.relstoragepacker.api;

/** The thing a request names does not exist; the message names it and says where to look. */
final class NotFoundException extends RuntimeException {

    NotFoundException(String message) {
        super(message);
    }
}
