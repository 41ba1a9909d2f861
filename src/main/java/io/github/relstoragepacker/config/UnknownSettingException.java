package io.github.relstoragepacker.config;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** {@code packer.*} settings that no configuration record binds, reported by {@link UnknownSettingFailureAnalyzer}. */
class UnknownSettingException extends RuntimeException {

    private final List<Setting> settings;

    /**
     * One unknown setting.
     *
     * @param name the name as given (relaxed forms included)
     * @param origin where it was given: file and line, environment variable or command-line argument
     * @param nearest the valid name closest to it, if one is close enough to be a misspelling
     */
    record Setting(String name, String origin, @Nullable String nearest) {}

    UnknownSettingException(List<Setting> settings) {
        super("unknown setting(s): " + settings.stream().map(Setting::name).toList());
        this.settings = List.copyOf(settings);
    }

    List<Setting> settings() {
        return settings;
    }
}
