package io.github.relstoragepacker.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.env.StandardEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code packer.*} settings this build has, read from the configuration metadata that the build
 * generates from the {@code @ConfigurationProperties} records ({@code
 * META-INF/spring-configuration-metadata.json}): the list cannot drift from the code.
 */
final class KnownSettings {

    static final ConfigurationPropertyName PACKER = ConfigurationPropertyName.of("packer");
    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    /** One setting: its documented name and its Java type, as the metadata gives them. */
    record Setting(String name, String type) {

        ConfigurationPropertyName propertyName() {
            return ConfigurationPropertyName.of(name);
        }

        /** What a valid value of this setting looks like. */
        String example() {
            return switch (type) {
                case "java.time.Duration" -> "a duration, e.g. 24h, 30m, 90s, 200ms or PT24H";
                case "java.lang.Integer", "java.lang.Long", "int", "long" -> "a whole number, e.g. 1000";
                case "java.lang.Boolean", "boolean" -> "true or false";
                case "java.nio.file.Path" -> "a path, e.g. /var/lib/plone/blobstorage";
                case "java.lang.String" -> "text";
                default -> "a value of type " + type.substring(type.lastIndexOf('.') + 1);
            };
        }
    }

    private final List<Setting> settings;

    private KnownSettings(List<Setting> settings) {
        this.settings = settings;
    }

    static KnownSettings load(ClassLoader classLoader) {
        List<Setting> settings = new ArrayList<>();
        JsonMapper json = JsonMapper.builder().build();
        try {
            Enumeration<URL> resources = classLoader.getResources(METADATA);
            while (resources.hasMoreElements()) {
                try (InputStream in = resources.nextElement().openStream()) {
                    for (JsonNode property : json.readTree(in).path("properties")) {
                        String name = property.path("name").asString();
                        if (PACKER.isAncestorOf(ConfigurationPropertyName.of(name))) {
                            settings.add(new Setting(name, property.path("type").asString("java.lang.String")));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + METADATA, e);
        }
        settings.sort(Comparator.comparing(Setting::name));
        return new KnownSettings(List.copyOf(settings));
    }

    /** The setting {@code name} is, or lies in (an entry of a map-valued setting). */
    Optional<Setting> find(ConfigurationPropertyName name) {
        return settings.stream()
                .filter(s -> s.propertyName().equals(name)
                        || (s.type().startsWith("java.util.Map")
                                && s.propertyName().isAncestorOf(name)))
                .findFirst();
    }

    /** Whether {@code name} lies in a group of settings ({@code packer.collector}, ...) this build has. */
    boolean inKnownGroup(ConfigurationPropertyName name) {
        return name.getNumberOfElements() > 2
                && settings.stream()
                        .map(Setting::propertyName)
                        .anyMatch(s -> s.getNumberOfElements() > 2
                                && s.getElement(1, ConfigurationPropertyName.Form.UNIFORM)
                                        .equals(name.getElement(1, ConfigurationPropertyName.Form.UNIFORM)));
    }

    /** The known setting whose name is closest to {@code name}, if one is close enough to be a misspelling. */
    Optional<Setting> nearest(ConfigurationPropertyName name) {
        String wanted = uniform(name);
        return settings.stream()
                .min(Comparator.comparingInt(s -> distance(uniform(s.propertyName()), wanted)))
                .filter(s -> distance(uniform(s.propertyName()), wanted) <= Math.max(3, wanted.length() / 4));
    }

    /** The value of {@code property} as it was written, before conversion ({@code 0ms}, not {@code PT0S}). */
    static @Nullable Object written(ConfigurationProperty property) {
        if (property.getOrigin() instanceof PropertySourceOrigin source) {
            Object value = source.getPropertySource().getProperty(source.getPropertyName());
            if (value != null) {
                return value;
            }
        }
        return property.getValue();
    }

    /** Where a setting was made, in an operator's words ("command line", a file and line, ...). */
    static String where(@Nullable Origin origin) {
        if (origin instanceof PropertySourceOrigin source) {
            return switch (source.getPropertySource().getName()) {
                case "commandLineArgs" -> " (command line: --" + source.getPropertyName() + ")";
                case StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME ->
                    " (environment variable " + source.getPropertyName() + ")";
                case StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME ->
                    " (JVM system property -D" + source.getPropertyName() + ")";
                default -> " (" + source + ")";
            };
        }
        return origin == null ? "" : " (" + origin + ")";
    }

    List<Setting> all() {
        return settings;
    }

    private static String uniform(ConfigurationPropertyName name) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            text.append(i == 0 ? "" : ".").append(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
        }
        return text.toString().toLowerCase(Locale.ROOT);
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
