package io.github.relstoragepacker.config;

import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.env.StandardEnvironment;

/** Where a setting was made, in an operator's words: the argument, the variable, or the file and line. */
final class SettingOrigins {

    private SettingOrigins() {}

    static String describe(Origin origin) {
        if (origin instanceof PropertySourceOrigin source) {
            return switch (source.getPropertySource().getName()) {
                case "commandLineArgs" -> "command line --" + source.getPropertyName();
                case StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME ->
                    "environment variable " + source.getPropertyName();
                case StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME ->
                    "JVM system property -D" + source.getPropertyName();
                default -> origin.toString();
            };
        }
        return origin.toString();
    }
}
