package io.github.relstoragepacker.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The RelStorage configuration file named by {@value RelStorageConfigProperties#FILE} cannot be used:
 * what is wrong, where (file and line, when there is one), and how to fix it. Messages never contain
 * a password.
 */
public final class RelStorageConfigException extends RuntimeException {

    private final Path file;
    private final int line;
    private final String problem;
    private final String fix;

    /**
     * @param line the line the problem is on, or 0 when it concerns the file as a whole
     */
    RelStorageConfigException(Path file, int line, String problem, String fix) {
        this(file, line, problem, fix, null);
    }

    RelStorageConfigException(Path file, int line, String problem, String fix, @Nullable Throwable cause) {
        super(
                "%s=%s%s: %s %s"
                        .formatted(
                                RelStorageConfigProperties.FILE, file, line > 0 ? ", line " + line : "", problem, fix),
                cause);
        this.file = file;
        this.line = line;
        this.problem = problem;
        this.fix = fix;
    }

    public Path file() {
        return file;
    }

    /** The line the problem is on, or 0 when it concerns the file as a whole. */
    public int line() {
        return line;
    }

    /** What is wrong, in a sentence. */
    public String problem() {
        return problem;
    }

    /** What to change, in a sentence. */
    public String fix() {
        return fix;
    }
}
