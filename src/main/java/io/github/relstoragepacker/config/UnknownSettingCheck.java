package io.github.relstoragepacker.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Stops the start when a {@code packer.*} setting is one that nothing reads, so that a misspelt name
 * ({@code packer.collector.grce=1h}) cannot leave the default (24 h of grace) silently in force.
 *
 * <ul>
 *   <li>The valid names are those of the {@code @ConfigurationProperties} records, read from the
 *       configuration metadata the build generates from them ({@value #METADATA}), never from a list
 *       kept by hand.
 *   <li>Names are compared as Spring binds them ({@link ConfigurationPropertyName}): {@code
 *       max-fence-hold}, {@code maxFenceHold} and {@code PACKER_COLLECTOR_MAXFENCEHOLD} are one name.
 *       Entries below a property of type {@code Map} are its keys, not unknown names.
 *   <li>Environment variables and JVM system properties are shared with other programs (HashiCorp
 *       Packer reads {@code PACKER_*} variables, test harnesses set {@code -Dpacker.test.*}): there
 *       only names in one of our groups ({@code packer.collector.*}, {@code packer.index.*}, ...) are
 *       checked. Command-line arguments and configuration files are checked entirely.
 *   <li>It runs after the configuration files are loaded (as the last post-processor), and reports
 *       every unknown name at once, with its origin and the nearest valid name.
 * </ul>
 */
class UnknownSettingCheck implements EnvironmentPostProcessor, Ordered {

    static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final ConfigurationPropertyName PACKER = ConfigurationPropertyName.of("packer");
    private static final int MISSPELLING = 3;

    /**
     * A valid name.
     *
     * @param name the name, in Spring's canonical (dashed) form
     * @param map whether the property is a {@code Map}, whose keys are any names below it
     */
    private record Valid(ConfigurationPropertyName name, boolean map) {

        boolean accepts(ConfigurationPropertyName given) {
            return name.equals(given) || (map && name.isAncestorOf(given));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        List<Valid> valid = new ArrayList<>();
        List<ConfigurationPropertyName> groups = new ArrayList<>();
        readMetadata(application.getClassLoader(), valid, groups);
        List<UnknownSettingException.Setting> unknown = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource names)) {
                continue;
            }
            boolean shared = shared(source.getUnderlyingSource());
            Set<String> bound = bound(source, valid);
            names.stream()
                    .filter(PACKER::isAncestorOf)
                    .filter(name -> valid.stream().noneMatch(v -> v.accepts(name)))
                    .filter(name -> !bound.contains(origin(source, name)))
                    .filter(name -> !shared || groups.stream().anyMatch(g -> g.isAncestorOf(name)))
                    .forEach(name -> unknown.add(new UnknownSettingException.Setting(
                            name.toString(), origin(source, name), nearest(name, valid))));
        }
        if (!unknown.isEmpty()) {
            throw new UnknownSettingException(unknown);
        }
    }

    /**
     * Where the valid names are found in {@code source}: a variable such as {@code PACKER_INDEX_BATCH_SIZE}
     * binds to {@code packer.index.batch-size}, although listing the source spells it {@code
     * packer.index.batch.size}.
     */
    private static Set<String> bound(ConfigurationPropertySource source, List<Valid> valid) {
        Set<String> origins = new HashSet<>();
        for (Valid v : valid) {
            if (source.getConfigurationProperty(v.name()) != null) {
                origins.add(origin(source, v.name()));
            }
        }
        return origins;
    }

    private static boolean shared(@Nullable Object source) {
        return source instanceof PropertySource<?> p
                && (p.getName().equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
                        || p.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME));
    }

    private static String origin(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        ConfigurationProperty property = source.getConfigurationProperty(name);
        if (property != null && property.getOrigin() != null) {
            return "from " + SettingOrigins.describe(property.getOrigin());
        }
        return source.getUnderlyingSource() instanceof PropertySource<?> p
                ? "from property source \"" + p.getName() + "\""
                : "origin unknown";
    }

    private static @Nullable String nearest(ConfigurationPropertyName given, List<Valid> valid) {
        String word = comparable(given.toString());
        return valid.stream()
                .map(v -> v.name().toString())
                .min(Comparator.comparingInt(v -> distance(word, comparable(v))))
                .filter(v -> distance(word, comparable(v)) <= MISSPELLING)
                .orElse(null);
    }

    // Relaxed forms differ in case and dashes only; those are no misspelling.
    private static String comparable(String name) {
        return name.replace("-", "").toLowerCase(Locale.ROOT);
    }

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

    private static void readMetadata(
            @Nullable ClassLoader loader, List<Valid> valid, List<ConfigurationPropertyName> groups) {
        ClassLoader classes = loader != null ? loader : UnknownSettingCheck.class.getClassLoader();
        try {
            for (URL url : Collections.list(classes.getResources(METADATA))) {
                String text;
                try (InputStream in = url.openStream()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                // Every Spring Boot module ships its metadata; only ours names packer.* settings, and
                // parsing the others (megabytes) would cost a command's start more than all the rest.
                if (!text.contains("\"packer.")) {
                    continue;
                }
                // JSON is YAML: the parser that reads application.yml is loaded anyway
                Map<?, ?> metadata = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
                for (Map<?, ?> property : entries(metadata, "properties")) {
                    ConfigurationPropertyName name = ConfigurationPropertyName.of(String.valueOf(property.get("name")));
                    if (PACKER.isAncestorOf(name)) {
                        valid.add(new Valid(
                                name, String.valueOf(property.get("type")).startsWith("java.util.Map")));
                    }
                }
                for (Map<?, ?> group : entries(metadata, "groups")) {
                    ConfigurationPropertyName name = ConfigurationPropertyName.of(String.valueOf(group.get("name")));
                    if (PACKER.isAncestorOf(name)) {
                        groups.add(name);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + METADATA, e);
        }
        if (valid.isEmpty()) {
            // Without the metadata every setting would look unknown: a build defect, not the user's.
            throw new IllegalStateException(METADATA + " lists no packer.* setting: build the jar with Maven,"
                    + " whose spring-boot-configuration-processor generates it from the configuration records");
        }
    }

    private static List<Map<?, ?>> entries(Map<?, ?> metadata, String key) {
        return metadata.get(key) instanceof List<?> list
                ? list.stream()
                        .filter(Map.class::isInstance)
                        .<Map<?, ?>>map(Map.class::cast)
                        .toList()
                : List.of();
    }
}
