package io.github.relstoragepacker.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports {@code packer.*} settings that nothing reads, each with its origin and the name probably meant. */
class UnknownSettingFailureAnalyzer extends AbstractFailureAnalyzer<UnknownSettingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownSettingException cause) {
        StringBuilder description =
                new StringBuilder("Unknown setting(s): nothing reads them, so they would be ignored.\n");
        for (UnknownSettingException.Setting setting : cause.settings()) {
            description.append("%n    %s (%s)%s"
                    .formatted(
                            setting.name(),
                            setting.origin(),
                            setting.nearest() == null ? "" : ": did you mean " + setting.nearest() + "?"));
        }
        return new FailureAnalysis(
                description.toString(),
                "Correct or remove the setting(s). Every packer.* setting is listed in README.md, section"
                        + " \"Configuration\", and in application.yml.",
                cause);
    }
}
