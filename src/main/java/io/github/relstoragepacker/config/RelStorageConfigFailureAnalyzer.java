package io.github.relstoragepacker.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an unusable RelStorage configuration file as Spring Boot's "APPLICATION FAILED TO START" block. */
class RelStorageConfigFailureAnalyzer extends AbstractFailureAnalyzer<RelStorageConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RelStorageConfigException cause) {
        String description =
                "The RelStorage configuration file named by %s cannot be used.%n%n    File: %s%n%s    Problem: %s"
                        .formatted(
                                RelStorageConfigProperties.FILE,
                                cause.file(),
                                cause.line() > 0 ? "    Line: %d%n".formatted(cause.line()) : "",
                                cause.problem());
        return new FailureAnalysis(description, cause.fix(), cause);
    }
}
