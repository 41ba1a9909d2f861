package io.github.relstoragepacker.config;

/** A setting that stops the start: what is wrong, and what to do about it. */
class InvalidSettingException extends RuntimeException {

    private final String fix;

    InvalidSettingException(String problem, String fix) {
        super(problem);
        this.fix = fix;
    }

    String fix() {
        return fix;
    }
}
