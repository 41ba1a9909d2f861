package io.github.relstoragepacker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
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

/**
 * Stops the start on a {@code packer.*} setting this build does not have, naming it, where it was set
 * and the nearest valid name: a misspelt {@code grace} must not leave the default of 24 hours in
 * force unnoticed. Names are compared as Spring binds them ({@code max-fence-hold}, {@code
 * maxFenceHold} and {@code PACKER_COLLECTOR_MAXFENCEHOLD} are one setting).
 *
 * <p>Sources the packer does not own alone, the process environment and JVM system properties, are
 * checked only inside the packer's groups ({@code packer.collector.*}, ...): Kubernetes adds
 * {@code PACKER_PORT}-style variables for a service named {@code packer}, and tools have their own
 * {@code PACKER_*} variables.
 */
class UnknownSettingsCheck implements EnvironmentPostProcessor, Ordered {

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        KnownSettings known = KnownSettings.load(application.getClassLoader());
        List<String> unknown = new ArrayList<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (source.getName().equals("configurationProperties")) {
                continue; // a view of all the others
            }
            boolean shared = source.getName().equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
                    || source.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
            for (ConfigurationPropertySource properties : ConfigurationPropertySources.from(source)) {
                if (properties instanceof IterableConfigurationPropertySource iterable) {
                    iterable.stream()
                            .filter(KnownSettings.PACKER::isAncestorOf)
                            .filter(name -> known.find(name).isEmpty())
                            .filter(name -> !shared || known.inKnownGroup(name))
                            .forEach(name -> unknown.add(describe(known, properties, name)));
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidSettingException(
                    "Unknown setting" + (unknown.size() > 1 ? "s" : "") + ":\n\n    " + String.join("\n    ", unknown),
                    "Correct or remove the setting. The valid packer settings are:\n    "
                            + known.all().stream()
                                    .map(KnownSettings.Setting::name)
                                    .collect(Collectors.joining("\n    "))
                            + "\nEach is described, with its default, in application.yml and the README's"
                            + " \"Configuration\".");
        }
    }

    private static String describe(
            KnownSettings known, ConfigurationPropertySource source, ConfigurationPropertyName name) {
        ConfigurationProperty property = source.getConfigurationProperty(name);
        return name
                + KnownSettings.where(property == null ? null : property.getOrigin())
                + known.nearest(name)
                        .map(s -> ": did you mean " + s.name() + "?")
                        .orElse("");
    }
}
